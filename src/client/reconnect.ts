/**
 * When to try again after a lost connection: exponential backoff with jitter, so that a server
 * restart is not met by every client at the same instant, and a long outage costs one attempt per
 * maxDelayMs at most.
 */
export interface ReconnectOptions {
  /** Delay ceiling of the first attempt, doubled per failed attempt (default 500 ms). */
  minDelayMs?: number;
  /** Delay ceiling of later attempts (default 30 s). */
  maxDelayMs?: number;
  /** Source of randomness in [0, 1); injectable for tests. */
  random?: () => number;
}

export const DEFAULT_RECONNECT = Object.freeze({ minDelayMs: 500, maxDelayMs: 30_000 });

export class ReconnectBackoff {
  private failures = 0;
  private readonly minDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly random: () => number;

  constructor(options: ReconnectOptions = {}) {
    this.minDelayMs = options.minDelayMs ?? DEFAULT_RECONNECT.minDelayMs;
    this.maxDelayMs = Math.max(this.minDelayMs, options.maxDelayMs ?? DEFAULT_RECONNECT.maxDelayMs);
    this.random = options.random ?? Math.random;
  }

  /** Attempts since the last reset. */
  get attempts(): number {
    return this.failures;
  }

  /**
   * Delay before the next attempt: between half and all of the current ceiling ("equal jitter"),
   * so attempts spread out but never come back to back.
   */
  next(): number {
    const ceiling = Math.min(this.maxDelayMs, this.minDelayMs * 2 ** this.failures);
    this.failures++;
    return Math.round(ceiling / 2 + this.random() * (ceiling / 2));
  }

  reset(): void {
    this.failures = 0;
  }
}
