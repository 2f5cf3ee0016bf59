/**
 * The ingest core against the real simulator over loopback: every entry of every log, in order,
 * none lost or repeated, through batch caps, HTTP faults, bad entries and restarts.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CertEvent } from '../../src/ingest/event.js';
import { Ingest } from '../../src/ingest/ingest.js';
import { startSimulator, type Simulator } from '../../src/sim/simulator.js';
import type { SimLog } from '../../src/sim/sim-log.js';
import { waitFor } from '../support/wait.js';

const FAST_FOLLOWER = { pollIntervalMs: 50, backoffBaseMs: 20, backoffMaxMs: 200, requestTimeoutMs: 2_000 };

/** Events grouped by the simulated log they came from. */
class Collector {
  readonly events: CertEvent[] = [];
  constructor(ingest: Ingest) {
    ingest.onEvent((e) => this.events.push(e));
  }
  of(log: SimLog): CertEvent[] {
    const url = log.urls.monitoringUrl; // source.url as the log list gives it
    return this.events.filter((e) => e.source.url === url);
  }
}

function assertMatchesLog(events: CertEvent[], log: SimLog, from: number, to: number, skipped: number[] = []): void {
  const expected: number[] = [];
  for (let i = from; i < to; i++) if (!skipped.includes(i)) expected.push(i);
  assert.deepEqual(
    events.map((e) => e.cert_index),
    expected,
    `${log.slug}: indexes`,
  );
  for (const event of events) {
    const entry = log.entryAt(event.cert_index);
    assert.equal(event.leaf_cert.as_der, Buffer.from(entry.leafDer).toString('base64'), `${log.slug} #${event.cert_index} leaf`);
    assert.equal(event.update_type, entry.kind === 'precert' ? 'PrecertLogEntry' : 'X509LogEntry');
    assert.deepEqual(
      event.chain.map((c) => c.as_der),
      entry.chainDers.map((d) => Buffer.from(d).toString('base64')),
      `${log.slug} #${event.cert_index} chain`,
    );
  }
}

