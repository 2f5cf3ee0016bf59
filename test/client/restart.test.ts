/**
 * The client library across a restart of a real `certstream-ts serve` process: the client
 * reconnects by itself, learns it could not resume (a new server epoch) and says so, yet receives
 * every certificate exactly once, because the restarted server catches up from its cursors and
 * the client is back before that catch-up is streamed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect, type CertificateUpdateMessage, type DisconnectEvent, type ReconnectEvent } from '../../src/client/index.js';
import type { CliProcess } from '../support/process.js';
import { waitFor } from '../support/wait.js';
import { appendEndMarkers, indexesByLog, simulatorWithStateDir, startServe, waitForFollowersAtHead } from '../support/serve-process.js';

describe('client library across a server restart', () => {
  const fixture = simulatorWithStateDir({ seed: 'client-restart', rfc6962Logs: 1, tiledLogs: 1, initialEntries: 5 });

  it('reconnects, reports that it could not resume, and still misses nothing', async () => {
    const first = await startServe(fixture.sim, fixture.stateDir);
    const client = await connect(`ws://127.0.0.1:${first.port}/`, { reconnect: { minDelayMs: 50, maxDelayMs: 200 } });
    let second: { proc: CliProcess; port: number } | undefined;
    try {
      const disconnects: DisconnectEvent[] = [];
      const reconnects: ReconnectEvent[] = [];
      client.on('disconnect', (e) => disconnects.push(e));
      client.on('reconnect', (e) => reconnects.push(e));
      const subscription = await client.subscribe({ channel: 'lite' });
      const received: CertificateUpdateMessage[] = [];
      subscription.on('message', (m) => received.push(m));

      // Let the followers read each head, so what is appended next is new.
      await waitForFollowersAtHead(first.port, fixture.sim);
      fixture.sim.append(20);
      await waitFor('first 20 per log', () => received.length === 20 * fixture.sim.logs.length);
      assert.equal(await first.proc.stop('SIGTERM'), 0);
      await waitFor('disconnect seen', () => disconnects.length === 1);

      // Logged while the server is down; reads are slowed so the client is back before the catch-up.
      fixture.sim.append(15);
      fixture.sim.setFaults('*', { delay: { ms: 2_000, endpoints: ['get-entries', 'data-tile'] } });
      second = await startServe(fixture.sim, fixture.stateDir, first.port);
      await waitFor('reconnected', () => reconnects.length === 1, 10_000);
      fixture.sim.clearFaults();
      fixture.sim.append(10);

      const event = reconnects[0]!;
      assert.equal(event.recovered, false);
      assert.equal(event.gaps.length, 1);
      assert.equal(event.gaps[0]!.serverRestarted, true);
      assert.equal(event.gaps[0]!.subscription, subscription.id);

      await waitFor('every certificate', () => received.length >= 45 * fixture.sim.logs.length, 20_000);
      await appendEndMarkers(fixture.sim, [() => received]);
      assert.equal(received.length, 46 * fixture.sim.logs.length, 'nothing twice');
      const byLog = indexesByLog(received);
      for (const log of fixture.sim.logs) {
        const url = log.urls.monitoringUrl;
        assert.deepEqual(byLog.get(url), Array.from({ length: 46 }, (_, i) => 5 + i), `${log.slug}: every index once, in order`);
      }
    } finally {
      await client.close();
      if (second) assert.equal(await second.proc.stop('SIGTERM'), 0);
    }
  });
});
