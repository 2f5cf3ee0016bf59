import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseCheckpoint, verifyCheckpoint, formatSignedCheckpoint } from '../../src/ct/checkpoint.js';
import {
  decodeDataTile,
  decodeMerkleTreeLeaf,
  decodeRfc6962Entry,
  encodeMerkleTreeLeaf,
  encodePrecertExtraData,
  encodeTileLeaf,
  encodeX509ExtraData,
  leafIndexExtension,
  readLeafIndexExtension,
} from '../../src/ct/leaf.js';
import { leafHash, MerkleTree } from '../../src/ct/merkle.js';
import { signTreeHead, verifyTreeHead } from '../../src/ct/sth.js';
import { dataTilePath, parseTileIndexPath, tileIndexPath } from '../../src/ct/tile-path.js';
import { DecodeError } from '../../src/ct/tls.js';
import { fixturePath, readFixture, sharedFixtures } from '../support/fixtures.js';
import { skipWithout } from '../support/requirements.js';

const b64 = (s: string): Buffer => Buffer.from(s, 'base64');

interface GetEntries {
  entries: { leaf_input: string; extra_data: string }[];
}

function logKey(listFile: string, urlPart: string): Buffer {
  const list = JSON.parse(readFixture('loglist', listFile).toString()) as {
    operators: { logs: { url: string; key: string }[]; tiled_logs?: { submission_url: string; key: string }[] }[];
  };
  for (const op of list.operators) {
    for (const log of op.logs) if (log.url.includes(urlPart)) return b64(log.key);
    for (const log of op.tiled_logs ?? []) if (log.submission_url.includes(urlPart)) return b64(log.key);
  }
  throw new Error(`no log ${urlPart} in ${listFile}`);
}

describe('RFC 6962 entries (real data)', { skip: skipWithout(sharedFixtures) }, () => {
  it('decodes the Argon2025h2 precert entry with its chain', () => {
    const body = JSON.parse(readFixture('rfc6962/argon2025h2/get-entries_912557348.json').toString()) as GetEntries;
    const item = body.entries[0]!;
    const leaf = decodeMerkleTreeLeaf(b64(item.leaf_input));
    assert.equal(leaf.kind, 'precert');
    assert.equal(leaf.timestamp, 1748856933195);
    const entry = decodeRfc6962Entry(912557348, b64(item.leaf_input), b64(item.extra_data));
    assert.equal(entry.chainDers.length, 3);
    // issuer_key_hash is the SHA-256 of the issuer's SPKI; the SPKI sits inside chain[0], so it must occur there.
    const issuer = Buffer.from(entry.chainDers[0]!);
    assert.ok(issuer.length > 500);
    // the pre_certificate is a complete DER SEQUENCE
    assert.equal(entry.leafDer[0], 0x30);
    const precertPem = readFixture('certs/luct/google-precert.pem').toString();
    const precertDer = b64(precertPem.split('-----')[2]!.replace(/\s+/g, ''));
    assert.deepEqual(Buffer.from(entry.leafDer), precertDer);
  });

  it('decodes the 2018 x509 entry', () => {
    const body = JSON.parse(readFixture('rfc6962/misc/get-entries_x509_danadjs.ch_2018.json').toString()) as GetEntries;
    const item = body.entries[0]!;
    const entry = decodeRfc6962Entry(7, b64(item.leaf_input), b64(item.extra_data));
    assert.equal(entry.kind, 'x509');
    assert.equal(entry.timestamp, 1519203335519);
    assert.equal(entry.chainDers.length, 2);
  });

  it('round-trips leaf_input and extra_data byte for byte', () => {
    for (const file of ['rfc6962/argon2025h2/get-entries_912557348.json', 'rfc6962/misc/get-entries_x509_danadjs.ch_2018.json']) {
      const item = (JSON.parse(readFixture(file).toString()) as GetEntries).entries[0]!;
      const leafInput = b64(item.leaf_input);
      const leaf = decodeMerkleTreeLeaf(leafInput);
      assert.deepEqual(Buffer.from(encodeMerkleTreeLeaf(leaf)), leafInput);
      const entry = decodeRfc6962Entry(0, leafInput, b64(item.extra_data));
      const extra =
        entry.kind === 'x509' ? encodeX509ExtraData(entry.chainDers) : encodePrecertExtraData(entry.leafDer, entry.chainDers);
      assert.deepEqual(Buffer.from(extra), b64(item.extra_data));
    }
  });

  it('verifies real STH signatures with the log list key', () => {
    const sth = JSON.parse(readFixture('rfc6962/argon2025h2/get-sth_1329315675.json').toString()) as {
      tree_size: number;
      timestamp: number;
      sha256_root_hash: string;
      tree_head_signature: string;
    };
    const key = logKey('log_list.json', 'argon2025h2');
    const head = { treeSize: sth.tree_size, timestamp: sth.timestamp, rootHash: b64(sth.sha256_root_hash) };
    assert.equal(verifyTreeHead(head, b64(sth.tree_head_signature), key), true);
    assert.equal(verifyTreeHead({ ...head, treeSize: head.treeSize + 1 }, b64(sth.tree_head_signature), key), false);
  });
});

