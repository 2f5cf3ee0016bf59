/**
 * The ingest core: reads the log list (and re-reads it hourly), runs one follower per followed log,
 * parses each entry's certificates, numbers the events with a server-wide `seq` and hands them to
 * listeners. Cursors are persisted so a restart resumes where it stopped.
 */
import type { BadEntry, FollowerHooks, FollowerOptions, FollowerStatus, LogFollower } from '../ct/follower.js';
import { loadLogList, type LogDescriptor } from '../ct/log-list.js';
import { Rfc6962Follower } from '../ct/rfc6962-follower.js';
import { StaticCtFollower } from '../ct/static-ct-follower.js';
import type { LogEntry } from '../ct/types.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { CertCache } from '../x509/cert-cache.js';
import { CertParseError, parseCertificate } from '../x509/certificate.js';
import type { CertFieldIssue } from '../x509/issues.js';
import { CursorStore, type Cursors } from './cursor-store.js';
import { buildEvent, entryCertKey, type CertEvent, type ChainCert } from './event.js';
import type { CertStreamCert } from '../x509/types.js';

export interface IngestOptions {
  /** URL or file path of a v3 log list. */
  logList: string;
  /** Where cursors live instead of stateDir (a cluster keeps them in NATS KV). */
  cursors?: Cursors;
  /** Folder for persisted cursors; null keeps them in memory. */
  stateDir: string | null;
  /** How often the log list is re-read. */
  logListRefreshMs: number;
  follower: Partial<FollowerOptions>;
  logger?: Logger;
  /** Issuer certificates kept parsed. */
  issuerCacheSize: number;
}

export const DEFAULT_INGEST_OPTIONS: Omit<IngestOptions, 'logList'> = {
  stateDir: null,
  logListRefreshMs: 60 * 60_000,
  follower: {},
  issuerCacheSize: 10_000,
};

export type EventListener = (event: CertEvent, log: LogDescriptor) => void;

export interface LogStatus extends FollowerStatus {
  /** Certificates that could not be parsed, by reason (the entry is skipped; a chain certificate is left out, "chain_<reason>"). */
  parseErrors: Record<string, number>;
  /**
   * Parts of streamed certificates that did not decode and are shown null, left out or raw, by
   * reason (src/x509/issues.ts); issues of chain certificates count as "chain_<reason>".
   */
  fieldIssues: Record<string, number>;
  /** Entries read per second over the last RATE_WINDOW_S seconds. */
  entriesPerSecond: number;
}

/** Seconds of history behind entriesPerSecond. */
const RATE_WINDOW_S = 10;

const CURSOR_FLUSH_MS = 1_000;

export class Ingest {
  private readonly options: IngestOptions;
  private readonly logger: Logger;
  private readonly followers = new Map<string, LogFollower>();
  private readonly parseErrors = new Map<string, Record<string, number>>();
  private readonly fieldIssues = new Map<string, Record<string, number>>();
  /** Reused by handleEntry (synchronous) so that parsing allocates nothing for the common, issue-free case. */
  private readonly issues: CertFieldIssue[] = [];
  private readonly listeners = new Set<EventListener>();
  private readonly issuerCache: CertCache;
  private cursors!: Cursors;
  private seq = 0;
  private refreshTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  /** Per log: entry counts sampled once a second, oldest first, for entriesPerSecond. */
  private readonly rateSamples = new Map<string, number[]>();
  private stopped = false;

  constructor(options: Partial<IngestOptions> & { logList: string }) {
    this.options = { ...DEFAULT_INGEST_OPTIONS, ...options };
    this.logger = this.options.logger ?? silentLogger;
    this.issuerCache = new CertCache(this.options.issuerCacheSize);
  }

  /** Latest seq handed out (0 before the first event). */
  get lastSeq(): number {
    return this.seq;
  }

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Loads the log list and starts following; throws LogListError when the list cannot be read. */
  async start(): Promise<void> {
    this.cursors = this.options.cursors ?? (await CursorStore.open(this.options.stateDir));
    const logs = await loadLogList(this.options.logList);
    // One line at start (per-log detail at debug): a real list has ~60 logs.
    this.applyLogList(logs, 'debug');
    this.logger.info({ logs: logs.length, byApi: countByApi(logs) }, `following ${describeLogCount(logs)}`);
    this.refreshTimer = setInterval(() => void this.refreshLogList(), this.options.logListRefreshMs);
    this.refreshTimer.unref();
    this.flushTimer = setInterval(() => {
      void this.flushCursors();
      this.sampleRates();
    }, CURSOR_FLUSH_MS);
    this.flushTimer.unref();
  }

