import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decodeRfc6962Entry } from '../../src/ct/leaf.js';
import { selectLogs } from '../../src/ct/log-list.js';
import { leafHash, MerkleTree } from '../../src/ct/merkle.js';
import { getEntriesRange } from '../../src/sim/rfc6962-api.js';
import { startSimulator, type Simulator } from '../../src/sim/simulator.js';
import { getJson, httpRequest } from './http-client.js';
import { waitFor } from '../support/wait.js';

interface LogListV3 {
  version: string;
  log_list_timestamp: string;
  operators: {
    name: string;
    email: string[];
    logs: { description: string; log_id: string; key: string; url: string; mmd: number; state: { usable: { timestamp: string } } }[];
    tiled_logs: { description: string; log_id: string; key: string; submission_url: string; monitoring_url: string; mmd: number }[];
  }[];
}

interface Sth {
  tree_size: number;
  timestamp: number;
  sha256_root_hash: string;
  tree_head_signature: string;
}

interface Entries {
  entries: { leaf_input: string; extra_data: string }[];
}

const b64 = (s: string): Buffer => Buffer.from(s, 'base64');

/** Verifies an STH exactly as RFC 6962 §3.5 says, with node:crypto only. */
function verifySth(sth: Sth, keyB64: string): boolean {
  const signed = Buffer.alloc(50);
  signed.writeUInt8(0, 0); // v1
  signed.writeUInt8(1, 1); // tree_hash
  signed.writeBigUInt64BE(BigInt(sth.timestamp), 2);
  signed.writeBigUInt64BE(BigInt(sth.tree_size), 10);
  b64(sth.sha256_root_hash).copy(signed, 18);
  const ds = b64(sth.tree_head_signature);
  assert.equal(ds[0], 4, 'hash sha256');
  assert.equal(ds[1], 3, 'signature ecdsa');
  const sigLength = ds.readUInt16BE(2);
  assert.equal(ds.length, 4 + sigLength);
  const key = createPublicKey({ key: b64(keyB64), format: 'der', type: 'spki' });
  return verify('sha256', signed, key, ds.subarray(4));
}

