/**
 * The compact resume history: what it gives back is byte for byte what live delivery sent, and it
 * keeps to each of its bounds (count, age, bytes) with contiguous seqs.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { LogDescriptor } from '../../src/ct/log-list.js';
import type { CertEvent } from '../../src/ingest/event.js';
import { buildEvent } from '../../src/ingest/event.js';
import { decodeRecord, encodeRecord, recordDomains, RecordError, type RecordRefs } from '../../src/ingest/event-record.js';
import { EventHistory, type HistoryOptions } from '../../src/router/history.js';
import { RecordLog } from '../../src/router/record-log.js';
import { CHANNELS } from '../../src/protocol/channels.js';
import { serialize } from '../../src/protocol/wire.js';
import { CertFactory } from '../../src/sim/cert-factory.js';
import { CertCache, parseCertificate } from '../../src/x509/index.js';

const LOGS: LogDescriptor[] = [
  { id: 'a', name: "Test 'A' log", operator: 'op', api: 'rfc6962', url: 'https://ct.example/a/', key: new Uint8Array(0), mmdSeconds: 86400 },
  { id: 'b', name: 'Test "B" tiles', operator: 'op', api: 'static-ct', url: 'https://tiles.example/b/', key: new Uint8Array(0), mmdSeconds: 86400 },
];

/** `count` events as the ingest builds them: both logs, precertificates and certificates, shared issuers. */
async function makeEvents(count: number, seed: string): Promise<CertEvent[]> {
  const factory = await CertFactory.create({ seed });
  const issuers = new CertCache(100);
  return Array.from({ length: count }, (_, i) => {
    const issued = i % 3 === 0 ? factory.certificate() : factory.precertificate({ includeRoot: i % 2 === 0 });
    const entry = { index: 5_000_000_000 + i, timestamp: 0, kind: issued.precert ? ('precert' as const) : ('x509' as const), leafDer: issued.der, chainDers: issued.chain.map((c) => c.der) };
    return buildEvent(LOGS[i % 2]!, entry, parseCertificate(issued.der), entry.chainDers.map((d) => issuers.get(d)), i + 1, 1_700_000_000_000 + i * 1.5);
  });
}

const unbounded: HistoryOptions = { maxEvents: 1_000_000, maxAgeMs: Number.MAX_SAFE_INTEGER, maxBytes: Number.MAX_SAFE_INTEGER };

/** Seqs held are contiguous, from oldestSeq to newestSeq. */
function assertContiguous(history: EventHistory): void {
  const { oldestSeq, newestSeq, events } = history.stats();
  if (events === 0) return;
  assert.equal(newestSeq! - oldestSeq! + 1, events);
  for (const seq of [oldestSeq!, newestSeq!]) assert.equal(history.get(seq)?.seq, seq);
  assert.equal(history.get(oldestSeq! - 1), undefined);
  assert.equal(history.get(newestSeq! + 1), undefined);
}

describe('resume history', () => {
  let events: CertEvent[];

  before(async () => {
    events = await makeEvents(400, 'history');
  });

  it('gives back every channel message byte for byte as it was sent live', () => {
    const history = new EventHistory(unbounded);
    for (const event of events) history.push(event);
    for (const event of events) {
      const stored = history.get(event.seq)!;
      assert.deepEqual(stored.domains, event.leaf_cert.all_domains);
      for (const channel of CHANNELS) assert.equal(stored.message(channel), serialize(channel, event), `${channel} of seq ${event.seq}`);
    }
    assert.ok(events.some((e) => e.chain.length > 1) && events.some((e) => e.update_type === 'X509LogEntry'));
  });

  it('keeps at most maxEvents, dropping the oldest', () => {
    const history = new EventHistory({ ...unbounded, maxEvents: 50 });
    for (const event of events) history.push(event);
    const stats = history.stats();
    assert.equal(stats.events, 50);
    assert.equal(stats.newestSeq, 400);
    assert.equal(history.oldestSeq, 351);
    assert.equal(stats.dropped.events, 350);
    assertContiguous(history);
  });

  it('never holds more than maxBytes, and frees what the dropped events referred to', () => {
    const maxBytes = 160 * 1024;
    const history = new EventHistory({ ...unbounded, maxBytes });
    for (const event of events) {
      history.push(event);
      assert.ok(history.bytes <= maxBytes, `${history.bytes} bytes held after seq ${event.seq}`);
    }
    const stats = history.stats();
    assert.ok(stats.events > 50 && stats.events < 400, `${stats.events} events held`);
    assert.ok(stats.dropped.bytes > 0);
    assertContiguous(history);
    // Each event costs about its record (leaf DER + a few dozen bytes), besides the issuers kept once
    // and the segment being filled: well under 1.5 KB here.
    const perEvent = (stats.bytes - stats.chainBytes - 16 * 1024) / stats.events;
    assert.ok(perEvent < 1_500, `${perEvent.toFixed(0)} bytes per event`);
    for (let seq = stats.oldestSeq!; seq <= stats.newestSeq!; seq++) {
      assert.equal(history.get(seq)!.message('full'), serialize('full', events[seq - 1]!));
    }
  });

  it('drops events older than maxAgeMs', () => {
    const history = new EventHistory({ ...unbounded, maxAgeMs: 1_000 });
    events.slice(0, 10).forEach((event, i) => history.push(event, i * 200));
    assert.equal(history.oldestSeq, 5, 'at t=1800, events added before t=800 are gone');
    history.expire(10_000);
    assert.equal(history.size, 0);
    assert.equal(history.oldestSeq, 11, 'nothing held: the next seq');
    assert.equal(history.newestSeq, 10);
    assert.equal(history.stats().dropped.age, 10);
  });

  it('holds nothing with maxBytes 0 but still knows the newest seq', () => {
    const history = new EventHistory({ ...unbounded, maxBytes: 0 });
    for (const event of events.slice(0, 20)) history.push(event);
    assert.equal(history.size, 0);
    assert.equal(history.bytes, 0);
    assert.equal(history.newestSeq, 20);
    assert.equal(history.oldestSeq, 21);
    assert.equal(history.get(20), undefined);
  });

  it('starts over, and says so, when a seq does not follow on', () => {
    const resets: [number, number][] = [];
    const history = new EventHistory(unbounded, (from, to) => resets.push([from, to]));
    for (const event of events.slice(0, 10)) history.push(event);
    history.push({ ...events[20]! });
    assert.deepEqual(resets, [[10, 21]]);
    assert.equal(history.stats().resets, 1);
    assert.equal(history.size, 1);
    assert.equal(history.oldestSeq, 21);
    assert.equal(history.get(21)!.message('lite'), serialize('lite', events[20]!));
  });
});

