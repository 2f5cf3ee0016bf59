/** The CT HTTP client against a real local HTTP server: bodies, gzip, limits, deadlines, keep-alive. */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { httpGet, TransportError, USER_AGENT } from '../../src/ct/http.js';

describe('CT HTTP client', () => {
  let server: Server;
  let base: string;
  const seen: { path: string; userAgent: string | undefined; accept: string | undefined; socket: number }[] = [];
  const sockets = new WeakMap<object, number>();

  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    '/plain': (_req, res) => res.end('hello'),
    '/gzip': (_req, res) => {
      res.setHeader('content-encoding', 'gzip');
      res.end(gzipSync('x'.repeat(5_000)));
    },
    '/bad-gzip': (_req, res) => {
      res.setHeader('content-encoding', 'gzip');
      res.end('not gzip');
    },
    '/big': (_req, res) => res.end(Buffer.alloc(10_000)),
    '/hang': () => {},
    '/reset': (req) => req.socket.destroy(),
    '/status': (_req, res) => {
      res.statusCode = 429;
      res.setHeader('retry-after', '7');
      res.end('slow down');
    },
  };

  before(async () => {
    server = createServer((req, res) => {
      if (!sockets.has(req.socket)) sockets.set(req.socket, seen.length);
      seen.push({ path: req.url!, userAgent: req.headers['user-agent'], accept: req.headers.accept, socket: sockets.get(req.socket)! });
      routes[req.url!]!(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('gets a body with our User-Agent and Accept, over one kept-alive connection', async () => {
    const first = await httpGet(`${base}/plain`, { timeoutMs: 5_000, accept: 'application/json' });
    const second = await httpGet(`${base}/plain`, { timeoutMs: 5_000 });
    assert.equal(first.status, 200);
    assert.equal(first.body.toString(), 'hello');
    assert.equal(second.body.toString(), 'hello');
    const [a, b] = seen.filter((s) => s.path === '/plain');
    assert.equal(a!.userAgent, USER_AGENT);
    assert.equal(a!.accept, 'application/json');
    assert.equal(a!.socket, b!.socket, 'the second request reused the connection');
  });

  it('decodes gzip bodies and refuses a bad one as bad_encoding', async () => {
    assert.equal((await httpGet(`${base}/gzip`, { timeoutMs: 5_000 })).body.toString(), 'x'.repeat(5_000));
    await assert.rejects(httpGet(`${base}/bad-gzip`, { timeoutMs: 5_000 }), (err) => err instanceof TransportError && err.reason === 'bad_encoding');
  });

  it('refuses bodies over the limit, compressed or not, as too_large', async () => {
    await assert.rejects(httpGet(`${base}/big`, { timeoutMs: 5_000, maxBytes: 4_096 }), (err) => err instanceof TransportError && err.reason === 'too_large');
    await assert.rejects(httpGet(`${base}/gzip`, { timeoutMs: 5_000, maxBytes: 4_096 }), (err) => err instanceof TransportError && err.reason === 'too_large');
  });

  it('gives up at the deadline (timeout), on a reset (network), and passes statuses and headers on', async () => {
    await assert.rejects(httpGet(`${base}/hang`, { timeoutMs: 200 }), (err) => err instanceof TransportError && err.reason === 'timeout');
    await assert.rejects(httpGet(`${base}/reset`, { timeoutMs: 5_000 }), (err) => err instanceof TransportError && err.reason === 'network');
    await assert.rejects(httpGet('http://127.0.0.1:1/', { timeoutMs: 5_000 }), (err) => err instanceof TransportError && err.reason === 'network');
    const slow = await httpGet(`${base}/status`, { timeoutMs: 5_000 });
    assert.equal(slow.status, 429);
    assert.equal(slow.headers['retry-after'], '7');
  });

  it("stops at once when the caller aborts, with the caller's reason", async () => {
    const controller = new AbortController();
    const pending = httpGet(`${base}/hang`, { timeoutMs: 60_000, signal: controller.signal });
    controller.abort(new Error('stopping'));
    await assert.rejects(pending, (err) => !(err instanceof TransportError));
  });
});