describe('static-ct-api data (real data)', { skip: skipWithout(sharedFixtures) }, () => {
  it('decodes navigli data tiles; leaf hashes match tile/0 and the leaf_index extension counts up', () => {
    for (const n of [0, 1]) {
      const name = tileIndexPath(n);
      const leaves = decodeDataTile(readFixture('static-ct/navigli2025h2/tile/data', name));
      const hashes = readFixture('static-ct/navigli2025h2/tile/0', name);
      assert.equal(leaves.length, 256);
      leaves.forEach((leaf, i) => {
        assert.equal(readLeafIndexExtension(leaf.entry.extensions), n * 256 + i);
        assert.equal(leaf.entry.kind, 'precert');
        assert.ok(leaf.preCertificate && leaf.preCertificate.length > 0);
        const expected = hashes.subarray(i * 32, i * 32 + 32);
        assert.deepEqual(leafHash(encodeMerkleTreeLeaf(leaf.entry)), expected);
        for (const fp of leaf.chainFingerprints) {
          const hex = Buffer.from(fp).toString('hex');
          const issuer = readFileSync(fixturePath('static-ct/navigli2025h2/issuer', hex));
          assert.equal(createHash('sha256').update(issuer).digest('hex'), hex);
        }
      });
    }
  });

  it('round-trips TileLeaf records byte for byte', () => {
    for (const n of [0, 1]) {
      const tile = readFixture('static-ct/navigli2025h2/tile/data', tileIndexPath(n));
      assert.deepEqual(Buffer.concat(decodeDataTile(tile).map((l) => encodeTileLeaf(l))), tile);
    }
  });

  it('rejects a data tile cut mid-record', () => {
    const tile = readFixture('static-ct/navigli2025h2/tile/data/000');
    assert.throws(() => decodeDataTile(tile.subarray(0, tile.length - 5)), DecodeError);
  });

  it('verifies the real Sycamore checkpoint, ignoring GREASE and Ed25519 lines', () => {
    const note = readFixture('static-ct/checkpoints/sycamore2026h1.checkpoint').toString();
    const key = logKey('log_list.json', 'sycamore.ct.letsencrypt.org/2026h1');
    const cp = verifyCheckpoint(note, 'log.sycamore.ct.letsencrypt.org/2026h1', key);
    assert.equal(cp.treeSize, 804475391);
    assert.equal(cp.timestamp, 1769279856830);
    assert.equal(parseCheckpoint(note).signatures.length, 4);
    const tampered = note.replace('804475391', '804475392');
    assert.throws(() => verifyCheckpoint(tampered, 'log.sycamore.ct.letsencrypt.org/2026h1', key), DecodeError);
  });

  it('verifies the synthetic rome2026h1 checkpoint', () => {
    const note = readFixture('static-ct/checkpoints/synthetic-rome2026h1.checkpoint').toString();
    const info = JSON.parse(readFixture('static-ct/checkpoints/synthetic-rome2026h1.log.v3.json').toString()) as { key: string };
    assert.equal(verifyCheckpoint(note, 'rome2026h1.example.org', b64(info.key)).treeSize, 300);
  });
});

describe('codecs (generated data)', () => {
  it('encodes tile paths', () => {
    assert.equal(tileIndexPath(0), '000');
    assert.equal(tileIndexPath(256), '256');
    assert.equal(tileIndexPath(1000), 'x001/000');
    assert.equal(tileIndexPath(1234067), 'x001/x234/067');
    assert.equal(parseTileIndexPath('x001/x234/067'), 1234067);
    assert.throws(() => parseTileIndexPath('x000/001'), DecodeError);
    assert.equal(dataTilePath(3, 10), 'tile/data/003.p/10');
    assert.equal(dataTilePath(3, 256), 'tile/data/003');
  });

  it('signs and verifies tree heads and checkpoints with a fresh key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const spki = publicKey.export({ format: 'der', type: 'spki' });
    const tree = new MerkleTree();
    for (let i = 0; i < 5; i++) tree.append(leafHash(Buffer.from([i])));
    const head = { treeSize: tree.size, timestamp: 1700000000000, rootHash: tree.root() };
    assert.equal(verifyTreeHead(head, signTreeHead(head, privateKey), spki), true);
    const note = formatSignedCheckpoint('example.test/log', head, privateKey, spki);
    assert.deepEqual(verifyCheckpoint(note, 'example.test/log', spki), { origin: 'example.test/log', ...head });
  });

  it('matches a naive RFC 6962 MTH for every size up to 70', () => {
    const leaves = Array.from({ length: 70 }, (_, i) => leafHash(Buffer.from(`leaf ${i}`)));
    const mth = (hs: Buffer[]): Buffer => {
      if (hs.length === 1) return hs[0]!;
      let k = 1;
      while (k * 2 < hs.length) k *= 2;
      return createHash('sha256').update(Buffer.from([1])).update(mth(hs.slice(0, k))).update(mth(hs.slice(k))).digest();
    };
    const tree = new MerkleTree();
    leaves.forEach((h, i) => {
      tree.append(h);
      assert.deepEqual(Buffer.from(tree.root()), mth(leaves.slice(0, i + 1)), `size ${i + 1}`);
    });
  });

  it('rejects malformed leaves with DecodeError, never anything else', () => {
    const leaf = encodeMerkleTreeLeaf({ timestamp: 1, kind: 'x509', signedEntry: Buffer.alloc(40, 7), extensions: Buffer.alloc(0) });
    assert.throws(() => decodeMerkleTreeLeaf(leaf.subarray(0, leaf.length - 1)), DecodeError);
    const badType = Buffer.from(leaf);
    badType[11] = 9;
    assert.throws(() => decodeMerkleTreeLeaf(badType), (e: unknown) => e instanceof DecodeError && e.reason === 'entry_type');
    assert.equal(readLeafIndexExtension(leafIndexExtension(148)), 148);
    assert.deepEqual(Buffer.from(leafIndexExtension(148)), Buffer.from('0000050000000094', 'hex'));
  });
});
