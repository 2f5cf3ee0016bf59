/**
 * Replays the history a resuming subscription missed, then hands it over to live delivery with no
 * gap and no duplicate: everything runs on the one JS thread, so when the replay reaches the newest
 * event it joins the live topic in the same tick, before any newer event can be published.
 * Replays are paced (a budget per turn, round-robin) and wait while the client's buffer is full,
 * so one resuming client cannot stall the others.
 */
import type { Channel } from '../protocol/channels.js';
import { FilterMatcher, type FilterSpec } from './filter-matcher.js';
import type { EventHistory } from './history.js';

export interface ReplayTarget {
  send(message: string): void;
  bufferedAmount(): number;
}

export class Replay {
  private next: number;
  private readonly matcher = new FilterMatcher();
  private readonly suffix: string;
  private finished = false;
  /** Events the client missed because they left the history before the replay reached them. */
  lost = 0;

  constructor(
    private readonly history: EventHistory,
    fromSeq: number,
    private readonly channel: Channel,
    spec: FilterSpec,
    subscriptionField: string,
    private readonly target: ReplayTarget,
    private readonly onCaughtUp: () => void,
    /** Skips repeats, as the live dedupe subscription does. */
    private readonly dedupe = false,
  ) {
    this.next = fromSeq;
    this.matcher.acquire(spec);
    this.suffix = `${subscriptionField}}`;
  }

  get done(): boolean {
    return this.finished;
  }

  cancel(): void {
    this.finished = true;
  }

  /**
   * Examines up to `budget` events: 'done' once caught up and joined live, 'blocked' while the
   * client's buffer is full, else 'more'.
   */
  step(budget: number, maxBuffered: number): 'done' | 'blocked' | 'more' {
    for (let i = 0; i < budget && !this.finished; i++) {
      const newest = this.history.newestSeq;
      if (newest === undefined || this.next > newest) {
        this.finished = true;
        this.onCaughtUp();
        break;
      }
      if (this.target.bufferedAmount() > maxBuffered) return 'blocked';
      const oldest = this.history.oldestSeq!;
      if (this.next < oldest) {
        this.lost += oldest - this.next;
        this.next = oldest;
      }
      const event = this.history.get(this.next++)!;
      if (this.dedupe && event.duplicateOf !== undefined) continue;
      let matched = false;
      this.matcher.match(event.domains, () => (matched = true));
      if (matched) this.target.send(event.message(this.channel).slice(0, -1) + this.suffix);
    }
    return this.finished ? 'done' : 'more';
  }
}

/** How soon replays blocked on full client buffers are retried. */
const BLOCKED_RETRY_MS = 20;

/** Runs active replays a slice at a time, round-robin, yielding to I/O between slices. */
export class ReplayScheduler {
  private readonly active = new Set<Replay>();
  private scheduled = false;

  constructor(
    private readonly budgetPerTurn = 500,
    private readonly maxBuffered = 1024 * 1024,
  ) {}

  get size(): number {
    return this.active.size;
  }

  add(replay: Replay): void {
    this.active.add(replay);
    this.schedule();
  }

  private schedule(delayMs = 0): void {
    if (this.scheduled || this.active.size === 0) return;
    this.scheduled = true;
    if (delayMs > 0) setTimeout(() => this.turn(), delayMs);
    else setImmediate(() => this.turn());
  }

  private turn(): void {
    this.scheduled = false;
    let anyProgress = false;
    for (const replay of this.active) {
      const state = replay.done ? 'done' : replay.step(this.budgetPerTurn, this.maxBuffered);
      if (state === 'done') this.active.delete(replay);
      if (state !== 'blocked') anyProgress = true;
    }
    // When every replay waits for its client to read, poll gently instead of spinning.
    this.schedule(anyProgress ? 0 : BLOCKED_RETRY_MS);
  }
}
