/**
 * The ws fallback transport (src/server/transport/fallback/), forced with CERTSTREAM_TRANSPORT=ws
 * as it runs on a Node without a uWebSockets.js binary: the protocol's essential flows against the
 * real stack on loopback, and how `serve` announces the transport it picked or refuses one.
 * (test/run.ts also runs the protocol suites a second time on this transport.)
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { CLOSE_CODES } from '../../src/protocol/server-messages.js';
import { loadTransport, TRANSPORT_ENV } from '../../src/server/transport/index.js';
import { loadNativeUws } from '../../src/server/transport/native.js';
import { openStream } from '../support/http-stream-client.js';
import { runCli } from '../support/process.js';
import { simulatorWithStateDir, startServe } from '../support/serve-process.js';
import { startStack, type Stack } from '../support/stack.js';
import { waitFor, waitForAsync } from '../support/wait.js';
import { connectRecording, type RecordingClient } from '../support/ws-client.js';

type Json = Record<string, unknown>;

const ofType = (client: RecordingClient, type: string): Json[] => (client.messages as Json[]).filter((m) => m.message_type === type);

/** Sends a message and resolves with the reply carrying `id`. */
async function replyTo(client: RecordingClient, message: Json & { id: string }): Promise<Json> {
  const seen = client.messages.length;
  client.socket.send(JSON.stringify(message));
  await waitFor(`the reply to ${message.id}`, () => (client.messages.slice(seen) as Json[]).some((m) => m.id === message.id && m.message_type !== 'certificate_update'));
  return (client.messages.slice(seen) as Json[]).find((m) => m.id === message.id && m.message_type !== 'certificate_update')!;
}

const domainsOf = (messages: Json[]): string[] => messages.flatMap((m) => ((m.data as Json).leaf_cert as Json).all_domains as string[]);

describe('the ws fallback transport', () => {
  let stack: Stack;

  before(async () => {
    process.env[TRANSPORT_ENV] = 'ws';
    stack = await startStack({ seed: 'ws-transport' }, { maxBackpressure: 1024 * 1024 });
  });

  after(async () => {
    await stack.close();
  });

  it('is the transport in use, and says so in /healthz', async () => {
    assert.equal(loadTransport().name, 'ws');
    const health = (await (await fetch(`http://${stack.base}/healthz`)).json()) as Json;
    assert.equal(health.transport, 'ws');
  });

  it('streams every channel in its shape, filters subscriptions, answers ping and bad messages', async () => {
    const [lite, full, domains, filtered] = await Promise.all(
      ['/', '/full-stream', '/domains-only', '/'].map((path) => connectRecording(`ws://${stack.base}${path}`)),
    );
    try {
      assert.equal((await replyTo(filtered!, { type: 'ping', id: 'p1' })).message_type, 'pong');
      const subscribed = await replyTo(filtered!, { type: 'subscribe', id: 'k', keywords: ['zqxfallback'] });
      assert.equal(subscribed.message_type, 'subscribed');
      const bad = await replyTo(filtered!, { type: 'subscribe', id: 'bad', regex: ['('] });
      assert.equal(bad.code, 'invalid_regex');
      // Logged in this order to the same log, so the matching one arriving means the other has been routed.
      stack.appendNamed([['other.example'], ['a.zqxfallback.example']]);
      await waitFor('the match on the filtered connection', () => ofType(filtered!, 'certificate_update').length === 1);
      await waitFor('both on every channel', () =>
        [lite, full].every((c) => domainsOf(ofType(c!, 'certificate_update')).includes('a.zqxfallback.example')) &&
        ofType(domains!, 'dns_entries').some((m) => (m.data as string[]).includes('a.zqxfallback.example')),
      );
      assert.deepEqual(domainsOf(ofType(filtered!, 'certificate_update')), ['a.zqxfallback.example']);
      assert.equal(ofType(filtered!, 'certificate_update')[0]!.subscription, 'k');
      const leafOf = (c: RecordingClient): Json => ((ofType(c, 'certificate_update').at(-1)!.data as Json).leaf_cert as Json);
      assert.equal(typeof leafOf(full!).as_der, 'string');
      assert.equal('as_der' in leafOf(lite!), false);
    } finally {
      await Promise.all([lite, full, domains, filtered].map((c) => c!.close()));
    }
  });

  it('resumes with since: replays what a reconnecting client missed', async () => {
    const first = await connectRecording(`ws://${stack.base}/`);
    const sub = await replyTo(first, { type: 'subscribe', id: 'r', keywords: ['zqxresume'] });
    await first.close();
    stack.appendNamed([['one.zqxresume.example'], ['two.zqxresume.example']]);
    const second = await connectRecording(`ws://${stack.base}/`);
    try {
      const resumed = await replyTo(second, { type: 'subscribe', id: 'r', keywords: ['zqxresume'], since: { seq: sub.seq, epoch: sub.epoch } });
      assert.equal(resumed.recovered, true);
      await waitFor('the two missed certificates', () => ofType(second, 'certificate_update').length === 2);
      assert.deepEqual(domainsOf(ofType(second, 'certificate_update')), ['one.zqxresume.example', 'two.zqxresume.example']);
    } finally {
      await second.close();
    }
  });

  it('streams Server-Sent Events', async () => {
    const stream = await openStream(`http://${stack.base}/domains-only?keywords=zqxsse`, { accept: 'text/event-stream' });
    try {
      assert.equal(stream.status, 200);
      assert.match(String(stream.headers['content-type']), /^text\/event-stream/);
      await waitFor('the subscribed event', () => stream.messages('subscribed').length === 1);
      stack.appendNamed([['a.zqxsse.example']]);
      await waitFor('the certificate event', () => stream.messages('dns_entries').length === 1);
      const event = stream.events.find((e) => e.message?.message_type === 'dns_entries')!;
      assert.equal(event.id, String(event.message!.seq));
      assert.deepEqual(event.message!.data, ['a.zqxsse.example']);
    } finally {
      stream.close();
    }
  });

  it('evicts a client that stops reading with the backpressure close code, and nobody else notices', async () => {
    const healthy = await connectRecording(`ws://${stack.base}/full-stream`);
    const slow = new WebSocket(`ws://${stack.base}/full-stream`);
    await new Promise((resolve) => slow.once('open', resolve));
    const raw = (slow as unknown as { _socket: Socket })._socket;
    raw.pause();
    let closeCode = 0;
    slow.on('close', (code) => (closeCode = code));
    try {
      const before = ofType(healthy, 'certificate_update').length;
      // ~4 KB per full message: ~4 MB, beyond 1 MiB plus the kernel's buffers, below the 8 MiB backstop.
      stack.sim.append(500);
      await waitFor('the healthy client to get everything', () => ofType(healthy, 'certificate_update').length === before + 1000, 30_000);
      const metrics = async (): Promise<string> => (await fetch(`http://${stack.base}/metrics`)).text();
      await waitForAsync('the backpressure close in /metrics', async () => /certstream_backpressure_closes_total 1\b/.test(await metrics()), 10_000);
      raw.resume();
      await waitFor('the slow client to see the close', () => closeCode !== 0, 10_000);
      assert.equal(closeCode, CLOSE_CODES.backpressure);
      assert.equal(healthy.socket.readyState, WebSocket.OPEN);
    } finally {
      slow.terminate();
      await healthy.close();
    }
  });

  it('answers the HTTP endpoints, HEAD without a body, and unknown paths with a JSON 404', async () => {
    const latest = await fetch(`http://${stack.base}/latest.json`);
    assert.equal(latest.status, 200);
    const body = Buffer.from(await latest.arrayBuffer());
    assert.ok(((JSON.parse(body.toString()) as { messages: unknown[] }).messages).length > 0);
    const head = await fetch(`http://${stack.base}/latest.json`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal((await head.arrayBuffer()).byteLength, 0);
    assert.equal(Number(head.headers.get('content-length')), body.length);
    const metrics = await fetch(`http://${stack.base}/metrics`);
    assert.match(await metrics.text(), /^certstream_backpressure_closes_total /m);
    const missing = await fetch(`http://${stack.base}/no-such-page?x=1`);
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { error: 'not_found', message: 'no such endpoint: GET /no-such-page' });
    const page = await fetch(`http://${stack.base}/`);
    assert.match(String(page.headers.get('content-type')), /^text\/html/);
  });
});

