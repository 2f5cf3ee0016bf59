/**
 * What every log follower does, whatever the API: poll the log's head, fetch the entries after the
 * cursor in chunks (several in flight), deliver them strictly in index order, retry failures with
 * backoff and jitter, and count everything per reason. Subclasses say how to read a head and a chunk.
 */
import { DEFAULT_FOLLOWER_OPTIONS } from '../config/defaults.js';
import { Backoff, sleep } from '../util/backoff.js';
import { silentLogger, type Logger } from '../util/logger.js';
import type { LogDescriptor } from './log-list.js';
import { PollPacer, type SeenHead } from './poll-pacer.js';
import type { LogEntry } from './types.js';

/** An entry that could not be decoded: counted and skipped so the log goes on. */
export interface BadEntry {
  readonly index: number;
  readonly reason: string;
  readonly message: string;
}

export type ChunkItem = LogEntry | BadEntry;

export function isBadEntry(item: ChunkItem): item is BadEntry {
  return 'reason' in item;
}

/** A failed request: `reason` labels the error counter; `retryAfterMs` is the server's wish. */
export class FetchError extends Error {
  override name = 'FetchError';
  constructor(
    readonly reason: string,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface FollowerHooks {
  /** Each entry, in index order, exactly once. */
  onEntry(log: LogDescriptor, entry: LogEntry): void;
  onBadEntry(log: LogDescriptor, bad: BadEntry): void;
  /** The cursor moved: every index below `next` has been delivered or skipped. */
  onProgress(log: LogDescriptor, next: number): void;
  /** Indexes jumped over without reading them (bounded catch-up, at start or when a head jumps). */
  onSkip(log: LogDescriptor, from: number, to: number): void;
}

export interface FollowerOptions {
  /** Persisted cursor; undefined starts at the log's current head, like CertStream. */
  startIndex?: number | undefined;
  /**
   * At most this many entries behind the head are read, after a restart or when a head jumps while
   * following (a validly signed huge tree); older ones are skipped (counted).
   */
  maxCatchUp: number;
  /** Head poll interval once a log has been idle for a while (its longest). */
  pollIntervalMs: number;
  /**
   * Head poll interval while a log grows and its next head cannot be predicted yet (src/ct/poll-pacer.ts;
   * capped by pollIntervalMs, slowed by the log's 429s).
   */
  fastPollIntervalMs: number;
  /** Requests in flight per log. */
  parallelism: number;
  requestTimeoutMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  logger?: Logger;
  /**
   * Resolves when whoever takes the entries can take more (a cluster ingester waits while NATS has
   * not acknowledged too many); awaited before each window of requests.
   */
  downstreamReady?: () => Promise<void>;
}

export interface FollowerStatus {
  id: string;
  name: string;
  url: string;
  api: LogDescriptor['api'];
  state: 'starting' | 'following' | 'backoff' | 'finished' | 'stopped';
  treeSize: number | null;
  next: number | null;
  entries: number;
  skipped: number;
  badEntries: Record<string, number>;
  errors: Record<string, number>;
  lastHeadAt: number | null;
  lastEntryAt: number | null;
  /** Learned maximum entries per request (RFC 6962) or tile width (static-ct). */
  batchLimit: number | null;
  /** The wait before the next head poll as of the last one (about the log's cadence while it grows). */
  pollIntervalMs: number;
  /** While in backoff: the wait before the next attempt. */
  retryInMs: number | null;
}

/** Half-open index range [start, end). */
export interface Chunk {
  start: number;
  end: number;
}

/** Longest stretch of synchronous entry delivery before yielding to I/O. */
const DELIVERY_SLICE_MS = 0.25;
/** A log that showed no new entry for this many idle poll intervals is polled at the idle interval. */
const IDLE_AFTER_POLL_INTERVALS = 5;

function bump(counter: Record<string, number>, key: string, by = 1): void {
  counter[key] = (counter[key] ?? 0) + by;
}

export abstract class LogFollower {
  protected readonly options: FollowerOptions;
  protected readonly logger: Logger;
  private readonly abort = new AbortController();
  private readonly backoff: Backoff;
  private readonly pacer: PollPacer;
  private running: Promise<void> | null = null;
  protected readonly status: FollowerStatus;
  private treeSize = -1;
  private next = -1;
  /** The last head answer that verified: polled again unchanged, it needs no new signature check. */
  private lastHead: { body: Buffer; head: SeenHead } | undefined;

  constructor(
    readonly log: LogDescriptor,
    private readonly hooks: FollowerHooks,
    options: Partial<FollowerOptions> = {},
  ) {
    this.options = { ...DEFAULT_FOLLOWER_OPTIONS, ...options };
    this.logger = (this.options.logger ?? silentLogger).child({ log: log.name });
    this.backoff = new Backoff({ baseMs: this.options.backoffBaseMs, maxMs: this.options.backoffMaxMs });
    this.pacer = new PollPacer({
      fastMs: this.options.fastPollIntervalMs,
      idleMs: this.options.pollIntervalMs,
      idleAfterMs: IDLE_AFTER_POLL_INTERVALS * this.options.pollIntervalMs,
    });
    this.status = {
      id: log.id,
      name: log.name,
      url: log.url,
      api: log.api,
      state: 'starting',
      treeSize: null,
      next: null,
      entries: 0,
      skipped: 0,
      badEntries: {},
      errors: {},
      lastHeadAt: null,
      lastEntryAt: null,
      batchLimit: null,
      pollIntervalMs: this.pacer.intervalMs(),
      retryInMs: null,
    };
  }

  /** Fetches and verifies the log's current head: tree size and the log's timestamp. */
  protected abstract fetchHead(signal: AbortSignal): Promise<SeenHead>;
  /** Splits [start, end) into the chunks to fetch in parallel. */
  protected abstract planChunks(start: number, end: number): Chunk[];
  /** Fetches a prefix (at least one item) of the chunk, items in index order from chunk.start. */
  protected abstract fetchChunk(chunk: Chunk, signal: AbortSignal, attempt: number): Promise<ChunkItem[]>;

  /**
   * The head in a head answer: `verify` checks and parses it, unless the answer is byte for byte the
   * last one that verified (polls for a late head see an unchanged one).
   */
  protected verifiedHead(body: Buffer, verify: () => SeenHead): SeenHead {
    if (this.lastHead?.body.equals(body)) return this.lastHead.head;
    const head = verify();
    this.lastHead = { body, head };
    return head;
  }

  protected get signal(): AbortSignal {
    return this.abort.signal;
  }

  getStatus(): FollowerStatus {
    return { ...this.status, badEntries: { ...this.status.badEntries }, errors: { ...this.status.errors } };
  }

  start(): void {
    this.running ??= this.run().catch((err: unknown) => {
      // run() handles its own errors; reaching here is a bug, which must still not take the process down.
      this.logger.error({ err }, 'follower crashed');
    });
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    this.status.state = 'stopped';
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  /** Runs `fn` until it succeeds or the follower stops, backing off between failures. */
  private async retrying<T>(what: string, fn: (attempt: number) => Promise<T>): Promise<T | undefined> {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        const result = await fn(attempt);
        this.backoff.reset();
        if (this.status.state === 'backoff') this.status.state = 'following';
        this.status.retryInMs = null;
        return result;
      } catch (err) {
        if (this.stopped) return undefined;
        const e = err instanceof FetchError ? err : new FetchError('internal', String(err));
        bump(this.status.errors, e.reason);
        if (e.reason === 'http_429') this.pacer.rateLimited();
        const delay = this.backoff.next(e.retryAfterMs);
        this.status.state = 'backoff';
        this.status.retryInMs = delay;
        this.logger.warn({ reason: e.reason, err: e, retryInMs: delay, attempt }, `${what} failed`);
        await sleep(delay, this.signal);
      }
    }
    return undefined;
  }

  private async refreshHead(): Promise<boolean> {
    const head = await this.retrying('get head', (_) => this.fetchHead(this.signal));
    if (head === undefined) return false;
    const now = Date.now();
    const size = head.treeSize;
    this.status.lastHeadAt = now;
    this.pacer.headSeen(head, now);
    this.status.pollIntervalMs = this.pacer.intervalMs();
    if (size < this.treeSize) {
      // A tree never shrinks; a smaller head is a misbehaving log or a stale replica. Keep ours.
      bump(this.status.errors, 'head_backwards');
      this.logger.error({ previous: this.treeSize, now: size }, 'log head went backwards; ignoring it');
      return true;
    }
    this.treeSize = size;
    this.status.treeSize = size;
    return true;
  }

  private chooseStart(): void {
    const head = this.treeSize;
    const saved = this.options.startIndex;
    if (saved !== undefined && saved > head) this.logger.error({ saved, head }, 'saved cursor is beyond the log head; starting at head');
    this.next = saved === undefined || saved > head ? head : saved;
    this.status.next = this.next;
    this.skipBeyondCatchUp();
    this.logger.debug({ next: this.next, head }, 'reading from index');
    this.hooks.onProgress(this.log, this.next);
  }

  /**
   * Keeps at most maxCatchUp entries to read: after a restart, and whenever a head jumps while
   * following (a log that signs a huge tree must not make us read, and replay to clients, all of it).
   */
  private skipBeyondCatchUp(): void {
    const from = this.next;
    const to = this.limit - this.options.maxCatchUp;
    if (to <= from) return;
    this.next = to;
    this.status.next = to;
    this.status.skipped += to - from;
    // Warned once, by the ingest's onSkip (with the log's name); this is the follower's detail.
    this.logger.debug({ from, to, head: this.treeSize }, 'too far behind: skipping entries');
    this.hooks.onSkip(this.log, from, to);
    this.hooks.onProgress(this.log, to);
  }

  /** The index to stop at: the head, or a readonly log's final tree size. */
  private get limit(): number {
    return this.log.finalTreeSize === undefined ? this.treeSize : Math.min(this.treeSize, this.log.finalTreeSize);
  }

  private async run(): Promise<void> {
    if (!(await this.refreshHead())) return;
    this.chooseStart();
    this.status.state = 'following';
    while (!this.stopped) {
      if (this.log.finalTreeSize !== undefined && this.next >= this.log.finalTreeSize) {
        this.status.state = 'finished';
        this.logger.debug({ next: this.next }, 'readonly log fully read');
        return;
      }
      const wait = this.pacer.nextPollAt() - Date.now();
      if (this.next >= this.limit || wait <= 0) {
        // Caught up: wait for the next poll. Behind: poll between windows when it is due.
        if (this.next >= this.limit) await sleep(wait, this.signal);
        if (this.stopped || !(await this.refreshHead())) return;
        this.skipBeyondCatchUp();
        continue;
      }
      if (this.options.downstreamReady) await this.options.downstreamReady();
      if (this.stopped) return;
      await this.fetchWindow();
    }
  }

  /**
   * Keeps up to `parallelism` chunks in flight up to the head, delivering each in index order as soon
   * as it is in (a chunk never waits for a whole window), and plans the next chunk as each one is
   * delivered, until a head poll is due.
   */
  private async fetchWindow(): Promise<void> {
    const inFlight: Promise<ChunkItem[] | undefined>[] = [];
    let planned = this.next;
    const plan = (): void => {
      const free = this.options.parallelism - inFlight.length;
      if (free <= 0 || planned >= this.limit) return;
      for (const chunk of this.planChunks(planned, this.limit).slice(0, free)) {
        inFlight.push(this.fetchWhole(chunk));
        planned = chunk.end;
      }
    };
    plan();
    let sliceStart = performance.now();
    for (let pending = inFlight.shift(); pending !== undefined; pending = inFlight.shift()) {
      const items = await pending;
      if (items === undefined) return;
      for (const item of items) {
        this.deliver(item);
        // Yield within big batches: uWS sends published messages only when the event-loop turn
        // ends, so a 1,000-entry batch delivered in one go would hold the first entry back.
        if (performance.now() - sliceStart > DELIVERY_SLICE_MS) {
          await new Promise((resolve) => setImmediate(resolve));
          sliceStart = performance.now();
        }
      }
      this.hooks.onProgress(this.log, this.next);
      if (this.stopped || Date.now() >= this.pacer.nextPollAt()) continue; // drain, then poll the head
      if (this.options.downstreamReady) await this.options.downstreamReady();
      plan();
    }
  }

  /** Fetches a whole chunk, following short answers with requests for the rest. */
  private async fetchWhole(chunk: Chunk): Promise<ChunkItem[] | undefined> {
    const items: ChunkItem[] = [];
    let start = chunk.start;
    while (start < chunk.end) {
      const part = await this.retrying('fetch entries', async (attempt) => {
        const got = await this.fetchChunk({ start, end: chunk.end }, this.signal, attempt);
        if (got.length === 0) throw new FetchError('empty_response', `no entries for [${start}, ${chunk.end})`);
        if (got.length > chunk.end - start) throw new FetchError('too_many_entries', 'more entries than asked for');
        return got;
      });
      if (part === undefined) return undefined;
      items.push(...part);
      start += part.length;
    }
    return items;
  }

  private deliver(item: ChunkItem): void {
    if (item.index !== this.next) {
      // Subclasses number items from the chunk start, so this cannot happen; never emit out of order.
      throw new Error(`internal: item ${item.index} delivered at cursor ${this.next}`);
    }
    try {
      if (isBadEntry(item)) {
        bump(this.status.badEntries, item.reason);
        this.hooks.onBadEntry(this.log, item);
      } else {
        this.status.entries++;
        this.status.lastEntryAt = Date.now();
        this.hooks.onEntry(this.log, item);
      }
    } catch (err) {
      // A consumer's failure must not stop the log: count it against the entry and go on.
      bump(this.status.badEntries, 'consumer');
      this.logger.error({ err, index: item.index }, 'entry consumer failed');
    }
    this.next++;
    this.status.next = this.next;
  }
}
