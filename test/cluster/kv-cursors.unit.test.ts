/**
 * KvCursorStore over an in-memory bucket with NATS KV's compare-and-set rules (no nats-server): a
 * cursor is written only once what is below it is stored in the stream, and it never moves
 * backwards when another ingester writes the same key.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KvCursorStore, type CursorBucket } from '../../src/cluster/kv-cursors.js';
import { logKey } from '../../src/cluster/names.js';
import { waitFor } from '../support/wait.js';
import { silentLogger } from '../../src/util/logger.js';

/** Keys with revisions: create fails on an existing key, update on a stale revision. */
class MemoryBucket implements CursorBucket {
  private readonly entries = new Map<string, { value: string; revision: number }>();
  private revision = 0;
  writes = 0;

  get(key: string) {
    const entry = this.entries.get(key);
    return Promise.resolve(entry ? { operation: 'PUT', revision: entry.revision, string: () => entry.value } : null);
  }

  create(key: string, value: string): Promise<number> {
    if (this.entries.has(key)) return Promise.reject(new Error('wrong last sequence: key exists'));
    return Promise.resolve(this.write(key, value));
  }

  update(key: string, value: string, revision: number): Promise<number> {
    if (this.entries.get(key)?.revision !== revision) return Promise.reject(new Error('wrong last sequence'));
    return Promise.resolve(this.write(key, value));
  }

  keys(): Promise<AsyncIterable<string>> {
    const keys = [...this.entries.keys()];
    const iterator = keys[Symbol.iterator]();
    return Promise.resolve({ [Symbol.asyncIterator]: () => ({ next: () => Promise.resolve(iterator.next()) }) });
  }

  /** A write by someone else (another ingester). */
  write(key: string, value: string): number {
    this.writes++;
    this.entries.set(key, { value, revision: ++this.revision });
    return this.revision;
  }

  next(key: string): number | undefined {
    const entry = this.entries.get(key);
    return entry ? (JSON.parse(entry.value) as { next: number }).next : undefined;
  }
}

const LOG = 'AbC+/dEf=';
const KEY = logKey(LOG);
const published = (): Promise<void> => Promise.resolve();

describe('KvCursorStore', () => {
  it('loads the cursors in the bucket, and ignores a malformed one', async () => {
    const bucket = new MemoryBucket();
    bucket.write(KEY, JSON.stringify({ next: 42, name: 'Test log' }));
    bucket.write(logKey('other'), 'not json');
    const store = await KvCursorStore.open(bucket, published, silentLogger);
    assert.equal(store.get(LOG), 42);
    assert.equal(store.get('other'), 0);
    assert.equal(store.get('unknown'), undefined);
  });

  it('writes a cursor only once everything handed to the publisher is stored', async () => {
    const bucket = new MemoryBucket();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let asked = false;
    const store = await KvCursorStore.open(bucket, () => ((asked = true), gate), silentLogger);
    store.set(LOG, 10, 'Test log');
    assert.equal(store.get(LOG), 10, 'read back at once');
    const flushing = store.flush();
    // Barrier: the flush is waiting on the publisher.
    await waitFor('the flush to ask whether the stream has the entries', () => asked);
    assert.equal(bucket.next(KEY), undefined, 'not before the stream has the entries');
    release();
    await flushing;
    assert.equal(bucket.next(KEY), 10);
    store.set(LOG, 15);
    await store.flush();
    assert.equal(bucket.next(KEY), 15, 'later flushes update the key');
  });

  it('never moves a cursor backwards when another ingester got further', async () => {
    const bucket = new MemoryBucket();
    const store = await KvCursorStore.open(bucket, published, silentLogger, [LOG]);
    store.set(LOG, 10);
    await store.flush();
    bucket.write(KEY, JSON.stringify({ next: 50 })); // the other ingester
    store.set(LOG, 20);
    await store.flush();
    assert.equal(bucket.next(KEY), 50, 'the furthest cursor stays');
    const writes = bucket.writes;
    store.set(LOG, 30);
    await store.flush();
    assert.equal(bucket.writes, writes, 'known to be behind: not even tried');
  });

  it('moves a cursor on past another ingester that is behind', async () => {
    const bucket = new MemoryBucket();
    const store = await KvCursorStore.open(bucket, published, silentLogger, [LOG]);
    store.set(LOG, 10);
    await store.flush();
    bucket.write(KEY, JSON.stringify({ next: 12 })); // changed under us, but not as far
    store.set(LOG, 20);
    await store.flush();
    assert.equal(bucket.next(KEY), 20);
  });
});
