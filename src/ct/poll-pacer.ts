/**
 * When to poll a log's head next: often while the log grows (a new head is then at most one fast
 * interval old when we see it), rarely once it has been idle for a while, and never faster than the
 * log has shown it tolerates (each 429 doubles the fastest interval for that log, up to the idle one).
 */
export interface PollPacerOptions {
  /** Interval while the log grows. */
  fastMs: number;
  /** Interval once the log has not grown for `idleAfterMs`. */
  idleMs: number;
  idleAfterMs: number;
}

export class PollPacer {
  private lastGrowthAt = -Infinity;
  /** The fastest interval this log allows: raised by rate limits, never lowered again. */
  private floorMs: number;

  constructor(private readonly options: PollPacerOptions) {
    this.floorMs = Math.min(options.fastMs, options.idleMs);
  }

  /** A head was read: whether it showed new entries. */
  headSeen(grew: boolean, now: number): void {
    if (grew) this.lastGrowthAt = now;
  }

  /** The log answered 429: poll it at half the rate from now on (bounded by the idle interval). */
  rateLimited(): void {
    this.floorMs = Math.min(this.options.idleMs, this.floorMs * 2);
  }

  intervalMs(now: number): number {
    const growing = now - this.lastGrowthAt < this.options.idleAfterMs;
    return growing ? this.floorMs : this.options.idleMs;
  }
}
