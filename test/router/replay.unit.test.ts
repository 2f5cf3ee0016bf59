/**
 * Replay against the history directly: a history restart (a gap in seq) is reported through
 * onReset and counted, and a replay that was behind it tells its target which seqs are gone.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { LogDescriptor } from '../../src/ct/log-list.js';
import { buildEvent, type CertEvent } from '../../src/ingest/event.js';
import { EventHistory } from '../../src/router/history.js';
import { Replay } from '../../src/router/replay.js';
import { CertFactory } from '../../src/sim/cert-factory.js';
import { parseCertificate } from '../../src/x509/index.js';

const LOG: LogDescriptor = { id: 'r', name: 'Replay log', operator: 'op', api: 'rfc6962', url: 'https://ct.example/r/', key: new Uint8Array(0), mmdSeconds: 86400 };
let factory: CertFactory;
before(async () => {
  factory = await CertFactory.create({ seed: 'replay-test' });
});

/** A real event numbered `seq` whose only domain is `domain`. */
function event(seq: number, domain: string): CertEvent {
  const issued = factory.precertificate({ dnsNames: [domain] });
  const entry = { index: seq, timestamp: 0, kind: 'precert' as const, leafDer: issued.der, chainDers: [] };
  return buildEvent(LOG, entry, parseCertificate(issued.der), [], seq, 0);
}

describe('Replay and history restarts', () => {
  it('reports the restart, and the replay names the seqs it could not send', () => {
    const resets: [number, number][] = [];
    const history = new EventHistory({ maxEvents: 100, maxAgeMs: 60_000, maxBytes: 1024 * 1024 }, (last, next) => resets.push([last, next]));
    for (let seq = 1; seq <= 10; seq++) history.push(event(seq, `e${seq}.match.example`));
    const sent: string[] = [];
    const gaps: [number, number][] = [];
    let caughtUp = false;
    const target = { send: (m: string) => sent.push(m), bufferedAmount: () => 0, gap: (from: number, to: number) => gaps.push([from, to]) };
    const replay = new Replay(history, 3, 'domains-only', { keywords: ['match'], regex: [] }, ',"subscription":"r"', target, () => (caughtUp = true));
    assert.equal(replay.step(2, 1024), 'more');
    assert.equal(sent.length, 2);

    history.push(event(20, 'e20.match.example'));
    assert.deepEqual(resets, [[10, 20]]);
    assert.equal(history.stats().resets, 1);
    assert.equal(replay.step(100, 1024), 'done');
    assert.ok(caughtUp);
    assert.deepEqual(gaps, [[5, 19]]);
    assert.equal(replay.lost, 15);
    assert.deepEqual(
      sent.map((m) => (JSON.parse(m) as { seq: number }).seq),
      [3, 4, 20],
    );
  });

  it('names the seqs lost when the whole history expired by age while the replay was behind', () => {
    const history = new EventHistory({ maxEvents: 100, maxAgeMs: 1_000, maxBytes: 1024 * 1024 });
    for (let seq = 1; seq <= 10; seq++) history.push(event(seq, `e${seq}.match.example`), 0);
    const gaps: [number, number][] = [];
    const target = { send: () => undefined, bufferedAmount: () => 0, gap: (from: number, to: number) => gaps.push([from, to]) };
    const replay = new Replay(history, 3, 'domains-only', { keywords: ['match'], regex: [] }, ',"subscription":"r"', target, () => undefined);
    assert.equal(replay.step(2, 1024), 'more');
    history.expire(5_000);
    assert.equal(history.size, 0);
    assert.equal(replay.step(100, 1024), 'done');
    assert.deepEqual(gaps, [[5, 10]]);
  });
});