describe('ingest following the simulator', () => {
  let sim: Simulator;
  let stateDir: string;

  before(async () => {
    sim = await startSimulator({ seed: 'ingest-test', initialEntries: 40 });
    stateDir = await mkdtemp(join(tmpdir(), 'certstream-ingest-'));
  });

  after(async () => {
    await sim.close();
    await rm(stateDir, { recursive: true, force: true });
  });

  it('starts at each head, then streams every new entry of every log in order, through faults and a restart', async () => {
    const ingest = new Ingest({ logList: sim.logListUrl, stateDir, follower: FAST_FOLLOWER });
    const collected = new Collector(ingest);
    await ingest.start();
    try {
      await waitFor('followers at head', () => ingest.status().every((s) => s.next === 40));
      assert.equal(ingest.status().length, sim.logs.length);

      // Phase 1: plain growth across tile boundaries and batch caps.
      sim.append(600);
      await waitFor('600 entries per log', () => sim.logs.every((l) => collected.of(l).length === 600));
      for (const log of sim.logs) assertMatchesLog(collected.of(log), log, 40, 640);

      // The RFC 6962 followers learned each log's real cap from short answers; a log whose cap was
      // never reached (1000 > 600 new entries) has shown no cap yet.
      for (const log of sim.logs.filter((l) => l.api === 'rfc6962')) {
        const status = ingest.status().find((s) => s.url === log.urls.url)!;
        const expected = log.config.batchLimit < 600 ? log.config.batchLimit : null;
        assert.equal(status.batchLimit, expected, `${log.slug} batch cap`);
      }

      // Phase 2: every kind of transient HTTP fault, then more growth.
      sim.setFaults('*', {
        serverError: { count: 4 },
        rateLimit: { count: 3, retryAfterSeconds: 0 },
        reset: { count: 2 },
        truncate: { count: 2 },
        hang: { count: 1 },
        shortBatch: { count: 3, maxEntries: 7 },
      });
      sim.append(300);
      await waitFor('300 more entries per log through faults', () => sim.logs.every((l) => collected.of(l).length === 900));
      for (const log of sim.logs) assertMatchesLog(collected.of(log), log, 40, 940);
      const errors = ingest.status().map((s) => s.errors);
      assert.ok(errors.some((e) => (e.http_5xx ?? 0) > 0), 'server errors were counted');
      assert.ok(errors.some((e) => (e.http_429 ?? 0) > 0), 'rate limits were counted');
      assert.ok(errors.some((e) => (e.network ?? 0) > 0), 'resets were counted');
      assert.ok(errors.some((e) => (e.timeout ?? 0) > 0), 'hangs timed out and were counted');
      sim.clearFaults();

      const seqs = collected.events.map((e) => e.seq);
      assert.deepEqual(seqs, seqs.map((_, i) => i + 1), 'seq counts up by one across all logs');
    } finally {
      await ingest.stop();
    }

    // Phase 3: entries logged while stopped are caught up after a restart, none repeated.
    sim.append(150);
    const restarted = new Ingest({ logList: sim.logListUrl, stateDir, follower: FAST_FOLLOWER });
    const resumed = new Collector(restarted);
    await restarted.start();
    try {
      await waitFor('catch-up after restart', () => sim.logs.every((l) => resumed.of(l).length === 150));
      for (const log of sim.logs) assertMatchesLog(resumed.of(log), log, 940, 1090);
    } finally {
      await restarted.stop();
    }
  });

  it('catches up at most maxCatchUp entries after a restart and counts the skipped ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'certstream-catchup-'));
    try {
      const first = new Ingest({ logList: sim.logListUrl, stateDir: dir, follower: FAST_FOLLOWER });
      await first.start();
      await waitFor('followers at head', () => first.status().every((s) => s.next !== null && s.next === s.treeSize));
      await first.stop();
      const stoppedAt = new Map(sim.logs.map((l) => [l.slug, l.size]));
      sim.append(100);
      const second = new Ingest({ logList: sim.logListUrl, stateDir: dir, follower: { ...FAST_FOLLOWER, maxCatchUp: 30 } });
      const collected = new Collector(second);
      await second.start();
      try {
        await waitFor('the last 30 entries per log', () => sim.logs.every((l) => collected.of(l).length === 30));
        for (const log of sim.logs) assertMatchesLog(collected.of(log), log, stoppedAt.get(log.slug)! + 70, log.size);
        assert.ok(second.status().every((s) => s.skipped === 70));
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('skips exactly the undecodable entries and certificates, counting each by reason', async () => {
    const ingest = new Ingest({ logList: sim.logListUrl, stateDir: null, follower: FAST_FOLLOWER });
    const collected = new Collector(ingest);
    await ingest.start();
    try {
      await waitFor('followers at head', () => ingest.status().every((s) => s.next !== null && s.next === s.treeSize));
      const rfc = sim.logs.find((l) => l.api === 'rfc6962')!;
      const tiled = sim.logs.find((l) => l.api === 'static-ct')!;
      const rfcStart = rfc.size;
      const tiledStart = tiled.size;
      sim.setFaults(rfc.slug, {
        entries: [
          { index: rfcStart + 3, fault: 'garbage-base64' },
          { index: rfcStart + 5, fault: 'bad-entry-type' },
          { index: rfcStart + 8, fault: 'truncated-leaf' },
          { index: rfcStart + 13, fault: 'bad-cert' },
        ],
      });
      sim.setFaults(tiled.slug, { entries: [{ index: tiledStart + 2, fault: 'bad-cert' }] });
      sim.append(40);
      await waitFor('entries around the bad ones', () => {
        const status = ingest.status();
        return [rfc, tiled].every((l) => status.find((s) => s.url === l.urls.monitoringUrl)?.next === l.size);
      });
      assertMatchesLog(collected.of(rfc), rfc, rfcStart, rfcStart + 40, [rfcStart + 3, rfcStart + 5, rfcStart + 8, rfcStart + 13]);
      assertMatchesLog(collected.of(tiled), tiled, tiledStart, tiledStart + 40, [tiledStart + 2]);
      const rfcStatus = ingest.status().find((s) => s.url === rfc.urls.url)!;
      assert.equal(rfcStatus.badEntries.base64, 1);
      assert.equal(rfcStatus.badEntries.leaf_entry_type, 1);
      assert.equal(rfcStatus.badEntries.leaf_truncated, 1);
      assert.equal(Object.values(rfcStatus.parseErrors).reduce((a, b) => a + b, 0), 1);
      const tiledStatus = ingest.status().find((s) => s.url === tiled.urls.monitoringUrl)!;
      assert.equal(Object.values(tiledStatus.parseErrors).reduce((a, b) => a + b, 0), 1);
    } finally {
      sim.clearFaults();
      await ingest.stop();
    }
  });
});
