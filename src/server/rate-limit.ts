/**
 * Per-connection message rate limit: a token bucket refilled at `perSecond` up to `burst`. Each
 * client message takes a token; a message finding the bucket empty is refused. A client that keeps
 * sending while refused (more than `closeAfter` refusals without ever pausing long enough for the
 * bucket to refill completely) is flooding and should be disconnected.
 */

export interface RateLimitOptions {
  /** Sustained messages per second. */
  readonly perSecond: number;
  /** Messages accepted at once after a quiet period. */
  readonly burst: number;
  /** Refused messages, without a pause, after which the connection is closed. */
  readonly closeAfter: number;
}

export type RateVerdict = 'accept' | 'refuse' | 'close';

export class MessageRateLimiter {
  private tokens: number;
  private refilledAt: number;
  /** Refusals since the bucket was last full. */
  private refusals = 0;

  constructor(
    private readonly options: RateLimitOptions,
    now = Date.now(),
  ) {
    this.tokens = options.burst;
    this.refilledAt = now;
  }

  /** Takes a token for one message and says what to do with it. */
  take(now = Date.now()): RateVerdict {
    const { perSecond, burst, closeAfter } = this.options;
    this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) / 1000) * perSecond);
    this.refilledAt = now;
    // A full bucket means the client paused: earlier refusals no longer count towards closing.
    if (this.tokens >= burst) this.refusals = 0;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 'accept';
    }
    this.refusals++;
    return this.refusals > closeAfter ? 'close' : 'refuse';
  }
}
