/**
 * A value recomputed at most once per `ttlMs`: what an endpoint computes per request (a JSON body,
 * a metrics rendering) costs the same whether one client asks once or an attacker asks 10,000 times.
 */
export class Cached<T> {
  private value: T | undefined;
  private computedAt = -Infinity;

  constructor(
    private readonly ttlMs: number,
    private readonly compute: () => T,
  ) {}

  get(now = Date.now()): T {
    if (this.value === undefined || now - this.computedAt >= this.ttlMs) {
      this.value = this.compute();
      this.computedAt = now;
    }
    return this.value;
  }

  /** Forgets the value (e.g. a failed computation), so the next get() computes again. */
  clear(): void {
    this.value = undefined;
  }
}