  /** Stops every follower and persists the cursors. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.refreshTimer);
    clearInterval(this.flushTimer);
    await Promise.all([...this.followers.values()].map((f) => f.stop()));
    this.followers.clear();
    await this.flushCursors();
  }

  status(): LogStatus[] {
    return [...this.followers.values()].map((f) => {
      const samples = this.rateSamples.get(f.log.id) ?? [];
      const span = samples.length - 1;
      return {
        ...f.getStatus(),
        parseErrors: { ...(this.parseErrors.get(f.log.id) ?? {}) },
        fieldIssues: { ...(this.fieldIssues.get(f.log.id) ?? {}) },
        entriesPerSecond: span > 0 ? (samples[span]! - samples[0]!) / ((span * CURSOR_FLUSH_MS) / 1000) : 0,
      };
    });
  }

  private sampleRates(): void {
    for (const [id, follower] of this.followers) {
      const samples = this.rateSamples.get(id) ?? [];
      samples.push(follower.getStatus().entries);
      if (samples.length > RATE_WINDOW_S + 1) samples.shift();
      this.rateSamples.set(id, samples);
    }
    for (const id of this.rateSamples.keys()) if (!this.followers.has(id)) this.rateSamples.delete(id);
  }

  private async flushCursors(): Promise<void> {
    try {
      await this.cursors.flush();
    } catch (err) {
      this.logger.error({ err }, 'cannot persist cursors');
    }
  }

  private async refreshLogList(): Promise<void> {
    try {
      const logs = await loadLogList(this.options.logList);
      if (!this.stopped) this.applyLogList(logs);
    } catch (err) {
      this.logger.warn({ err }, 'log list refresh failed; keeping the current logs');
    }
  }

  /** Starts followers for new logs and stops those that left the list (or stopped being followed). */
  private applyLogList(logs: LogDescriptor[], level: 'debug' | 'info' = 'info'): void {
    const wanted = new Map(logs.map((l) => [l.id, l]));
    for (const [id, follower] of this.followers) {
      if (!wanted.has(id)) {
        this.logger.info({ log: follower.log.name }, 'log left the list: stopping');
        this.followers.delete(id);
        void follower.stop();
      }
    }
    for (const log of logs) {
      if (this.followers.has(log.id)) continue;
      const follower = this.createFollower(log);
      this.followers.set(log.id, follower);
      this.logger[level]({ log: log.name, api: log.api, url: log.url }, 'following log');
      follower.start();
    }
  }

  private createFollower(log: LogDescriptor): LogFollower {
    const hooks: FollowerHooks = {
      onEntry: (l, entry) => this.handleEntry(l, entry),
      onBadEntry: (l, bad) => this.handleBadEntry(l, bad),
      onProgress: (l, next) => this.cursors.set(l.id, next, l.name),
      onSkip: (l, from, to) => this.logger.warn({ log: l.name, from, to, skipped: to - from }, 'skipped entries'),
    };
    const options = {
      ...this.options.follower,
      startIndex: this.cursors.get(log.id),
      logger: this.logger,
    };
    return log.api === 'rfc6962' ? new Rfc6962Follower(log, hooks, options) : new StaticCtFollower(log, hooks, options);
  }

  private countParseError(log: LogDescriptor, reason: string): void {
    countFor(this.parseErrors, log, reason);
  }

  /** Counts and empties `issues`; `prefix` is "chain_" for chain certificates. */
  private countIssues(log: LogDescriptor, index: number, prefix: string): void {
    for (const issue of this.issues) {
      countFor(this.fieldIssues, log, prefix + issue.reason);
      this.logger.debug({ log: log.name, index, reason: prefix + issue.reason, detail: issue.message }, 'certificate field shown null or raw');
    }
    this.issues.length = 0;
  }

  private handleBadEntry(log: LogDescriptor, bad: BadEntry): void {
    this.logger.warn({ log: log.name, index: bad.index, reason: bad.reason, detail: bad.message }, 'skipping undecodable entry');
  }

  private parseChain(log: LogDescriptor, index: number, ders: readonly Uint8Array[]): ChainCert[] {
    const chain: ChainCert[] = [];
    for (const der of ders) {
      try {
        chain.push(this.issuerCache.get(der, this.issues));
      } catch (err) {
        if (!(err instanceof CertParseError)) throw err;
        // One unparsable issuer should not hide the leaf: leave it out of the chain and count it.
        this.countParseError(log, `chain_${err.reason}`);
      }
    }
    this.countIssues(log, index, 'chain_');
    return chain;
  }

  private handleEntry(log: LogDescriptor, entry: LogEntry): void {
    let leaf: CertStreamCert;
    let certKey: Buffer;
    try {
      leaf = parseCertificate(entry.leafDer, this.issues);
      certKey = entryCertKey(entry);
    } catch (err) {
      this.issues.length = 0;
      if (!(err instanceof CertParseError)) throw err;
      this.countParseError(log, err.reason);
      this.logger.warn({ log: log.name, index: entry.index, reason: err.reason, detail: err.message }, 'skipping unparsable certificate');
      return;
    }
    this.countIssues(log, entry.index, '');
    const event = buildEvent(log, entry, leaf, this.parseChain(log, entry.index, entry.chainDers), ++this.seq, Date.now(), certKey);
    for (const listener of this.listeners) {
      try {
        listener(event, log);
      } catch (err) {
        this.logger.error({ err }, 'event listener failed');
      }
    }
  }
}

function countFor(counts: Map<string, Record<string, number>>, log: LogDescriptor, reason: string): void {
  const perLog = counts.get(log.id) ?? {};
  perLog[reason] = (perLog[reason] ?? 0) + 1;
  counts.set(log.id, perLog);
}

function countByApi(logs: readonly LogDescriptor[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const log of logs) counts[log.api] = (counts[log.api] ?? 0) + 1;
  return counts;
}

/** `62 logs (50 rfc6962, 12 static-ct)`. */
function describeLogCount(logs: readonly LogDescriptor[]): string {
  const parts = Object.entries(countByApi(logs)).map(([api, n]) => `${n} ${api}`);
  return `${logs.length} log${logs.length === 1 ? '' : 's'}${parts.length === 0 ? '' : ` (${parts.join(', ')})`}`;
}
