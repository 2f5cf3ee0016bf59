/**
 * A second `serve` or `demo` on a port already in use fails with one clear line and exit 2, and
 * the first server keeps every connection (uSockets' default SO_REUSEPORT would have let the kernel
 * split new connections between the two processes).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../support/process.js';
import { simulatorWithStateDir, startServe } from '../support/serve-process.js';
import { waitFor } from '../support/wait.js';
import { connectRecording } from '../support/ws-client.js';

const commandLines = (stderr: string): string[] => stderr.split('\n').filter((line) => line.startsWith('certstream-ts'));

describe('port already in use', () => {
  const fixture = simulatorWithStateDir({ seed: 'port-in-use', rfc6962Logs: 1, tiledLogs: 0, initialEntries: 2 });

  it('a second serve and a demo on the same port exit 2 with one line; the first keeps serving', { timeout: 60_000 }, async () => {
    const first = await startServe(fixture.sim, fixture.stateDir);
    const otherState = await mkdtemp(join(tmpdir(), 'certstream-state-'));
    try {
      const second = runCli([
        'serve', '--log-list', fixture.sim.logListUrl, '--host', '127.0.0.1', '--port', String(first.port), '--state-dir', otherState, '--log-level', 'warn',
      ]);
      assert.equal(await second.exited, 2, second.stderr);
      assert.deepEqual(commandLines(second.stderr), [
        `certstream-ts serve: cannot listen on 127.0.0.1:${first.port}: the port is in use by another process (or not permitted); choose another with --port`,
      ]);
      const demo = runCli(['demo', '--port', String(first.port)]);
      assert.equal(await demo.exited, 2, demo.stderr);
      assert.equal(commandLines(demo.stderr).length, 1, demo.stderr);
      assert.match(demo.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${first.port}`));

      // Every new connection still lands on the first server, which streams what is logged next.
      const clients = await Promise.all(Array.from({ length: 8 }, () => connectRecording(`ws://127.0.0.1:${first.port}/domains-only`)));
      fixture.sim.append(3);
      await waitFor('3 certificates on every client', () => clients.every((c) => c.messages.filter((m) => (m as { message_type: string }).message_type === 'dns_entries').length >= 3));
      await Promise.all(clients.map((c) => c.close()));
    } finally {
      assert.equal(await first.proc.stop('SIGTERM'), 0);
      await rm(otherState, { recursive: true, force: true });
    }
  });
});
