/**
 * Hostile and unusual HTTP clients: pipelined requests that are never read, HEAD, ambiguous framing.
 * Each is contained, and a healthy WebSocket client on the same server keeps getting its
 * certificates within a second. Runs on both transports; where node's HTTP parser answers malformed
 * framing itself, the fallback's own refusals are checked (README "Runtime").
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { loadTransport } from '../../src/server/transport/index.js';
import { startStack, type Stack } from '../support/stack.js';
import { waitFor, waitForAsync } from '../support/wait.js';
import { connectRecording, type RecordingClient } from '../support/ws-client.js';

type Json = Record<string, unknown>;

/** Opens a raw TCP connection to the server. */
function rawConnect(base: string): Promise<Socket> {
  const [host, port] = base.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), host, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Writes raw request bytes and resolves with everything read until the server closes the connection. */
async function exchangeUntilClosed(base: string, raw: string): Promise<string> {
  const socket = await rawConnect(base);
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => undefined);
  socket.write(raw);
  await closed;
  return text;
}

/** Polls /metrics (the server caches it for a moment) until `pattern` matches. */
async function awaitMetric(base: string, pattern: RegExp): Promise<void> {
  await waitForAsync(`${String(pattern)} in /metrics`, async () => pattern.test(await (await fetch(`http://${base}/metrics`)).text()), 5_000);
}

const statusLines = (text: string): string[] => text.match(/^HTTP\/1\.1 \d{3} [^\r]*/gm) ?? [];

