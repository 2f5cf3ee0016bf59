import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { verifyCheckpoint } from '../../src/ct/checkpoint.js';
import { decodeDataTile, encodeMerkleTreeLeaf, readLeafIndexExtension } from '../../src/ct/leaf.js';
import { leafHash, MerkleTree } from '../../src/ct/merkle.js';
import type { SimLog } from '../../src/sim/sim-log.js';
import { startSimulator, type Simulator } from '../../src/sim/simulator.js';
import { httpRequest } from './http-client.js';

const GZIP = { 'accept-encoding': 'gzip, identity' };

/** Verifies the log's RFC 6962 note signature with node:crypto only (static-ct-api §checkpoints). */
function verifyNoteSignature(note: string, origin: string, spkiDer: Uint8Array): { size: number; root: Buffer } {
  const [text, sigs] = note.split('\n\n') as [string, string];
  const [noteOrigin, sizeText, rootText] = text.split('\n') as [string, string, string];
  assert.equal(noteOrigin, origin);
  const logId = createHash('sha256').update(spkiDer).digest();
  const keyId = createHash('sha256').update(origin).update(Buffer.from([0x0a, 0x05])).update(logId).digest().subarray(0, 4);
  const line = sigs.split('\n').find((l) => l.startsWith(`\u2014 ${origin} `));
  assert.ok(line, 'signature line by the log');
  const blob = Buffer.from(line.slice(`\u2014 ${origin} `.length), 'base64');
  assert.deepEqual(blob.subarray(0, 4), keyId);
  const timestamp = blob.readBigUInt64BE(4);
  const ds = blob.subarray(12);
  assert.equal(ds[0], 4);
  assert.equal(ds[1], 3);
  const signed = Buffer.alloc(50);
  signed.writeUInt8(0, 0);
  signed.writeUInt8(1, 1);
  signed.writeBigUInt64BE(timestamp, 2);
  signed.writeBigUInt64BE(BigInt(sizeText), 10);
  Buffer.from(rootText, 'base64').copy(signed, 18);
  const key = createPublicKey({ key: Buffer.from(spkiDer), format: 'der', type: 'spki' });
  assert.ok(verify('sha256', signed, key, ds.subarray(4, 4 + ds.readUInt16BE(2))), 'checkpoint signature verifies');
  return { size: Number(sizeText), root: Buffer.from(rootText, 'base64') };
}

function tiledLog(sim: Simulator): SimLog {
  return sim.logs.find((l) => l.api === 'static-ct')!;
}

