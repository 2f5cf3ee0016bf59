/**
 * The recent events, by seq, for clients that resume after a reconnect and for /latest.json. Each is
 * kept as a compact record (src/ingest/event-record.ts: leaf DER, a few fields, references to the
 * chain certificates and the log, which are kept once here) in off-heap segments, and rebuilt when
 * a replay needs it. Bounded by count, by age and by bytes, whichever binds first.
 *
 * Seqs held are contiguous (one ingest numbers every event it emits), ending at `newestSeq`.
 */
import { DEFAULT_HISTORY_OPTIONS } from '../config/defaults.js';
import type { CertEvent, ChainCert } from '../ingest/event.js';
import { decodeRecord, encodeRecord, recordChainRefs, recordDomains, recordDuplicateOf, RecordError, type EventOrigin, type RecordRefs } from '../ingest/event-record.js';
import type { Channel } from '../protocol/channels.js';
import { RecordLog } from './record-log.js';
import { LocalEvent, type RoutedEvent } from './routed-event.js';

export interface HistoryOptions {
  maxEvents: number;
  maxAgeMs: number;
  /** Memory for records and the chain certificates they refer to; 0 keeps nothing. */
  maxBytes: number;
}

export const MiB = 1024 * 1024;

export interface HistoryStats {
  events: number;
  /** Memory held in all... */
  bytes: number;
  /** ...of which the chain certificates the records refer to (each kept once). */
  chainBytes: number;
  oldestSeq: number | null;
  newestSeq: number | null;
  /** Milliseconds between the oldest and the newest event held. */
  spanMs: number;
  /** Events dropped, by the bound that dropped them. */
  dropped: { events: number; age: number; bytes: number };
  /** Times the history started over because an event's seq did not follow the newest. */
  resets: number;
}

/** Rough heap cost of a chain certificate kept for the records (parsed object, base64 DER, cached JSON). */
function chainCertBytes(cert: ChainCert): number {
  return 2048 + 3 * cert.as_der.length;
}

/** Chain certificates referred to by records, kept once each while any record refers to them. */
class ChainTable {
  private readonly ids = new Map<ChainCert, number>();
  private readonly entries = new Map<number, { cert: ChainCert; refs: number }>();
  // Ids are never reused, so a stale reference fails to resolve instead of naming another certificate.
  private nextId = 1;
  bytes = 0;

  acquire(cert: ChainCert): number {
    let id = this.ids.get(cert);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(cert, id);
      this.entries.set(id, { cert, refs: 0 });
      this.bytes += chainCertBytes(cert);
    }
    this.entries.get(id)!.refs++;
    return id;
  }

  release(id: number): void {
    const entry = this.entries.get(id);
    if (!entry || --entry.refs > 0) return;
    this.entries.delete(id);
    this.ids.delete(entry.cert);
    this.bytes -= chainCertBytes(entry.cert);
  }

  get(id: number): ChainCert {
    const entry = this.entries.get(id);
    if (!entry) throw new RecordError(`unknown chain certificate ${id}`);
    return entry.cert;
  }

  clear(): void {
    this.ids.clear();
    this.entries.clear();
    this.bytes = 0;
  }
}

/** Logs the records came from: few, small, kept for the life of the history. */
class OriginTable {
  private readonly ids = new Map<string, number>();
  private readonly origins: EventOrigin[] = [];

