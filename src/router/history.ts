/**
 * The recent events, by seq, for clients that resume after a reconnect. Bounded by count and by
 * age, whichever is smaller. Seqs are contiguous (ingest numbers every event it emits), so an
 * event is found by arithmetic on a ring buffer.
 */
import type { RoutedEvent } from './routed-event.js';

export interface HistoryOptions {
  maxEvents: number;
  maxAgeMs: number;
  /** Called when a gap in seq makes the history start over (after `lastSeq`, at `nextSeq`). */
  onReset?: (lastSeq: number, nextSeq: number) => void;
}

export const DEFAULT_HISTORY_OPTIONS: HistoryOptions = { maxEvents: 200_000, maxAgeMs: 10 * 60_000 };

export class EventHistory {
  private readonly ring: (RoutedEvent | undefined)[];
  private readonly addedAt: Float64Array;
  /** Ring slot of the oldest event. */
  private head = 0;
  private count = 0;
  /** Times a gap in seq made the history start over. */
  resets = 0;

  constructor(private readonly options: HistoryOptions = DEFAULT_HISTORY_OPTIONS) {
    this.ring = new Array<RoutedEvent | undefined>(options.maxEvents);
    this.addedAt = new Float64Array(options.maxEvents);
  }

  get size(): number {
    return this.count;
  }

  /** Seq of the oldest event kept, or undefined when empty. */
  get oldestSeq(): number | undefined {
    return this.count === 0 ? undefined : this.ring[this.head]!.seq;
  }

  get newestSeq(): number | undefined {
    return this.count === 0 ? undefined : this.ring[(this.head + this.count - 1) % this.ring.length]!.seq;
  }

  push(event: RoutedEvent, now = Date.now()): void {
    const newest = this.newestSeq;
    if (newest !== undefined && event.seq !== newest + 1) {
      // A gap in seq would break lookups; it cannot happen with one ingest, so start over if it does.
      this.resets++;
      this.options.onReset?.(newest, event.seq);
      this.head = 0;
      this.count = 0;
    }
    if (this.count === this.ring.length) this.dropOldest();
    const slot = (this.head + this.count) % this.ring.length;
    this.ring[slot] = event;
    this.addedAt[slot] = now;
    this.count++;
    this.expire(now);
  }

  /** Drops events older than maxAgeMs. */
  expire(now = Date.now()): void {
    while (this.count > 0 && now - this.addedAt[this.head]! > this.options.maxAgeMs) this.dropOldest();
  }

  private dropOldest(): void {
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.ring.length;
    this.count--;
  }

  /** The event with this seq, if still kept. */
  get(seq: number): RoutedEvent | undefined {
    const oldest = this.oldestSeq;
    if (oldest === undefined || seq < oldest || seq >= oldest + this.count) return undefined;
    return this.ring[(this.head + (seq - oldest)) % this.ring.length];
  }

  /** The newest `n` events, oldest first. */
  tail(n: number): RoutedEvent[] {
    const out: RoutedEvent[] = [];
    for (let i = Math.max(0, this.count - n); i < this.count; i++) out.push(this.ring[(this.head + i) % this.ring.length]!);
    return out;
  }
}
