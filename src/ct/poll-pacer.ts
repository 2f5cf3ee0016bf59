/**
 * When to poll a log's head next. Logs sign heads on a cadence (every second, every few seconds),
 * and each head carries the log's timestamp, so while a log grows the pacer predicts the next head
 * (last head's timestamp + the usual gap between heads + the shortest delay with which we saw a
 * head, which absorbs clock skew) and polls then, a little early: one or two polls per head, each
 * head seen within tens of ms. Polling a little early keeps the delay estimate honest (polls that
 * always come late would only ever measure their own lateness). A head that is late is polled for
 * in short steps for one fast interval, then every fast interval. A log idle for a while is polled at the idle interval. Rate limits are
 * honoured: each 429 doubles the log's fastest interval for good (up to the idle one), and a
 * rate-limited log is never polled in short steps.
 */
export interface PollPacerOptions {
  /** Interval while the log grows and no head can be predicted. */
  fastMs: number;
  /** Interval once the log has not grown for `idleAfterMs`. */
  idleMs: number;
  idleAfterMs: number;
}

export interface SeenHead {
  treeSize: number;
  /** The log's timestamp of the head, ms since the epoch. */
  timestamp: number;
}

/** Poll this much before the predicted head. */
const EARLY_MS = 10;
/** Shortest step between polls for a late head. */
const MIN_STEP_MS = 25;
/** Gaps and delays remembered for the estimates. */
const KEPT = 8;

function pushBounded(list: number[], value: number): void {
  list.push(value);
  if (list.length > KEPT) list.shift();
}

export class PollPacer {
  private lastPollAt = -Infinity;
  private lastGrowthAt = -Infinity;
  private lastTreeSize = -1;
  private lastHeadTimestamp: number | undefined;
  /** Recent gaps between successive heads' timestamps (their median is the log's cadence). */
  private readonly gaps: number[] = [];
  /** Recent delays from a head's timestamp to our first sight of it (the shortest: skew + transfer). */
  private readonly delays: number[] = [];
  /** The fastest interval this log allows: raised by rate limits, never lowered again. */
  private floorMs: number;
  private limited = false;

  constructor(private readonly options: PollPacerOptions) {
    this.floorMs = Math.min(options.fastMs, options.idleMs);
  }

  /** A head was read at `now`. */
  headSeen(head: SeenHead, now: number): void {
    // Polled at the idle rate, we may have missed heads in between: such gaps say nothing of the cadence.
    const wasIdle = this.idle;
    this.lastPollAt = now;
    if (this.lastTreeSize >= 0 && head.treeSize > this.lastTreeSize) this.lastGrowthAt = now;
    this.lastTreeSize = Math.max(this.lastTreeSize, head.treeSize);
    if (this.lastHeadTimestamp !== undefined && head.timestamp <= this.lastHeadTimestamp) return;
    if (this.lastHeadTimestamp !== undefined && !wasIdle) pushBounded(this.gaps, head.timestamp - this.lastHeadTimestamp);
    pushBounded(this.delays, now - head.timestamp);
    this.lastHeadTimestamp = head.timestamp;
  }

  /** The log answered 429: poll it at half the rate from now on (bounded by the idle interval). */
  rateLimited(): void {
    this.floorMs = Math.min(this.options.idleMs, this.floorMs * 2);
    this.limited = true;
  }

  /** When the next head is expected to be readable, on our clock; undefined without a cadence yet. */
  private predictedHeadAt(): number | undefined {
    if (this.lastHeadTimestamp === undefined || this.gaps.length === 0) return undefined;
    const sorted = [...this.gaps].sort((a, b) => a - b);
    const cadence = sorted[Math.floor(sorted.length / 2)]!;
    if (cadence <= 0) return undefined;
    return this.lastHeadTimestamp + cadence + Math.min(...this.delays) - EARLY_MS;
  }

  /** No growth seen for a while (as of the last poll). */
  private get idle(): boolean {
    return this.lastPollAt - this.lastGrowthAt >= this.options.idleAfterMs;
  }

  /** When to poll next (ms since the epoch). */
  nextPollAt(): number {
    const last = this.lastPollAt;
    if (this.idle) return last + this.options.idleMs;
    const predicted = this.predictedHeadAt();
    if (predicted === undefined) return last + this.floorMs;
    const shortest = this.limited ? this.floorMs : Math.max(MIN_STEP_MS, this.floorMs / 8);
    if (last < predicted) return Math.min(Math.max(predicted, last + shortest), last + this.options.idleMs);
    // The head is late: short steps for one fast interval, then the fast interval.
    return last + (last - predicted >= this.floorMs ? this.floorMs : shortest);
  }

  /** The current average interval, for status: the cadence when predicting, else the interval in use. */
  intervalMs(): number {
    const next = this.nextPollAt();
    return Number.isFinite(next) ? Math.max(0, Math.round(next - this.lastPollAt)) : this.options.idleMs;
  }
}
