/**
 * `certstream-ts serve` as a real process following the simulator: every entry of every log is
 * streamed in order, and across a graceful restart nothing is lost or repeated.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli, type CliProcess } from '../support/process.js';
import { indexesByLog, simulatorWithStateDir, startServe, appendEndMarkers, waitForFollowersAtHead } from '../support/serve-process.js';
import { waitFor } from '../support/wait.js';
import { connectRecording, type RecordingClient } from '../support/ws-client.js';

interface Update {
  message_type: string;
  data: { cert_index: number; source: { url: string }; leaf_cert: { as_der: string } };
}

describe('serve process with restart', () => {
  const fixture = simulatorWithStateDir({ seed: 'serve-restart', rfc6962Logs: 2, tiledLogs: 1, initialEntries: 5 });

  async function startServer(): Promise<{ proc: CliProcess; port: number; client: RecordingClient }> {
    const { proc, port } = await startServe(fixture.sim, fixture.stateDir);
    const client = await connectRecording(`ws://127.0.0.1:${port}/full-stream`);
    return { proc, port, client };
  }

  const updates = (client: RecordingClient): Update[] =>
    client.messages.filter((m): m is Update => (m as Update).message_type === 'certificate_update');

  it('streams everything, stops gracefully on SIGTERM and resumes from its cursors', async () => {
    const first = await startServer();
    // Wait until the followers have read each head, so entries appended next count as new.
    await waitForFollowersAtHead(first.port, fixture.sim);
    fixture.sim.append(120);
    await waitFor('first 120 per log', () => updates(first.client).length === 120 * fixture.sim.logs.length);
    const closeCode = new Promise<number>((resolve) => first.client.socket.once('close', (code: number) => resolve(code)));
    assert.equal(await first.proc.stop('SIGTERM'), 0, 'graceful exit code');
    assert.equal(await closeCode, 1001, 'clients are told the server is going away');

    // Entries logged while the server is down; reads are slowed so the client is connected before catch-up.
    fixture.sim.append(80);
    fixture.sim.setFaults('*', { delay: { ms: 1_500, endpoints: ['get-entries', 'data-tile'] } });
    const second = await startServer();
    fixture.sim.clearFaults();
    fixture.sim.append(40);
    try {
      await waitFor('120 more per log', () => updates(second.client).length >= 120 * fixture.sim.logs.length);
      await appendEndMarkers(fixture.sim, [() => updates(second.client)]);
      const all = [...updates(first.client), ...updates(second.client)];
      assert.equal(all.length, 241 * fixture.sim.logs.length, 'no duplicates arrived late');
      const byLog = indexesByLog(all);
      for (const log of fixture.sim.logs) {
        const got = byLog.get(log.urls.monitoringUrl);
        assert.deepEqual(got, Array.from({ length: 241 }, (_, i) => 5 + i), `${log.slug}: every index once, in order`);
      }
      for (const u of all) {
        const log = fixture.sim.logs.find((l) => l.urls.monitoringUrl === u.data.source.url)!;
        assert.equal(u.data.leaf_cert.as_der, Buffer.from(log.entryAt(u.data.cert_index).leafDer).toString('base64'));
      }
    } finally {
      await second.client.close();
      assert.equal(await second.proc.stop('SIGTERM'), 0);
    }
  });

  it('says in one line that the log list cannot be read, and points to the demo', async () => {
    const proc = runCli(['serve', '--log-list', 'http://127.0.0.1:1/log_list.json', '--port', '0', '--state-dir', fixture.stateDir]);
    const code = await proc.exited;
    assert.equal(code, 1);
    assert.match(proc.stderr, /cannot read the log list .*npm run demo/);
    assert.equal(proc.stderr.trim().split('\n').length, 1, proc.stderr);
  });

  it('says in one line which cursor file is unusable and what to do, and exits 1', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'certstream-state-'));
    try {
      await writeFile(join(stateDir, 'cursors.json'), '');
      const proc = runCli(['serve', '--log-list', fixture.sim.logListUrl, '--port', '0', '--state-dir', stateDir, '--log-level', 'warn']);
      assert.equal(await proc.exited, 1);
      assert.equal(proc.stderr.trim().split('\n').length, 1, proc.stderr);
      assert.match(proc.stderr, new RegExp(`^certstream-ts serve: cannot use the cursor file ${join(stateDir, 'cursors.json')}: it is empty .*Move it away`));
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
