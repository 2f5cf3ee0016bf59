/** Exponential backoff with full jitter, for retrying one log without hammering it. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Source of randomness in [0, 1); injectable for tests. */
  random?: () => number;
}

export class Backoff {
  private attempt = 0;

  constructor(private readonly options: BackoffOptions) {}

  get failures(): number {
    return this.attempt;
  }

  /**
   * Delay before the next retry. A server-given Retry-After is honoured as a floor, since retrying
   * earlier only earns another 429, but only up to maxMs: a log asking for days (or for more than
   * a timer can hold, which Node turns into 1 ms) is asked again after maxMs.
   */
  next(retryAfterMs?: number): number {
    const ceiling = Math.min(this.options.maxMs, this.options.baseMs * 2 ** this.attempt);
    this.attempt++;
    const jittered = Math.floor((this.options.random ?? Math.random)() * ceiling);
    return Math.max(jittered, Math.min(retryAfterMs ?? 0, this.options.maxMs), 1);
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** The longest delay setTimeout keeps; above it Node fires after 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** setTimeout as a promise that an AbortSignal ends early (resolving, not rejecting). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    // Longer waits are cut to the longest a timer holds, never turned into a 1 ms one. A wait already
    // past (a poll that is due) is 0: Node 23+ prints a TimeoutNegativeWarning on stderr for a negative one.
    const timer = setTimeout(done, Math.max(0, Math.min(ms, MAX_TIMER_MS)));
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
