/**
 * Per-log cursors in NATS KV, so that a replacement ingester continues where the last one stopped.
 *
 * Two guarantees: a cursor is only written once every entry below it is stored in the stream (the
 * write waits for the publisher's acknowledgements), and a cursor never moves backwards (redundant
 * ingesters write the same keys; compare-and-set on the key's revision keeps the furthest one).
 */
import { z } from 'zod';
import { parseJsonOrUndefined } from '../util/json.js';
import type { Cursors } from '../ingest/cursor-store.js';
import type { Logger } from '../util/logger.js';
import { logKey } from './names.js';

const valueSchema = z.object({ next: z.number().int().nonnegative(), name: z.string().optional() });

interface Cursor {
  next: number;
  name?: string | undefined;
}

/** What the store uses of a NATS KV bucket: the narrow seam lets tests stand in for NATS. */
export interface CursorBucket {
  get(key: string): Promise<{ readonly operation: string; readonly revision: number; string(): string } | null>;
  /** Resolves with the new revision; fails when the key exists. */
  create(key: string, value: string): Promise<number>;
  /** Resolves with the new revision; fails when the key is no longer at `revision`. */
  update(key: string, value: string, revision: number): Promise<number>;
  keys(): Promise<AsyncIterable<string>>;
}

/** Compare-and-set attempts per key per flush before giving up until the next flush. */
const MAX_CAS_ATTEMPTS = 5;

export class KvCursorStore implements Cursors {
  private readonly cursors = new Map<string, Cursor>();
  /** What the bucket holds, as far as we know, by KV key. */
  private readonly stored = new Map<string, { next: number; revision: number }>();
  private readonly dirty = new Set<string>();
  private writing: Promise<void> | null = null;

  private constructor(
    private readonly kv: CursorBucket,
    private readonly published: () => Promise<void>,
    private readonly logger: Logger,
  ) {}

  /**
   * Loads every cursor. `published` resolves once everything handed to the publisher so far is
   * stored in the stream.
   */
  static async open(kv: CursorBucket, published: () => Promise<void>, logger: Logger, logIds: readonly string[] = []): Promise<KvCursorStore> {
    const store = new KvCursorStore(kv, published, logger);
    const keys: string[] = [];
    for await (const key of await kv.keys()) keys.push(key);
    for (const key of new Set([...keys, ...logIds.map(logKey)])) await store.reload(key);
    return store;
  }

  get(logId: string): number | undefined {
    return this.cursors.get(logId)?.next ?? this.stored.get(logKey(logId))?.next;
  }

  set(logId: string, next: number, name?: string): void {
    this.cursors.set(logId, { next, name });
    this.dirty.add(logId);
  }

  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.dirty.size === 0) return;
    const snapshot = [...this.dirty].map((id) => [id, { ...this.cursors.get(id)! }] as const);
    this.dirty.clear();
    this.writing = (async () => {
      await this.published();
      for (const [id, cursor] of snapshot) await this.store(id, cursor);
    })();
    try {
      await this.writing;
    } catch (err) {
      for (const [id] of snapshot) this.dirty.add(id);
      throw err;
    } finally {
      this.writing = null;
    }
  }

  private async reload(key: string): Promise<void> {
    const entry = await this.kv.get(key);
    if (!entry || entry.operation !== 'PUT') {
      this.stored.delete(key);
      return;
    }
    const parsed = valueSchema.safeParse(parseJsonOrUndefined(entry.string()));
    if (parsed.success) this.stored.set(key, { next: parsed.data.next, revision: entry.revision });
    else {
      this.logger.warn({ key }, 'ignoring a malformed cursor in NATS KV');
      this.stored.set(key, { next: 0, revision: entry.revision });
    }
  }

  private async store(logId: string, cursor: Cursor): Promise<void> {
    const key = logKey(logId);
    const value = JSON.stringify(cursor);
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const known = this.stored.get(key);
      if (known && known.next >= cursor.next) return;
      try {
        const revision = known ? await this.kv.update(key, value, known.revision) : await this.kv.create(key, value);
        this.stored.set(key, { next: cursor.next, revision });
        return;
      } catch (err) {
        // Another ingester wrote first: see what it wrote, keep the furthest.
        this.logger.debug({ err, key }, 'cursor changed under us; re-reading');
        await this.reload(key);
      }
    }
    this.dirty.add(logId);
  }
}