describe('abusive and unusual HTTP clients', () => {
  let stack: Stack;
  let healthy: RecordingClient;
  let served = 0;

  async function assertHealthyServed(): Promise<void> {
    const name = `http-healthy${served++}.example`;
    stack.appendNamed([[name]]);
    await waitFor(`${name} to the healthy client`, () => healthy.messages.some((m) => ((m as Json).data as string[] | undefined)?.[0] === name), 1_000);
  }

  before(async () => {
    stack = await startStack({ seed: 'http-abuse' });
    healthy = await connectRecording(`ws://${stack.base}/domains-only`);
    // Fill /latest.json (25 messages) so each answer is tens of kilobytes.
    stack.appendNamed(Array.from({ length: 30 }, (_, i) => [`fill${i}.example`, `www.fill${i}.example`]));
    await waitFor('30 certificates', () => healthy.messages.length >= 30);
  });

  after(async () => {
    await healthy.close();
    await stack.close();
  });

  it('disconnects a client pipelining /latest.json without reading, after what its socket buffers hold', async () => {
    const one = await (await fetch(`http://${stack.base}/latest.json`)).arrayBuffer();
    assert.ok(one.byteLength > 20_000, `a ${one.byteLength}-byte body`);
    const requests = 2_000;
    const attacker = await rawConnect(stack.base);
    attacker.pause();
    attacker.on('error', () => undefined);
    // Listened for now: the server may reset the connection before the attacker reads (the fallback
    // does, and node then emits 'close' without the bytes it had buffered).
    const closed = new Promise<void>((resolve) => attacker.once('close', () => resolve()));
    attacker.write('GET /latest.json HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(requests));
    // While it does not read, the server goes on serving others.
    await assertHealthyServed();
    const latest = (await (await fetch(`http://${stack.base}/latest.json`)).json()) as { messages: Json[] };
    assert.equal(latest.messages.length, 25);

    // When it finally reads, it gets what the kernel buffered, then the end of the connection; had the
    // server queued an answer per request, it would have held 2,000 bodies (tens of megabytes) for it.
    let received = '';
    attacker.on('data', (d: Buffer) => (received += d.toString('latin1')));
    attacker.resume();
    await closed;
    const answered = statusLines(received).length;
    assert.ok(answered < requests / 4, `${answered} of ${requests} pipelined requests were answered`);
    assert.ok(received.length < (requests / 4) * one.byteLength);
    await assertHealthyServed();
    await awaitMetric(stack.base, /^certstream_http_pending_responses 0$/m);
  });

  it('answers HEAD like GET, without a body', async () => {
    for (const path of ['/healthz', '/latest.json', '/example.json', '/metrics', '/', '/web/app.js', '/no-such-page']) {
      const get = await fetch(`http://${stack.base}${path}`);
      const getBody = Buffer.from(await get.arrayBuffer());
      const head = await fetch(`http://${stack.base}${path}`, { method: 'HEAD' });
      assert.equal(head.status, get.status, path);
      assert.equal(head.headers.get('content-type'), get.headers.get('content-type'), path);
      assert.equal(Buffer.from(await head.arrayBuffer()).length, 0, `${path}: no body`);
      // Computed bodies may change between the two requests (a counter), and a 404 names the method.
      if (!['/healthz', '/metrics', '/no-such-page'].includes(path)) assert.equal(Number(head.headers.get('content-length')), getBody.length, path);
    }
    // HEAD leaves a keep-alive connection usable: the next request on it is answered.
    const text = await exchangeUntilClosed(stack.base, 'HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    assert.deepEqual(statusLines(text), ['HTTP/1.1 200 OK', 'HTTP/1.1 404 Not Found']);
  });

  it('refuses ambiguous framing (conflicting Content-Length, Transfer-Encoding) with 400 and closes, so nothing is smuggled behind it', async () => {
    const upgrade = 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';
    const smuggled = 'GET /nope HTTP/1.1\r\nHost: x\r\n\r\n';
    // Each case: [headers, uWS's refusal, the fallback's]. null: refused too, but uWS takes a
    // malformed Content-Length as announcing a body and drops the connection before the answer goes
    // out. node's parser refuses what it catches itself with its own reason (framingProblem never sees it).
    const onNative = loadTransport().name === 'uws';
    const cases = [
      ['Content-Length: 0\r\nContent-Length: 34\r\n', 'conflicting Content-Length headers', 'malformed HTTP request: Duplicate Content-Length'],
      ['Transfer-Encoding: chunked\r\n', 'Transfer-Encoding is not accepted: this server takes no request bodies', 'Transfer-Encoding is not accepted: this server takes no request bodies'],
      ['Content-Length: 0, 34\r\n', null, 'malformed HTTP request: Invalid character in Content-Length'],
      ['Content-Length: -1\r\n', null, 'malformed HTTP request: Invalid character in Content-Length'],
    ] as const;
    for (const [headers, nativeMessage, fallbackMessage] of cases) {
      const message = onNative ? nativeMessage : fallbackMessage;
      for (const path of ['/healthz', '/nope', '/domains-only']) {
        const request = `GET ${path} HTTP/1.1\r\nHost: x\r\n${path === '/domains-only' ? upgrade : ''}${headers}\r\n`;
        const alone = await exchangeUntilClosed(stack.base, request);
        if (message === null) {
          assert.equal(alone, '', `${headers} on ${path}`);
        } else {
          assert.deepEqual(statusLines(alone), ['HTTP/1.1 400 Bad Request'], `${path}: ${alone}`);
          assert.deepEqual(JSON.parse(alone.slice(alone.indexOf('\r\n\r\n') + 4)), { error: 'bad_request', message });
        }
        // With a request pipelined behind it, the connection is closed and that request never answered.
        const followed = await exchangeUntilClosed(stack.base, request + smuggled);
        assert.ok(!followed.includes('404'), `${path}: ${followed}`);
      }
    }
    // Repeated identical values are one length (RFC 9110), not a conflict; node's parser refuses them all the same.
    const same = await exchangeUntilClosed(stack.base, 'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    assert.deepEqual(statusLines(same), [onNative ? 'HTTP/1.1 200 OK' : 'HTTP/1.1 400 Bad Request']);
    // Counted are the refusals of framingProblem: on the fallback, Transfer-Encoding alone reaches it.
    await awaitMetric(stack.base, new RegExp(`^certstream_http_bad_framing_total ${onNative ? 24 : 6}$`, 'm'));
    await assertHealthyServed();
  });
});
