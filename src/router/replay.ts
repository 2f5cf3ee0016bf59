/**
 * Replays the history a resuming subscription missed, then hands it over to live delivery with no
 * gap and no duplicate: everything runs on the one JS thread, so when the replay reaches the newest
 * event it joins the live topic in the same tick, before any newer event can be published.
 *
 * Replays are budgeted in total, not per subscription (ReplayScheduler): events examined per turn
 * and per second for all replays together and per second per client IP, shared fairly between
 * client IPs and then between the replays of one IP, and a replay waits while its client's buffer
 * is full. So any number of
 * resuming (or re-resuming) clients costs the server a bounded share of its CPU.
 *
 * A replay slower than the history (its client reads slowly, or the budget is shared by many) can
 * find that events it had promised (recovered:true) have left the history: it tells the client
 * which seqs with a gap message (ReplayTarget.gap) and counts them, never skipping silently.
 */
import { DEFAULT_REPLAY_BUDGET } from '../config/defaults.js';
import type { Channel } from '../protocol/channels.js';
import { FilterMatcher, type FilterSpec } from './filter-matcher.js';
import type { EventHistory } from './history.js';

export interface ReplayTarget {
  send(message: string, seq: number): void;
  bufferedAmount(): number;
  /** Seqs fromSeq..toSeq left the history before the replay reached them. */
  gap(fromSeq: number, toSeq: number): void;
}

export type ReplayState = 'done' | 'blocked' | 'more';

/** Events examined between two clock reads. */
const CLOCK_EVERY = 32;

export class Replay {
  private next: number;
  private readonly matcher = new FilterMatcher({ backgroundBuilds: true });
  private readonly suffix: string;
  private finished = false;
  /** Events the client missed because they left the history before the replay reached them. */
  lost = 0;
  /** Events examined by the last step(). */
  examined = 0;

  constructor(
    private readonly history: EventHistory,
    fromSeq: number,
    private readonly channel: Channel,
    spec: FilterSpec,
    subscriptionField: string,
    private readonly target: ReplayTarget,
    private readonly onCaughtUp: () => void,
    /** Replays are shared fairly between these (the client's IP). */
    readonly owner = '',
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
   * Examines up to `budget` events, stopping early at `deadline` (performance.now()): 'done' once
   * caught up and joined live, 'blocked' while the client's buffer is full, else 'more'.
   */
  step(budget: number, maxBuffered: number, deadline = Infinity): ReplayState {
    this.examined = 0;
    while (this.examined < budget && !this.finished) {
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
        this.target.gap(this.next, oldest - 1);
        this.next = oldest;
        // The history holds nothing (all expired): oldest is the seq after the newest.
        if (this.next > newest) continue;
      }
      const event = this.history.get(this.next++)!;
      if (this.dedupe && event.duplicateOf !== undefined) continue;
      let matched = false;
      this.matcher.match(event.domains, () => (matched = true));
      if (matched) this.target.send(event.message(this.channel).slice(0, -1) + this.suffix, event.seq);
      if (++this.examined % CLOCK_EVERY === 0 && performance.now() >= deadline) break;
    }
    return this.finished ? 'done' : 'more';
  }
}

export interface ReplayBudget {
  /** Events all replays together may examine in one turn of the event loop... */
  readonly eventsPerTurn: number;
  /** ...and for how long at most. */
  readonly turnMs: number;
  /** Events all replays together may examine per second (token bucket of one second)... */
  readonly eventsPerSecond: number;
  /** ...and the replays of one owner (client IP). */
  readonly eventsPerSecondPerOwner: number;
  /** A replay waits while its client has more than this many bytes unsent. */
  readonly maxBuffered: number;
}

/** How soon replays blocked on full client buffers, or on the budget, are retried. */
const RETRY_MS = 20;
/** Smallest slice given to one owner or replay in a turn, so that shares never round to nothing. */
const MIN_SLICE = 8;

/** Runs active replays a slice at a time, fair between owners (IPs), yielding to I/O between turns. */
export class ReplayScheduler {
  /** Active replays by owner; both levels are kept in round-robin order (served ones go last). */
  private readonly byOwner = new Map<string, Set<Replay>>();
  /** Per-owner token buckets (events), kept while the owner has replays. */
  private readonly ownerTokens = new Map<string, { tokens: number; at: number }>();
  private scheduled = false;
  private tokens: number;
  private refilledAt = performance.now();
  /** Events examined in total (for metrics). */
  examinedTotal = 0;

  constructor(private readonly budget: ReplayBudget = DEFAULT_REPLAY_BUDGET) {
    this.tokens = budget.eventsPerSecond;
  }

  get size(): number {
    let n = 0;
    for (const replays of this.byOwner.values()) n += replays.size;
    return n;
  }

  add(replay: Replay): void {
    let replays = this.byOwner.get(replay.owner);
    if (replays === undefined) this.byOwner.set(replay.owner, (replays = new Set()));
    replays.add(replay);
    this.schedule();
  }

  private ownerBucket(owner: string, now: number): { tokens: number; at: number } {
    const rate = this.budget.eventsPerSecondPerOwner;
    let bucket = this.ownerTokens.get(owner);
    if (bucket === undefined) this.ownerTokens.set(owner, (bucket = { tokens: rate, at: now }));
    bucket.tokens = Math.min(rate, bucket.tokens + ((now - bucket.at) / 1000) * rate);
    bucket.at = now;
    return bucket;
  }

  private schedule(delayMs = 0): void {
    if (this.scheduled || this.byOwner.size === 0) return;
    this.scheduled = true;
    if (delayMs > 0) setTimeout(() => this.turn(), delayMs);
    else setImmediate(() => this.turn());
  }

  private turn(): void {
    this.scheduled = false;
    const now = performance.now();
    this.tokens = Math.min(this.budget.eventsPerSecond, this.tokens + ((now - this.refilledAt) / 1000) * this.budget.eventsPerSecond);
    this.refilledAt = now;
    let left = Math.min(this.budget.eventsPerTurn, Math.floor(this.tokens));
    if (left < MIN_SLICE) {
      this.schedule(RETRY_MS);
      return;
    }
    const deadline = now + this.budget.turnMs;
    let anyProgress = false;
    let ownersLeft = this.byOwner.size;
    for (const [owner, replays] of [...this.byOwner]) {
      if (left <= 0 || performance.now() >= deadline) break;
      const bucket = this.ownerBucket(owner, now);
      let share = Math.min(Math.max(MIN_SLICE, Math.floor(left / ownersLeft--)), Math.floor(bucket.tokens));
      if (share < MIN_SLICE) {
        this.byOwner.delete(owner);
        this.byOwner.set(owner, replays);
        continue;
      }
      let replaysLeft = replays.size;
      for (const replay of [...replays]) {
        if (share <= 0) break;
        const slice = Math.max(MIN_SLICE, Math.floor(share / replaysLeft--));
        const state = replay.done ? 'done' : replay.step(slice, this.budget.maxBuffered, deadline);
        share -= replay.examined;
        bucket.tokens -= replay.examined;
        left -= replay.examined;
        this.tokens -= replay.examined;
        this.examinedTotal += replay.examined;
        replays.delete(replay);
        if (state !== 'done') replays.add(replay);
        if (state !== 'blocked') anyProgress = true;
      }
      this.byOwner.delete(owner);
      if (replays.size > 0) this.byOwner.set(owner, replays);
      else this.ownerTokens.delete(owner);
    }
    // When every replay waits for its client to read, poll gently instead of spinning.
    this.schedule(anyProgress ? 0 : RETRY_MS);
  }
}