describe('event records', () => {
  let events: CertEvent[];
  const chain = new Map<number, CertEvent['chain'][number]>();
  const refs: RecordRefs = {
    chainRef: (cert) => {
      chain.set(chain.size, cert);
      return chain.size - 1;
    },
    chainCert: (ref) => {
      const cert = chain.get(ref);
      if (!cert) throw new RecordError(`no chain ${ref}`);
      return cert;
    },
    originRef: (event) => LOGS.findIndex((l) => l.url === event.log.url),
    origin: (ref) => ({ source: { url: LOGS[ref]!.url, name: LOGS[ref]!.name }, log: LOGS[ref]! }),
  };

  before(async () => {
    events = await makeEvents(20, 'records');
  });

  it('round-trips an event (all but its seq, which the holder knows)', () => {
    for (const event of events) {
      const record = Buffer.from(encodeRecord(event, refs));
      assert.deepEqual(recordDomains(record), event.leaf_cert.all_domains);
      const back = decodeRecord(record, 7, refs);
      assert.equal(serialize('full', back), serialize('full', { ...event, seq: 7 }));
      assert.ok(record.length < event.leafDer.length + 64 + 8 * event.leaf_cert.all_domains.reduce((n, d) => n + d.length + 2, 0));
    }
  });

  it('refuses a truncated record with a RecordError, never anything else', () => {
    const record = Buffer.from(encodeRecord(events[0]!, refs));
    for (let length = 0; length < record.length; length += 3) {
      try {
        decodeRecord(record.subarray(0, length), 1, refs);
        assert.fail(`a ${length}-byte prefix decoded`);
      } catch (err) {
        assert.ok(err instanceof RecordError, `${length}: ${String(err)}`);
      }
    }
  });
});

describe('record log', () => {
  it('finds records across segments, gives a big record its own segment, and frees segments as they empty', () => {
    const log = new RecordLog(100);
    const record = (seq: number, length: number): Buffer => Buffer.alloc(length, seq % 256);
    const lengths = [30, 30, 30, 30, 250, 10, 60, 60, 1];
    lengths.forEach((length, i) => log.append(i + 1, record(i + 1, length), i));
    for (let seq = 1; seq <= lengths.length; seq++) assert.deepEqual(log.get(seq), record(seq, lengths[seq - 1]!));
    assert.equal(log.get(0), undefined);
    assert.equal(log.get(lengths.length + 1), undefined);
    const full = log.bytes;
    for (let i = 0; i < 2; i++) log.dropOldest();
    assert.equal(log.bytes, full, 'the first segment (seqs 1-3) still holds seq 3');
    assert.deepEqual(log.dropOldest(), record(3, 30));
    assert.ok(log.bytes < full, 'the first segment was released');
    assert.equal(log.oldestSeq, 4);
    assert.equal(log.oldestTime, 3);
    assert.equal(log.size, lengths.length - 3);
    assert.throws(() => log.append(20, record(20, 1), 0), RangeError);
  });
});