void describe('simulator: log list and RFC 6962 logs', () => {
  let sim: Simulator;
  let list: LogListV3;

  before(async () => {
    sim = await startSimulator({ rfc6962Logs: 3, tiledLogs: 2, seed: 'rfc6962-test' });
    list = await getJson<LogListV3>(sim.logListUrl);
  });
  after(async () => {
    await sim.close();
  });

  void it('serves a valid v3 log list naming every log', () => {
    const followed = selectLogs(list);
    assert.equal(followed.length, 5);
    assert.equal(followed.filter((l) => l.api === 'rfc6962').length, 3);
    assert.equal(followed.filter((l) => l.api === 'static-ct').length, 2);
    assert.match(list.log_list_timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    for (const op of list.operators) {
      assert.ok(op.email.length > 0);
      for (const log of [...op.logs, ...op.tiled_logs]) {
        assert.equal(log.log_id, createHash('sha256').update(b64(log.key)).digest('base64'), 'log_id = SHA-256(key)');
        assert.equal(createPublicKey({ key: b64(log.key), format: 'der', type: 'spki' }).asymmetricKeyDetails?.namedCurve, 'prime256v1');
      }
      for (const log of op.logs) {
        assert.match(log.url, /^http:\/\/127\.0\.0\.1:\d+\/logs\/[a-z0-9]+\/$/);
        assert.equal(log.mmd, 86400);
        assert.ok(log.state.usable.timestamp);
      }
      for (const log of op.tiled_logs) {
        assert.match(log.submission_url, /\/submit\/[a-z0-9]+\/$/);
        assert.match(log.monitoring_url, /\/monitor\/[a-z0-9]+\/$/);
        assert.equal(log.mmd, 60);
      }
    }
  });

  void it('signs STHs that verify with the key from its own log list, over the real Merkle root', async () => {
    sim.append(70);
    for (const op of list.operators) {
      for (const log of op.logs) {
        const sth = await getJson<Sth>(`${log.url}ct/v1/get-sth`);
        assert.equal(sth.tree_size, 70);
        assert.ok(verifySth(sth, log.key), `STH of ${log.description} verifies`);
        // Recompute the root from the entries the log serves.
        const tree = new MerkleTree();
        for (let start = 0; start < sth.tree_size; ) {
          const page = await getJson<Entries>(`${log.url}ct/v1/get-entries?start=${start}&end=${sth.tree_size - 1}`);
          for (const e of page.entries) tree.append(leafHash(b64(e.leaf_input)));
          start += page.entries.length;
        }
        assert.equal(Buffer.from(tree.root()).toString('base64'), sth.sha256_root_hash);
      }
    }
  });

  void it('serves entries that decode to exactly what the log holds', async () => {
    const log = sim.logs.find((l) => l.api === 'rfc6962')!;
    const page = await getJson<Entries>(`${log.urls.url}ct/v1/get-entries?start=0&end=9`);
    assert.ok(page.entries.length > 0);
    let precerts = 0;
    for (const [i, item] of page.entries.entries()) {
      const decoded = decodeRfc6962Entry(i, b64(item.leaf_input), b64(item.extra_data));
      const held = log.entryAt(i);
      assert.equal(decoded.kind, held.kind);
      assert.equal(decoded.timestamp, held.timestamp);
      assert.deepEqual(Buffer.from(decoded.leafDer), Buffer.from(held.leafDer));
      assert.deepEqual(decoded.chainDers.map((d) => Buffer.from(d)), held.chainDers.map((d) => Buffer.from(d)));
      if (decoded.kind === 'precert') precerts++;
    }
    assert.ok(precerts > 0);
  });

  void it('truncates get-entries to the batch limit of each log family', async () => {
    sim.append(600 - 70);
    const [argon, oak, nimbus] = sim.logs.filter((l) => l.api === 'rfc6962');
    assert.ok(argon && oak && nimbus);
    assert.equal(argon.config.batchLimit, 32);
    assert.equal(oak.config.batchLimit, 256);
    assert.equal(oak.config.alignGetEntries, true);
    assert.equal(nimbus.config.batchLimit, 1000);
    const count = async (url: string): Promise<number> => (await getJson<Entries>(url)).entries.length;
    assert.equal(await count(`${argon.urls.url}ct/v1/get-entries?start=0&end=99`), 32);
    assert.equal(await count(`${argon.urls.url}ct/v1/get-entries?start=5&end=99`), 32, 'plain truncation from any start');
    // Oak-style coercion: a maximal request from an unaligned start stops at the next multiple of 256.
    assert.equal(await count(`${oak.urls.url}ct/v1/get-entries?start=10&end=1000`), 246);
    assert.equal(await count(`${oak.urls.url}ct/v1/get-entries?start=256&end=1000`), 256);
    assert.equal(await count(`${oak.urls.url}ct/v1/get-entries?start=10&end=20`), 11, 'small requests are not coerced');
    // end beyond the tree is clipped to tree_size - 1.
    assert.equal(await count(`${nimbus.urls.url}ct/v1/get-entries?start=0&end=5000`), 600);
    assert.equal(await count(`${nimbus.urls.url}ct/v1/get-entries?start=599&end=599`), 1);
  });

  void it('computes coerced ranges like ct-go', () => {
    assert.deepEqual(getEntriesRange(10, 1000, 256, true), { start: 10, end: 255 });
    assert.deepEqual(getEntriesRange(0, 1000, 256, true), { start: 0, end: 255 });
    assert.deepEqual(getEntriesRange(300, 555, 256, true), { start: 300, end: 511 });
    assert.deepEqual(getEntriesRange(10, 1000, 256, false), { start: 10, end: 265 });
  });

  void it('answers 400 to bad ranges', async () => {
    const url = sim.logs[0]!.urls.url;
    for (const query of ['start=5&end=4', 'start=-1&end=4', 'start=abc&end=4', 'end=4', 'start=600&end=700', 'start=1e3&end=2000']) {
      const res = await httpRequest(`${url}ct/v1/get-entries?${query}`);
      assert.equal(res.status, 400, query);
      assert.match(String(res.headers['content-type']), /^text\/plain/);
    }
  });

  void it('serves get-roots with the accepted roots', async () => {
    const roots = await getJson<{ certificates: string[] }>(`${sim.logs[0]!.urls.url}ct/v1/get-roots`);
    const fingerprints = new Set(roots.certificates.map((c) => createHash('sha256').update(b64(c)).digest('hex')));
    for (const root of sim.factory.pki.roots) assert.ok(fingerprints.has(Buffer.from(root.fingerprint).toString('hex')));
  });

  void it('lags like a real log: appended entries stay invisible until the next STH', async () => {
    const log = sim.logs[0]!;
    const before = log.publishedSize;
    log.append(sim.factory.precertificate({ dnsNames: ['login.paypal.example'] }), Date.now());
    assert.equal(log.size, before + 1);
    assert.equal((await getJson<Sth>(`${log.urls.url}ct/v1/get-sth`)).tree_size, before);
    assert.equal((await httpRequest(`${log.urls.url}ct/v1/get-entries?start=${before}&end=${before}`)).status, 400);
    sim.publish();
    const sth = await getJson<Sth>(`${log.urls.url}ct/v1/get-sth`);
    assert.equal(sth.tree_size, before + 1);
    const page = await getJson<Entries>(`${log.urls.url}ct/v1/get-entries?start=${before}&end=${before}`);
    const entry = decodeRfc6962Entry(before, b64(page.entries[0]!.leaf_input), b64(page.entries[0]!.extra_data));
    assert.deepEqual(Buffer.from(entry.leafDer), Buffer.from(log.entryAt(before).leafDer));
  });

  void it('logs certificates with forced names, with timestamps no later than the STH', async () => {
    const log = sim.logs[1]!;
    const cert = sim.factory.precertificate({ dnsNames: ['login.paypal.example', 'www.login.paypal.example'] });
    const index = log.size;
    sim.appendCertificates(log.slug, [cert]);
    const sth = await getJson<Sth>(`${log.urls.url}ct/v1/get-sth`);
    assert.equal(sth.tree_size, index + 1);
    const page = await getJson<Entries>(`${log.urls.url}ct/v1/get-entries?start=${index}&end=${index}`);
    const entry = decodeRfc6962Entry(index, b64(page.entries[0]!.leaf_input), b64(page.entries[0]!.extra_data));
    assert.equal(entry.kind, 'precert');
    assert.deepEqual(Buffer.from(entry.leafDer), Buffer.from(cert.der));
    for (let i = 1; i <= index; i++) assert.ok(log.timestampAt(i) >= log.timestampAt(i - 1));
    assert.ok(log.timestampAt(index) <= sth.timestamp);
  });

  void it('answers 404 to unknown paths and 405 to writes', async () => {
    const url = sim.logs[0]!.urls.url;
    assert.equal((await httpRequest(`${url}ct/v1/get-nothing`)).status, 404);
    assert.equal((await httpRequest(`${sim.url}logs/nope/ct/v1/get-sth`)).status, 404);
    assert.equal((await httpRequest(`${sim.url}%%%`)).status, 404);
    assert.equal((await httpRequest(`${url}ct/v1/get-sth`, { method: 'POST', body: '{}' })).status, 405);
    // a static-ct log's submission prefix has get-roots but no read API
    const tiled = sim.logs.find((l) => l.api === 'static-ct')!;
    assert.equal((await httpRequest(`${tiled.urls.url}ct/v1/get-roots`)).status, 200);
    assert.equal((await httpRequest(`${tiled.urls.url}ct/v1/get-sth`)).status, 404);
  });
});

void describe('simulator: timed growth', () => {
  void it('grows at the configured rate and publishes tree heads on their interval', async () => {
    // The growth timer reads this clock: the test steps it, so counts are exact, not a time window.
    let clock = Date.now();
    const sim = await startSimulator({ rfc6962Logs: 2, tiledLogs: 1, rate: 300, sthIntervalMs: 200, checkpointIntervalMs: 200, seed: 'growth', now: () => clock });
    const sizes = (): number[] => sim.logs.map((l) => l.size);
    /** After `seconds` of growth each of the 3 equally weighted logs holds 100/s, give or take its carried fraction. */
    const assertGrown = (seconds: number): void => {
      const [first, ...rest] = sizes();
      assert.ok(rest.every((n) => n === first), `equal shares: ${sizes().join(', ')}`);
      assert.ok(Math.abs(first! - 100 * seconds) < 1, `${first} entries per log after ${seconds} s at 100/s`);
    };
    try {
      assert.deepEqual(sizes(), sim.logs.map(() => 0), 'a frozen clock grows nothing');
      clock += 1000;
      await waitFor('the next growth tick', () => sim.growth.appended > 0);
      assertGrown(1);
      assert.equal(sim.growth.dropped, 0);
      for (const log of sim.logs) assert.equal(log.publishedSize, log.size, `${log.slug} published at once (its interval had passed)`);

      // 100 ms later: entries are added, but the 200 ms interval holds the tree heads back.
      const published = sim.logs.map((l) => l.publishedSize);
      const grown = sim.growth.appended;
      clock += 100;
      await waitFor('growth after 100 ms', () => sim.growth.appended > grown);
      assertGrown(1.1);
      assert.deepEqual(sim.logs.map((l) => l.publishedSize), published, 'no tree head before the interval');

      clock += 100;
      await waitFor('the tree heads due after 200 ms', () => sim.logs.every((l) => l.publishedSize === l.size));
      assertGrown(1.2);
    } finally {
      await sim.close();
    }
  });
});
