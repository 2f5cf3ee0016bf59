/**
 * Connection and message-rate limits, end to end: real server, real simulator, real WebSocket
 * clients. Refusals are documented HTTP answers or close codes, and never slow down anyone else.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { MessageRateLimiter } from '../../src/server/rate-limit.js';
import { startStack, type Stack } from '../support/stack.js';
import { waitFor, waitForAsync } from '../support/wait.js';
import { connectRecording, type RecordingClient } from '../support/ws-client.js';

type Json = Record<string, unknown>;

/** Opens a WebSocket from a given loopback address (Linux routes all of 127/8 to lo). */
function connectFrom(url: string, localAddress: string): Promise<WebSocket> {
  const socket = new WebSocket(url, { localAddress });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
}

/** The HTTP status and JSON body of an upgrade the server must refuse. */
function refusedUpgrade(url: string, localAddress: string): Promise<{ status: number; body: Json }> {
  const socket = new WebSocket(url, { localAddress });
  return new Promise((resolve, reject) => {
    socket.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Json }));
    });
    socket.on('open', () => reject(new Error('the upgrade was accepted')));
    socket.on('error', () => undefined);
  });
}

function closeSocket(socket: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.readyState === WebSocket.CLOSED) return resolve();
    socket.once('close', () => resolve());
    socket.close();
  });
}

/** Appends a certificate and checks that `client` (unfiltered, domains-only) gets it (how fast is the benchmarks' business). */
async function assertStillServed(stack: Stack, client: RecordingClient, name: string): Promise<void> {
  stack.appendNamed([[name]]);
  await waitFor(`${name} delivered`, () => client.messages.some((m) => JSON.stringify((m as Json).data) === JSON.stringify([name])));
}

async function metricsText(stack: Stack): Promise<string> {
  return (await fetch(`http://${stack.base}/metrics`)).text();
}

describe('connection limits', () => {
  let stack: Stack;
  let healthy: RecordingClient;

  before(async () => {
    stack = await startStack({ seed: 'limits' }, { maxConnections: 6, maxConnectionsPerIp: 3 });
    healthy = await connectRecording(`ws://${stack.base}/domains-only`);
  });

  after(async () => {
    await healthy.close();
    await stack.close();
  });

  it('refuses beyond maxConnectionsPerIp with 429, beyond maxConnections with 503, and accepts again after a close', async () => {
    const url = `ws://${stack.base}/domains-only`;
    const open: WebSocket[] = [];
    try {
      // The healthy client holds one of 127.0.0.1's three.
      open.push(await connectFrom(url, '127.0.0.1'), await connectFrom(url, '127.0.0.1'));
      const perIp = await refusedUpgrade(url, '127.0.0.1');
      assert.equal(perIp.status, 429);
      assert.equal(perIp.body.message_type, 'error');
      assert.equal(perIp.body.code, 'too_many_connections_from_ip');
      assert.equal(typeof perIp.body.message, 'string');

      // Other IPs are not affected by 127.0.0.1's limit, only by the total one.
      open.push(await connectFrom(url, '127.0.0.2'), await connectFrom(url, '127.0.0.2'), await connectFrom(url, '127.0.0.3'));
      const total = await refusedUpgrade(url, '127.0.0.4');
      assert.equal(total.status, 503);
      assert.equal(total.body.message_type, 'error');
      assert.equal(total.body.code, 'too_many_connections');

      // Closing one frees its slot, in the total and for its IP.
      await closeSocket(open.shift()!);
      await waitFor('close seen by the server', () => Object.values(stack.server.connectionCounts()).reduce((a, b) => a + b, 0) === 5);
      open.push(await connectFrom(url, '127.0.0.1'));

      await assertStillServed(stack, healthy, 'served.limits.example');
      const metrics = await metricsText(stack);
      assert.match(metrics, /certstream_refused_connections_total\{code="too_many_connections_from_ip"\} 1/);
      assert.match(metrics, /certstream_refused_connections_total\{code="too_many_connections"\} 1/);
    } finally {
      await Promise.all(open.map(closeSocket));
    }
  });
});