  ref(event: CertEvent): number {
    const key = `${event.log.api}\u0000${event.log.url}\u0000${event.source.url}\u0000${event.source.name}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.origins.length;
      this.origins.push({ source: { url: event.source.url, name: event.source.name }, log: { api: event.log.api, url: event.log.url } });
      this.ids.set(key, id);
    }
    return id;
  }

  get(id: number): EventOrigin {
    const origin = this.origins[id];
    if (!origin) throw new RecordError(`unknown log ${id}`);
    return origin;
  }
}

/** An event read back from the history: domains read at once, the certificate parsed on demand. */
class StoredEvent implements RoutedEvent {
  readonly domains: readonly string[];
  readonly duplicateOf: number | undefined;
  private event: LocalEvent | undefined;

  constructor(
    readonly seq: number,
    private readonly record: Uint8Array,
    private readonly refs: RecordRefs,
  ) {
    this.domains = recordDomains(record);
    this.duplicateOf = recordDuplicateOf(record);
  }

  message(channel: Channel): string {
    this.event ??= new LocalEvent(decodeRecord(this.record, this.seq, this.refs));
    return this.event.message(channel);
  }
}

/** Segments of about 1/16 of the byte bound: memory comes back in steps of ~6%. */
function segmentSize(maxBytes: number): number {
  return Math.min(4 * MiB, Math.max(16 * 1024, Math.floor(maxBytes / 16)));
}

export class EventHistory {
  private readonly log: RecordLog;
  private readonly chain = new ChainTable();
  private readonly origins = new OriginTable();
  private readonly refs: RecordRefs;
  private lastSeq: number | undefined;
  private readonly droppedBy = { events: 0, age: 0, bytes: 0 };
  private resetCount = 0;

  constructor(
    private readonly options: HistoryOptions = DEFAULT_HISTORY_OPTIONS,
    private readonly onReset: (from: number, to: number) => void = () => {},
  ) {
    this.log = new RecordLog(segmentSize(options.maxBytes));
    this.refs = {
      chainRef: (cert) => this.chain.acquire(cert),
      chainCert: (id) => this.chain.get(id),
      originRef: (event) => this.origins.ref(event),
      origin: (id) => this.origins.get(id),
    };
  }

  /** Events held. */
  get size(): number {
    return this.log.size;
  }

  /** Memory held by the records and the chain certificates they refer to. */
  get bytes(): number {
    return this.log.bytes + this.chain.bytes;
  }

  /**
   * Seq of the oldest event held; when none is held, the seq after the newest (a client that has
   * the newest missed nothing).
   */
  get oldestSeq(): number | undefined {
    return this.log.oldestSeq ?? (this.lastSeq === undefined ? undefined : this.lastSeq + 1);
  }

  /** Seq of the newest event pushed, held or not (undefined before the first). */
  get newestSeq(): number | undefined {
    return this.lastSeq;
  }

  stats(): HistoryStats {
    const oldest = this.log.oldestTime;
    const newest = this.log.newestTime;
    return {
      events: this.log.size,
      bytes: this.bytes,
      chainBytes: this.chain.bytes,
      oldestSeq: this.log.oldestSeq ?? null,
      newestSeq: this.log.newestSeq ?? null,
      spanMs: oldest === undefined || newest === undefined ? 0 : newest - oldest,
      dropped: { ...this.droppedBy },
      resets: this.resetCount,
    };
  }

  push(event: CertEvent, now = Date.now()): void {
    if (this.lastSeq !== undefined && event.seq !== this.lastSeq + 1 && this.log.size > 0) {
      // Lookups need contiguous seqs; one ingest never skips one, so this is a new numbering.
      this.resetCount++;
      this.onReset(this.lastSeq, event.seq);
      this.clear();
    }
    this.lastSeq = event.seq;
    if (this.options.maxBytes === 0) return;
    this.log.append(event.seq, encodeRecord(event, this.refs), now);
    while (this.log.size > this.options.maxEvents) this.drop('events');
    while (this.log.size > 0 && this.bytes > this.options.maxBytes) this.drop('bytes');
    this.expire(now);
  }

  /** Drops events older than maxAgeMs. */
  expire(now = Date.now()): void {
    while (this.log.size > 0 && now - this.log.oldestTime! > this.options.maxAgeMs) this.drop('age');
  }

  private drop(reason: keyof HistoryStats['dropped']): void {
    const record = this.log.dropOldest();
    if (!record) return;
    this.droppedBy[reason]++;
    for (const id of recordChainRefs(record)) this.chain.release(id);
  }

  private clear(): void {
    this.log.clear();
    this.chain.clear();
  }

  /** The event with this seq, if still held; rebuild it before the history changes again. */
  get(seq: number): RoutedEvent | undefined {
    const record = this.log.get(seq);
    return record && new StoredEvent(seq, record, this.refs);
  }
}