void describe('simulator: static-ct-api logs', () => {
  let sim: Simulator;
  let log: SimLog;
  let mon: string;

  before(async () => {
    sim = await startSimulator({ rfc6962Logs: 1, tiledLogs: 1, seed: 'static-ct-test' });
    log = tiledLog(sim);
    mon = log.urls.monitoringUrl;
    sim.append(300);
  });
  after(async () => {
    await sim.close();
  });

  void it('serves a checkpoint in signed-note format that verifies with the log-list key', async () => {
    const res = await httpRequest(`${mon}checkpoint`);
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
    const note = res.text;
    assert.match(note, /^127\.0\.0\.1:\d+\/submit\/[a-z0-9]+\n300\n[A-Za-z0-9+/]{43}=\n\n(\u2014 \S+ [A-Za-z0-9+/=]+\n)+$/);
    assert.ok(note.includes('\u2014 grease.invalid '), 'GREASE signature line like Sunlight');
    const { size, root } = verifyNoteSignature(note, log.urls.origin, log.spkiDer);
    assert.equal(size, 300);
    assert.deepEqual(root, Buffer.from(log.tree.root()));
    // The project's own verifier agrees (and skips the GREASE line).
    assert.equal(verifyCheckpoint(note, log.urls.origin, log.spkiDer).treeSize, 300);
  });

  void it('writes GREASE lines every signed-note parser accepts (key ID + at least one byte)', () => {
    for (let i = 0; i < 200; i++) {
      const note = log.publish(Date.now() + i).checkpoint!;
      const grease = note.split('\n').find((l) => l.startsWith('\u2014 grease.invalid '))!;
      assert.ok(Buffer.from(grease.split(' ')[2]!, 'base64').length >= 5);
      assert.equal(verifyCheckpoint(note, log.urls.origin, log.spkiDer).treeSize, 300);
    }
  });

  void it('serves full data tiles whose leaves match the level-0 tile and carry leaf_index', async () => {
    const res = await httpRequest(`${mon}tile/data/000`, { headers: GZIP });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-encoding'], 'gzip');
    const leaves = decodeDataTile(res.body);
    assert.equal(leaves.length, 256);
    const hashes = await httpRequest(`${mon}tile/0/000`);
    assert.equal(hashes.body.length, 256 * 32);
    for (const [i, leaf] of leaves.entries()) {
      assert.equal(readLeafIndexExtension(leaf.entry.extensions), i);
      const hash = leafHash(encodeMerkleTreeLeaf(leaf.entry));
      assert.deepEqual(hash, hashes.body.subarray(i * 32, i * 32 + 32), `leaf ${i} hash`);
      const held = log.entryAt(i);
      assert.equal(leaf.entry.kind, held.kind);
      assert.deepEqual(Buffer.from(leaf.preCertificate ?? leaf.entry.signedEntry), Buffer.from(held.leafDer));
      assert.deepEqual(leaf.chainFingerprints.map((f) => Buffer.from(f).toString('hex')), held.chainDers.map((d) => createHash('sha256').update(d).digest('hex')));
    }
  });

  void it('serves partial tiles only at checkpointed widths, and no tile beyond the checkpoint', async () => {
    const partial = await httpRequest(`${mon}tile/data/001.p/44`, { headers: GZIP });
    assert.equal(partial.status, 200);
    assert.equal(decodeDataTile(partial.body).length, 44);
    assert.equal((await httpRequest(`${mon}tile/0/001.p/44`)).body.length, 44 * 32);
    assert.equal((await httpRequest(`${mon}tile/data/001.p/45`)).status, 404, 'width never checkpointed');
    assert.equal((await httpRequest(`${mon}tile/data/001.p/20`)).status, 404, 'width never checkpointed');
    assert.equal((await httpRequest(`${mon}tile/data/001`)).status, 404, 'full tile does not exist yet');
    assert.equal((await httpRequest(`${mon}tile/data/002`)).status, 404);
    for (const bad of ['tile/data/1', 'tile/data/x000/001', 'tile/data/001.p/0', 'tile/data/001.p/256', 'tile/data/001.p/044', 'tile/99/000', 'tile/data/000.p/']) {
      assert.equal((await httpRequest(`${mon}${bad}`)).status, 404, bad);
    }
  });

  void it('gzips data tiles only when asked (unless configured to always), never hash tiles', async () => {
    const plain = await httpRequest(`${mon}tile/data/000`);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(decodeDataTile(plain.body).length, 256);
    const refused = await httpRequest(`${mon}tile/data/000`, { headers: { 'accept-encoding': 'gzip;q=0, identity' } });
    assert.equal(refused.headers['content-encoding'], undefined);
    const hashes = await httpRequest(`${mon}tile/0/000`, { headers: GZIP });
    assert.equal(hashes.headers['content-encoding'], undefined);

    const always = await startSimulator({ rfc6962Logs: 0, tiledLogs: 1, alwaysGzip: true, factory: sim.factory });
    try {
      always.append(256);
      const res = await httpRequest(`${tiledLog(always).urls.monitoringUrl}tile/data/000`);
      assert.equal(res.headers['content-encoding'], 'gzip');
      assert.equal(decodeDataTile(res.body).length, 256);
    } finally {
      await always.close();
    }
  });

  void it('keeps or deletes old partial tiles once the full tile exists', async () => {
    const deleting = await startSimulator({ rfc6962Logs: 0, tiledLogs: 1, deletePartialTiles: true, factory: sim.factory });
    try {
      const deletingMon = tiledLog(deleting).urls.monitoringUrl;
      deleting.append(300);
      assert.equal((await httpRequest(`${deletingMon}tile/data/001.p/44`)).status, 200);
      // 300 → 512: tile 001 becomes full in both logs.
      for (const s of [sim, deleting]) s.append(512 - tiledLog(s).size, tiledLog(s).slug);
      assert.equal((await httpRequest(`${mon}tile/data/001`)).status, 200);
      assert.equal((await httpRequest(`${mon}tile/data/001.p/44`)).status, 200, 'kept by default');
      assert.equal((await httpRequest(`${deletingMon}tile/data/001`)).status, 200);
      assert.equal((await httpRequest(`${deletingMon}tile/data/001.p/44`)).status, 404, 'deleted once full');
      assert.equal((await httpRequest(`${deletingMon}tile/0/001.p/44`)).status, 404, 'hash partials too');
      assert.equal((await httpRequest(`${deletingMon}tile/0/001`)).status, 200);
    } finally {
      await deleting.close();
    }
  });

  void it('serves level-1 hash tiles and every issuer a data tile references', async () => {
    const level1 = await httpRequest(`${mon}tile/1/000.p/2`);
    assert.equal(level1.status, 200);
    const tree = new MerkleTree();
    for (let i = 0; i < 256; i++) tree.append(log.tree.leafHashAt(i));
    assert.deepEqual(level1.body.subarray(0, 32), Buffer.from(tree.root()));

    const leaves = decodeDataTile((await httpRequest(`${mon}tile/data/000`)).body);
    const fingerprints = new Set(leaves.flatMap((l) => l.chainFingerprints.map((f) => Buffer.from(f).toString('hex'))));
    assert.ok(fingerprints.size >= 2);
    for (const hex of fingerprints) {
      const res = await httpRequest(`${mon}issuer/${hex}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'application/pkix-cert');
      assert.equal(createHash('sha256').update(res.body).digest('hex'), hex);
    }
    assert.equal((await httpRequest(`${mon}issuer/${'0'.repeat(64)}`)).status, 404);
    assert.equal((await httpRequest(`${mon}issuer/XYZ`)).status, 404);
  });
});
