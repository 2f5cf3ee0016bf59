/** The de-duplication window: exact answers across generations, expiry, the memory bound, reasons. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { Deduplicator } from '../../src/ingest/dedupe.js';
import { DedupeWindow } from '../../src/ingest/dedupe-window.js';
import { simulatedEvent } from '../support/events.js';

const key = (n: number): Buffer => createHash('sha256').update(`cert ${n}`).digest();
const MINUTE = 60_000;

describe('DedupeWindow', () => {
  it('answers exactly for 200,000 keys spread over all generations', () => {
    const window = new DedupeWindow({ windowMs: 60 * MINUTE, maxBytes: 64 * 1024 * 1024 });
    const n = 200_000;
    // Each key first at seq i+1, over 50 minutes, so sealed generations and the active one all hold some.
    for (let i = 0; i < n; i++) assert.equal(window.see(key(i), i + 1, i % 3 === 0, (i * 50 * MINUTE) / n), undefined);
    const now = 50 * MINUTE;
    for (let i = 0; i < n; i += 7) {
      assert.deepEqual(window.see(key(i), n + 1 + i, false, now), { seq: i + 1, precert: i % 3 === 0 });
    }
    const stats = window.stats();
    assert.equal(stats.keys, n);
    assert.ok(stats.generations >= 7, `generations ${stats.generations}`);
    assert.equal(stats.droppedEarly, 0);
    assert.ok(stats.spanMs >= 49 * MINUTE, `span ${stats.spanMs}`);
  });

  it('forgets a first sighting once it is older than the window, not before', () => {
    const window = new DedupeWindow({ windowMs: 8 * MINUTE, maxBytes: 1024 * 1024 });
    window.see(key(1), 1, true, 0);
    let seq = 2;
    for (let t = 0; t <= 8 * MINUTE; t += 30_000) window.see(key(1000 + seq), seq++, false, t);
    assert.deepEqual(window.see(key(1), seq++, false, 8 * MINUTE), { seq: 1, precert: true });
    // Move on until the generation holding key 1 is wholly out of the window.
    for (let t = 8 * MINUTE; t <= 10 * MINUTE; t += 30_000) window.see(key(5000 + seq), seq++, false, t);
    assert.equal(window.see(key(1), seq, false, 10 * MINUTE), undefined);
    assert.deepEqual(window.see(key(1), seq + 1, false, 10 * MINUTE), { seq, precert: false });
  });

  it('keeps within maxBytes by dropping the oldest generations early, and says so', () => {
    const maxBytes = 256 * 1024;
    const window = new DedupeWindow({ windowMs: 60 * MINUTE, maxBytes });
    for (let i = 0; i < 100_000; i++) window.see(key(i), i + 1, false, (i * 60 * MINUTE) / 100_000);
    const stats = window.stats();
    assert.ok(stats.bytes <= maxBytes, `bytes ${stats.bytes}`);
    assert.ok(stats.droppedEarly > 0);
    assert.ok(stats.spanMs < 60 * MINUTE);
    assert.ok(stats.keys < 100_000);
  });
});

describe('Deduplicator', () => {
  it('marks repeats with the first seq, by log and reason, and starts over when seq does', async () => {
    const base = await simulatedEvent('dedupe', ['a.example']);
    const dedupe = new Deduplicator({ windowMs: MINUTE, maxBytes: 1024 * 1024 });
    const at = (seq: number, name: string, type: 'PrecertLogEntry' | 'X509LogEntry') => ({ ...base, seq, update_type: type, source: { ...base.source, name } });
    const first = at(10, 'A', 'PrecertLogEntry');
    dedupe.mark(first, 0);
    assert.equal(first.duplicate_of, undefined);
    const again = at(11, 'B', 'PrecertLogEntry');
    dedupe.mark(again, 1);
    assert.equal(again.duplicate_of, 10);
    const final = at(12, 'B', 'X509LogEntry');
    dedupe.mark(final, 2);
    assert.equal(final.duplicate_of, 10);
    const stats = dedupe.stats();
    assert.deepEqual(stats.duplicates, { B: { same_entry: 1, final_after_precert: 1 } });
    assert.equal(stats.firstSightings, 1);
    const restarted = at(1, 'A', 'X509LogEntry');
    dedupe.mark(restarted, 3);
    assert.equal(restarted.duplicate_of, undefined);
    assert.equal(dedupe.stats().resets, 1);
  });
});