describe('serve and the transport it picks', () => {
  const fixture = simulatorWithStateDir({ seed: 'ws-transport-cli', rfc6962Logs: 1, tiledLogs: 0, initialEntries: 1 });
  const env = (transport: string | undefined): NodeJS.ProcessEnv => {
    const { [TRANSPORT_ENV]: _, ...rest } = process.env;
    return transport === undefined ? rest : { ...rest, [TRANSPORT_ENV]: transport };
  };
  const warnings = (stderr: string): string[] => stderr.split('\n').filter((line) => line.startsWith('WARNING: certstream-ts'));

  it('announces the fallback once on stderr; unset, picks native uWS where its binary loads', { timeout: 60_000 }, async () => {
    let nativeLoads = true;
    try {
      loadNativeUws();
    } catch {
      nativeLoads = false;
    }
    for (const [transport, expected] of [['ws', 'ws'], [undefined, nativeLoads ? 'uws' : 'ws']] as const) {
      const served = await startServe(fixture.sim, fixture.stateDir, undefined, env(transport));
      try {
        const health = (await (await fetch(`http://127.0.0.1:${served.port}/healthz`)).json()) as Json;
        assert.equal(health.transport, expected, `${TRANSPORT_ENV}=${transport ?? '(unset)'}`);
        assert.equal(warnings(served.proc.stderr).length, expected === 'ws' ? 1 : 0, served.proc.stderr);
      } finally {
        assert.equal(await served.proc.stop('SIGTERM'), 0);
      }
    }
  });

  it('refuses an unknown transport with one line and exit 2', async () => {
    const proc = runCli(['serve', '--log-list', fixture.sim.logListUrl, '--port', '0', '--state-dir', fixture.stateDir], [], env('quic'));
    assert.equal(await proc.exited, 2, proc.stderr);
    assert.deepEqual(proc.stderr.trim().split('\n'), [
      `certstream-ts serve: ${TRANSPORT_ENV}=quic is not a transport: use uws (native uWebSockets.js) or ws (the fallback), or leave it unset`,
    ]);
  });
});