describe('message rate limit', () => {
  let stack: Stack;
  let healthy: RecordingClient;

  before(async () => {
    stack = await startStack({ seed: 'rate-limit' });
    healthy = await connectRecording(`ws://${stack.base}/domains-only`);
  });

  after(async () => {
    await healthy.close();
    await stack.close();
  });

  it('answers rate_limited beyond the burst, then closes a flooder with 4029', async () => {
    const flooder = await connectRecording(`ws://${stack.base}/domains-only`);
    const closed = new Promise<{ code: number; reason: string }>((resolve) => {
      flooder.socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    // Default limits: a burst of 50, 20/s. 60 pings at once overrun the burst.
    for (let i = 0; i < 60; i++) flooder.socket.send(JSON.stringify({ type: 'ping', id: `p${i}` }));
    const replies = (): Json[] => flooder.messages as Json[];
    await waitFor('60 replies', () => replies().length >= 60, 5_000);
    const pongs = replies().filter((m) => m.message_type === 'pong').length;
    const limited = replies().filter((m) => m.code === 'rate_limited');
    assert.ok(pongs >= 50 && pongs < 60, `${pongs} pongs`);
    assert.equal(limited.length, 60 - pongs);
    assert.ok(limited.every((m) => m.message_type === 'error' && typeof m.message === 'string'));

    // Keeps flooding: closed once 500 messages were refused without a pause.
    for (let i = 0; i < 1_000 && flooder.socket.readyState === WebSocket.OPEN; i++) flooder.socket.send('{"type":"ping"}');
    const { code, reason } = await closed;
    assert.equal(code, 4029);
    assert.equal(reason, 'rate limited');

    await assertStillServed(stack, healthy, 'served.rate.example');
    const metrics = await metricsText(stack);
    assert.match(metrics, /certstream_rate_limit_closes_total 1/);
    assert.match(metrics, /certstream_client_errors_total\{code="rate_limited"\} \d+/);
  });

  it('serves a client that paused after being rate limited', async () => {
    const client = await connectRecording(`ws://${stack.base}/domains-only`);
    try {
      for (let i = 0; i < 70; i++) client.socket.send('{"type":"ping"}');
      await waitFor('70 replies', () => client.messages.length >= 70, 5_000);
      assert.ok((client.messages as Json[]).some((m) => m.code === 'rate_limited'));
      // Barrier: ask again until the limiter, refilling with time, lets a ping through (replies come
      // in order, so the first new message answers this ping; a refusal carries no id).
      let before = client.messages.length;
      await waitForAsync('a ping served again', async () => {
        before = client.messages.length;
        client.socket.send('{"type":"ping","id":"after"}');
        await waitFor('a reply', () => client.messages.length > before, 5_000);
        return (client.messages[before] as Json).message_type === 'pong';
      });
      assert.deepEqual(client.messages[before], { message_type: 'pong', id: 'after' });
    } finally {
      await client.close();
    }
  });
});

describe('MessageRateLimiter', () => {
  const options = { perSecond: 20, burst: 50, closeAfter: 500 };

  it('accepts the burst, then the rate, and forgives refusals after a pause', () => {
    const limiter = new MessageRateLimiter(options, 0);
    const verdicts = Array.from({ length: 60 }, () => limiter.take(0));
    assert.equal(verdicts.filter((v) => v === 'accept').length, 50);
    assert.equal(verdicts.filter((v) => v === 'refuse').length, 10);
    assert.equal(limiter.take(50), 'accept', 'one token back after 50 ms at 20/s');
    assert.equal(limiter.take(50), 'refuse');
    // 2.5 s refill the whole burst: the count towards closing starts over.
    for (let i = 0; i < 50; i++) assert.equal(limiter.take(2_600), 'accept');
    for (let i = 0; i < 500; i++) assert.equal(limiter.take(2_600), 'refuse');
    assert.equal(limiter.take(2_600), 'close');
  });

  it('closes a client that stays just above the rate', () => {
    const limiter = new MessageRateLimiter(options, 0);
    // 40 messages per second, forever: half are refused, and the bucket never fills up again.
    let verdict = limiter.take(0);
    let now = 0;
    while (verdict !== 'close' && now < 3_600_000) verdict = limiter.take((now += 25));
    assert.equal(verdict, 'close');
    assert.ok(now > 20_000, `closed after ${now} ms, not at once`);
  });
});
