/**
 * Running out of file descriptors: plain TCP connections that never send a request take the
 * server's last descriptors. The server stops accepting instead of spinning on accept(), keeps
 * serving the connections it has, and accepts again once descriptors are free.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { runCli } from '../support/process.js';
import { simulatorWithStateDir } from '../support/serve-process.js';
import { freePort } from '../support/free-port.js';
import { waitFor } from '../support/wait.js';
import { connectRecording, type RecordingClient } from '../support/ws-client.js';
import { fileRequirement, skipWithout } from '../support/requirements.js';

const PRLIMIT = '/usr/bin/prlimit';
const skip = skipWithout(fileRequirement(PRLIMIT, `${PRLIMIT} (util-linux) not installed: cannot give the server a low descriptor limit`));

const domains = (client: RecordingClient): string[][] =>
  client.messages.filter((m) => (m as { message_type: string }).message_type === 'dns_entries').map((m) => (m as { data: string[] }).data);

describe('descriptor exhaustion', { skip }, () => {
  const fixture = simulatorWithStateDir({ seed: 'descriptors', rfc6962Logs: 1, tiledLogs: 0, initialEntries: 2 });

  const appendNamed = (name: string): void => {
    const slug = fixture.sim.logs[0]!.slug;
    fixture.sim.appendCertificates(slug, [fixture.sim.factory.precertificate({ dnsNames: [name] })]);
  };

  it('stops accepting at the limit, keeps serving, and accepts again once descriptors are free', { timeout: 120_000 }, async () => {
    const port = await freePort();
    const server = runCli(
      ['serve', '--log-list', fixture.sim.logListUrl, '--host', '127.0.0.1', '--port', String(port), '--state-dir', fixture.stateDir, '--poll-interval', '100', '--log-level', 'info', '--log-format', 'json'],
      [PRLIMIT, '--nofile=256:256'],
    );
    const attackers: Socket[] = [];
    try {
      await server.waitForOutput(/streaming on ws:\/\//);
      const honest = await connectRecording(`ws://127.0.0.1:${port}/domains-only`);
      // 400 connections that never send a byte: more than the server has descriptors.
      for (let i = 0; i < 400; i++) {
        const socket = connect(port, '127.0.0.1');
        socket.on('error', () => undefined);
        attackers.push(socket);
      }
      await server.waitForOutput(/out of file descriptors: not accepting new connections/);

      // The connection it already has is served as before.
      appendNamed('fd-honest-1.example');
      await waitFor('the honest client served while the server is full', () => domains(honest).some((d) => d.includes('fd-honest-1.example')), 5_000);

      // The attacker goes away: the server listens again and new clients are served.
      for (const socket of attackers) socket.destroy();
      await server.waitForOutput(/accepting connections again/);
      const late = await connectRecording(`ws://127.0.0.1:${port}/domains-only`);
      appendNamed('fd-late.example');
      await waitFor('the new client served', () => domains(late).some((d) => d.includes('fd-late.example')), 5_000);
      assert.ok(domains(honest).some((d) => d.includes('fd-late.example')));
      await Promise.all([honest.close(), late.close()]);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      assert.match(metrics, /^certstream_accept_pauses_total [1-9]/m);
      assert.match(metrics, /^certstream_accepting 1$/m);
    } finally {
      for (const socket of attackers) socket.destroy();
      assert.equal(await server.stop('SIGTERM'), 0, server.stderr.slice(-2000));
    }
  });
});
