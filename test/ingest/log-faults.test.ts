/**
 * Log-side misbehaviour beyond HTTP errors: a head that goes backwards (a stale replica serving an
 * older, validly signed STH or checkpoint) is logged and counted, and never makes the ingest emit
 * an entry twice or skip one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CertEvent } from '../../src/ingest/event.js';
import { Ingest } from '../../src/ingest/ingest.js';
import { startSimulator, type Simulator } from '../../src/sim/simulator.js';
import { waitFor } from '../support/wait.js';

describe('log heads going backwards', () => {
  let sim: Simulator;
  let ingest: Ingest;
  const events: CertEvent[] = [];

  before(async () => {
    sim = await startSimulator({ seed: 'stale-head', rfc6962Logs: 1, tiledLogs: 1, initialEntries: 10 });
    ingest = new Ingest({ logList: sim.logListUrl, stateDir: null, follower: { pollIntervalMs: 30, backoffBaseMs: 20, backoffMaxMs: 100 } });
    ingest.onEvent((e) => events.push(e));
    await ingest.start();
    await waitFor('followers at head', () => ingest.status().every((s) => s.next === 10));
  });

  after(async () => {
    await ingest.stop();
    await sim.close();
  });

  it('ignores an older head, counts it, and emits every entry exactly once', async () => {
    for (let round = 1; round <= 3; round++) {
      sim.append(40);
      await waitFor(`round ${round}`, () => ingest.status().every((s) => s.next === 10 + 40 * round));
    }
    sim.setFaults('*', { staleHead: { count: 6 } });
    await waitFor('stale heads seen', () => ingest.status().every((s) => (s.errors.head_backwards ?? 0) > 0));
    sim.clearFaults();
    sim.append(40);
    await waitFor('the entries after the stale heads', () => ingest.status().every((s) => s.next === 170));
    for (const status of ingest.status()) assert.equal(status.treeSize, 170, 'the larger head was kept');
    // One more entry per log marks the end: a late duplicate would have been emitted before it.
    sim.append(1);
    await waitFor('the end marker', () => ingest.status().every((s) => s.next === 171));
    for (const log of sim.logs) {
      const url = log.urls.monitoringUrl; // source.url as the log list gives it
      const indexes = events.filter((e) => e.source.url === url).map((e) => e.cert_index);
      assert.deepEqual(indexes, Array.from({ length: 161 }, (_, i) => 10 + i), `${log.slug}: no gap, no duplicate`);
    }
  });
});
