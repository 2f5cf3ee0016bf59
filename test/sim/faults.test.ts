import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { decodeDataTile, decodeExtraData, decodeMerkleTreeLeaf } from '../../src/ct/leaf.js';
import { DecodeError } from '../../src/ct/tls.js';
import { FaultState } from '../../src/sim/faults.js';
import { createRng } from '../../src/sim/rng.js';
import type { SimLog } from '../../src/sim/sim-log.js';
import { startSimulator, type Simulator } from '../../src/sim/simulator.js';
import { getJson, httpRequest } from './http-client.js';
import { waitFor } from '../support/wait.js';

interface Entries {
  entries: { leaf_input: string; extra_data: string }[];
}

const b64 = (s: string): Buffer => Buffer.from(s, 'base64');

void describe('simulator: fault injection', () => {
  let sim: Simulator;
  let rfc: SimLog;
  let tiled: SimLog;
  let sth: string;
  let entries: (start: number, end: number) => string;

  before(async () => {
    sim = await startSimulator({ rfc6962Logs: 2, tiledLogs: 1, batchLimit: 100, seed: 'fault-test' });
    sim.append(300);
    rfc = sim.logs[0]!;
    tiled = sim.logs.find((l) => l.api === 'static-ct')!;
    sth = `${rfc.urls.url}ct/v1/get-sth`;
    entries = (start, end) => `${rfc.urls.url}ct/v1/get-entries?start=${start}&end=${end}`;
  });
  beforeEach(() => sim.clearFaults());
  after(async () => {
    await sim.close();
  });

  void it('answers a burst of HTTP 500s, then recovers', async () => {
    sim.setFaults(rfc.slug, { serverError: { count: 2 } });
    assert.equal((await httpRequest(sth)).status, 500);
    assert.equal((await httpRequest(sth)).status, 500);
    assert.equal((await httpRequest(sth)).status, 200);
    sim.setFaults(rfc.slug, { serverError: { count: 1, status: 503 } });
    assert.equal((await httpRequest(sth)).status, 503);
  });

  void it('limits faults to the given endpoints and logs', async () => {
    sim.setFaults(rfc.slug, { serverError: { endpoints: ['get-entries'] } });
    assert.equal((await httpRequest(sth)).status, 200);
    assert.equal((await httpRequest(entries(0, 5))).status, 500);
    assert.equal((await httpRequest(`${sim.logs[1]!.urls.url}ct/v1/get-entries?start=0&end=5`)).status, 200, 'other logs unaffected');
  });

  void it('rate-limits with 429, with or without Retry-After', async () => {
    sim.setFaults(rfc.slug, { rateLimit: { count: 1, retryAfterSeconds: 7 } });
    const limited = await httpRequest(entries(0, 5));
    assert.equal(limited.status, 429);
    assert.equal(limited.headers['retry-after'], '7');
    sim.setFaults(rfc.slug, { rateLimit: { count: 1 } });
    const bare = await httpRequest(entries(0, 5));
    assert.equal(bare.status, 429);
    assert.equal(bare.headers['retry-after'], undefined, 'DigiCert-style 429 without Retry-After');
  });

  void it('follows probabilities', async () => {
    sim.setFaults(rfc.slug, { serverError: { probability: 1 } });
    assert.equal((await httpRequest(sth)).status, 500);
    sim.setFaults(rfc.slug, { serverError: { probability: 0 } });
    assert.equal((await httpRequest(sth)).status, 200);
    const state = new FaultState({ serverError: { probability: 0.3 } });
    const rng = createRng(1);
    let fired = 0;
    for (let i = 0; i < 1000; i++) if (state.forRequest('get-sth', rng).action) fired++;
    assert.ok(fired > 230 && fired < 370, `${fired}/1000 at p=0.3`);
  });

  void it('delays answers', async () => {
    sim.setFaults(rfc.slug, { delay: { ms: 250 } });
    const t0 = Date.now();
    assert.equal((await httpRequest(sth)).status, 200);
    assert.ok(Date.now() - t0 >= 240);
  });

  void it('resets connections', async () => {
    sim.setFaults(rfc.slug, { reset: { count: 1 } });
    await assert.rejects(httpRequest(sth), (err: NodeJS.ErrnoException) => err.code === 'ECONNRESET');
    assert.equal((await httpRequest(sth)).status, 200);
  });

  void it('hangs until the client gives up, and still closes cleanly', async () => {
    sim.setFaults(tiled.slug, { hang: { endpoints: ['checkpoint'] } });
    await assert.rejects(httpRequest(`${tiled.urls.monitoringUrl}checkpoint`, { timeoutMs: 300 }), /client timeout/);
    // a hanging request in flight must not keep close() waiting
    const other = await startSimulator({ rfc6962Logs: 1, tiledLogs: 0, factory: sim.factory });
    other.setFaults('*', { hang: { count: 1 } });
    const pending = httpRequest(`${other.logs[0]!.urls.url}ct/v1/get-sth`).catch((err: unknown) => err);
    // The one counted hang is used up once the request is at the server and hanging.
    await waitFor('the request to hang', () => (other.logs[0]!.faults.describe().hang as { exhausted?: boolean }).exhausted === true);
    await other.close();
    assert.ok((await pending) instanceof Error);
  });

  void it('truncates JSON and tiles', async () => {
    sim.setFaults('*', { truncate: { count: 1 } });
    const res = await httpRequest(entries(0, 9));
    assert.equal(res.status, 200);
    assert.equal(Number(res.headers['content-length']), res.raw.length);
    assert.throws(() => JSON.parse(res.text) as unknown, SyntaxError);
    const tile = await httpRequest(`${tiled.urls.monitoringUrl}tile/data/000`);
    assert.equal(tile.status, 200);
    assert.throws(() => decodeDataTile(tile.body), DecodeError);
  });

  void it('serves short batches', async () => {
    sim.setFaults(rfc.slug, { shortBatch: { maxEntries: 5, count: 1 } });
    assert.equal((await getJson<Entries>(entries(0, 99))).entries.length, 5);
    assert.equal((await getJson<Entries>(entries(0, 99))).entries.length, 100);
  });

  void it('corrupts single entries in get-entries', async () => {
    sim.setFaults(rfc.slug, {
      entries: [
        { index: 1, fault: 'garbage-base64' },
        { index: 2, fault: 'bad-entry-type' },
        { index: 3, fault: 'truncated-leaf' },
        { index: 4, fault: 'bad-cert' },
        { index: 5, fault: 'bad-leaf-type' },
      ],
    });
    const page = await getJson<Entries>(entries(0, 6));
    assert.equal(page.entries.length, 7);
    const items = page.entries;
    assert.doesNotThrow(() => decodeMerkleTreeLeaf(b64(items[0]!.leaf_input)));
    assert.doesNotMatch(items[1]!.leaf_input, /^[A-Za-z0-9+/]*={0,2}$/, 'not valid base64');
    assert.throws(() => decodeMerkleTreeLeaf(b64(items[2]!.leaf_input)), (e: DecodeError) => e.reason === 'entry_type');
    assert.throws(() => decodeMerkleTreeLeaf(b64(items[3]!.leaf_input)), (e: DecodeError) => e.reason === 'truncated');
    assert.throws(() => decodeMerkleTreeLeaf(b64(items[5]!.leaf_input)), (e: DecodeError) => e.reason === 'leaf_type');
    // bad-cert: the TLS structure is fine, the certificate inside is not DER
    const leaf = decodeMerkleTreeLeaf(b64(items[4]!.leaf_input));
    const extra = decodeExtraData(leaf.kind, b64(items[4]!.extra_data));
    const der = leaf.kind === 'precert' ? extra.preCertificate! : leaf.signedEntry;
    assert.throws(() => new X509Certificate(der));
    assert.doesNotThrow(() => decodeMerkleTreeLeaf(b64(items[6]!.leaf_input)));
    // what the log holds is unaffected
    assert.doesNotThrow(() => new X509Certificate(rfc.entryAt(4).leafDer));
  });

  void it('corrupts entries in data tiles', async () => {
    sim.setFaults(tiled.slug, { entries: [{ index: 10, fault: 'bad-entry-type' }] });
    const tile = await httpRequest(`${tiled.urls.monitoringUrl}tile/data/000`, { headers: { 'accept-encoding': 'gzip' } });
    assert.throws(() => decodeDataTile(tile.body), (e: DecodeError) => e.reason === 'entry_type' && /record 10/.test(e.message));
    sim.setFaults(tiled.slug, { entries: [{ index: 3, fault: 'bad-cert' }] });
    const leaves = decodeDataTile((await httpRequest(`${tiled.urls.monitoringUrl}tile/data/000`)).body);
    const broken = leaves[3]!;
    assert.throws(() => new X509Certificate(broken.preCertificate ?? broken.entry.signedEntry));
    sim.clearFaults();
    assert.equal(decodeDataTile((await httpRequest(`${tiled.urls.monitoringUrl}tile/data/000`, { headers: { 'accept-encoding': 'gzip' } })).body).length, 256);
  });

  void it('is configured over POST /admin/faults with validated JSON', async () => {
    const post = (body: string): Promise<{ status: number; text: string }> =>
      httpRequest(`${sim.url}admin/faults`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    const ok = await post(JSON.stringify({ log: rfc.slug, faults: { serverError: { count: 1 }, rateLimit: { probability: 0 } } }));
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await httpRequest(sth)).status, 500);
    assert.equal((await httpRequest(sth)).status, 200);
    const listed = await getJson<Record<string, { serverError?: { exhausted?: boolean } }>>(`${sim.url}admin/faults`);
    assert.equal(listed[rfc.slug]?.serverError?.exhausted, true);

    assert.equal((await post('{not json')).status, 400);
    assert.equal((await post(JSON.stringify({ log: rfc.slug, faults: { explode: true } }))).status, 400);
    assert.equal((await post(JSON.stringify({ log: rfc.slug, faults: { serverError: { count: -1 } } }))).status, 400);
    assert.equal((await post(JSON.stringify({ log: rfc.slug, faults: { entries: [{ index: 1, fault: 'nope' }] } }))).status, 400);
    assert.equal((await post(JSON.stringify({ log: 'no-such-log', faults: {} }))).status, 404);
    assert.equal((await post('x'.repeat(2 * 1024 * 1024))).status, 413);
    assert.equal((await post(JSON.stringify({ log: '*', faults: {} }))).status, 200);
    assert.equal((await httpRequest(`${sim.url}admin/faults`, { method: 'DELETE' })).status, 405);

    const appended = await httpRequest(`${sim.url}admin/append`, { method: 'POST', body: JSON.stringify({ log: rfc.slug, count: 3 }) });
    assert.equal(appended.status, 200, appended.text);
    assert.equal(rfc.publishedSize, 303);
    assert.equal((await getJson<{ tree_size: number }>(sth)).tree_size, 303);
    assert.ok(Array.isArray(await getJson<unknown[]>(`${sim.url}admin/logs`)));

    // Each entry's own timestamp, as its MerkleTreeLeaf carries it.
    const stamps = await getJson<{ timestamps: number[] }>(`${sim.url}admin/timestamps?log=${rfc.slug}&start=300&end=303`);
    const leaves = await getJson<{ entries: { leaf_input: string }[] }>(`${rfc.urls.url}ct/v1/get-entries?start=300&end=302`);
    assert.deepEqual(stamps.timestamps, leaves.entries.map((e) => decodeMerkleTreeLeaf(Buffer.from(e.leaf_input, 'base64')).timestamp));
    assert.equal((await httpRequest(`${sim.url}admin/timestamps?log=no-such-log`)).status, 404);
    assert.equal((await httpRequest(`${sim.url}admin/timestamps?log=${rfc.slug}&start=5&end=2`)).status, 400);
    assert.equal((await httpRequest(`${sim.url}admin/timestamps?log=${rfc.slug}&start=x`)).status, 400);
  });

  void it('is not crashed by bad input', async () => {
    const mon = tiled.urls.monitoringUrl;
    const probes = [
      `${rfc.urls.url}ct/v1/get-entries?start=0&end=99999999999999999`,
      `${rfc.urls.url}ct/v1/get-entries?start=0&end=${'9'.repeat(400)}`,
      `${mon}tile/data/x999/x999/x999/x999/x999/999`,
      `${mon}tile/0/x001/000.p/255`,
      `${mon}tile/../../etc/passwd`,
      `${sim.url}admin/nothing`,
      `${sim.url}logs/${rfc.slug}/`,
      `${sim.url}monitor/${rfc.slug}/checkpoint`,
    ];
    for (const url of probes) {
      const res = await httpRequest(url);
      assert.ok(res.status >= 400 && res.status < 500, `${url}: ${res.status}`);
    }
    assert.equal((await httpRequest(sth)).status, 200, 'still serving');
  });
});
