/**
 * The tiled logs' issuer cache holds only what parses as a certificate, bounded by bytes, and the
 * issuer fetch refuses bodies over MAX_ISSUER_BYTES: a hostile log cannot grow the server's memory.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { httpGet, TransportError } from '../../src/ct/http.js';
import { IssuerCache, MAX_ISSUER_BYTES } from '../../src/ct/issuer-cache.js';
import { sharedFixtures } from '../support/fixtures.js';
import { danadjsEntry } from '../x509/fixture-certs.js';
import { skipWithout } from '../support/requirements.js';

describe('issuer cache', { skip: skipWithout(sharedFixtures) }, () => {
  /** A fetch that counts its calls. */
  function counted(der: Uint8Array): { fetch: () => Promise<Uint8Array>; calls: () => number } {
    let calls = 0;
    return { fetch: () => (calls++, Promise.resolve(der)), calls: () => calls };
  }

  it('keeps parsed issuers within its byte budget, least recently used evicted first', async () => {
    const { leaf, chain } = danadjsEntry();
    const [a, b, c] = [chain[0]!, chain[1]!, leaf];
    // One byte short of holding all three: the third evicts exactly one.
    const cache = new IssuerCache(a.length + b.length + c.length - 1);
    const fa = counted(a);
    assert.equal(await cache.get('a', fa.fetch), a);
    await cache.get('b', counted(b).fetch);
    assert.equal(await cache.get('a', fa.fetch), a);
    assert.equal(fa.calls(), 1, 'a came from the cache');
    await cache.get('c', counted(c).fetch); // b is the least recently used
    const stats = cache.stats();
    assert.equal(stats.bytes, a.length + c.length);
    assert.equal(stats.evictions, 1);
    await cache.get('a', fa.fetch);
    assert.equal(fa.calls(), 1, 'a survived: b went');
  });

  it('hands on an issuer that does not parse without keeping it', async () => {
    const cache = new IssuerCache();
    const garbage = counted(new Uint8Array(40_000).fill(0x41));
    assert.equal((await cache.get('g', garbage.fetch)).length, 40_000);
    await cache.get('g', garbage.fetch);
    assert.equal(garbage.calls(), 2, 'fetched again: it was not cached');
    assert.deepEqual(cache.stats(), { entries: 0, bytes: 0, evictions: 0, unparsable: 2 });
  });

  it('shares one fetch between concurrent callers and forgets a failed one', async () => {
    const { chain } = danadjsEntry();
    const cache = new IssuerCache();
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const fetch = async (): Promise<Uint8Array> => {
      calls++;
      await gate;
      return chain[0]!;
    };
    const both = Promise.all([cache.get('x', fetch), cache.get('x', fetch)]);
    release();
    const [one, two] = await both;
    assert.equal(one, two);
    assert.equal(calls, 1);
    await assert.rejects(cache.get('y', () => Promise.reject(new Error('down'))), /down/);
    assert.equal(await cache.get('y', () => Promise.resolve(chain[0]!)), chain[0]!, 'retried after the failure');
  });
});

describe('issuer fetch size limit', () => {
  let server: Server;
  let base: string;
  before(async () => {
    const big = Buffer.alloc(MAX_ISSUER_BYTES + 1, 1);
    server = createServer((req, res) => {
      if (req.url === '/gzip') res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(Buffer.alloc(64 * 1024 * 1024)));
      else res.writeHead(200).end(req.url === '/big' ? big : big.subarray(0, MAX_ISSUER_BYTES));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('refuses a body over maxBytes, plain or after gunzip', async () => {
    const ok = await httpGet(`${base}/fits`, { timeoutMs: 5_000, maxBytes: MAX_ISSUER_BYTES });
    assert.equal(ok.body.length, MAX_ISSUER_BYTES);
    await assert.rejects(httpGet(`${base}/big`, { timeoutMs: 5_000, maxBytes: MAX_ISSUER_BYTES }), (err: unknown) => err instanceof TransportError && err.reason === 'too_large');
    await assert.rejects(httpGet(`${base}/gzip`, { timeoutMs: 5_000, maxBytes: MAX_ISSUER_BYTES }), (err: unknown) => err instanceof TransportError);
  });
});
