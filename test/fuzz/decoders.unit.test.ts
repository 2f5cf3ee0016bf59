/**
 * Fuzzes the decoders that see untrusted bytes from CT logs: RFC 6962 leaves and extra_data,
 * static-ct data tiles, and certificates. 100,000+ mutated inputs (seeded, so a failure
 * reproduces); every one must either decode or fail with the decoder's own counted error type.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { decodeDataTile, decodeExtraData, decodeMerkleTreeLeaf, encodeMerkleTreeLeaf, encodePrecertExtraData, encodeTileLeaf, encodeX509ExtraData, leafIndexExtension } from '../../src/ct/leaf.js';
import { DecodeError } from '../../src/ct/tls.js';
import { CertFactory, type IssuedCertificate } from '../../src/sim/cert-factory.js';
import { createRng } from '../../src/sim/rng.js';
import { CertParseError, parseCertificate } from '../../src/x509/index.js';
import { mutate } from '../x509/mutate.js';

function fuzz(name: string, seeds: Uint8Array[], rounds: number, decode: (b: Uint8Array) => unknown, allowed: (e: unknown) => boolean): number {
  const rng = createRng(`fuzz/${name}`);
  let failures = 0;
  for (let i = 0; i < rounds; i++) {
    const input = mutate(seeds[i % seeds.length]!, rng.next);
    try {
      decode(input);
    } catch (err) {
      if (!allowed(err)) {
        assert.fail(`${name}: round ${i} threw ${String(err)} for ${Buffer.from(input).toString('base64')}`);
      }
      failures++;
    }
  }
  return failures;
}

const isDecodeError = (e: unknown): boolean => e instanceof DecodeError;
const isCertError = (e: unknown): boolean => e instanceof CertParseError;

describe('decoder fuzzing', () => {
  let certs: IssuedCertificate[] = [];

  before(async () => {
    const factory = await CertFactory.create({ seed: 'fuzz' });
    certs = Array.from({ length: 24 }, (_, i) => (i % 3 === 0 ? factory.certificate() : factory.precertificate()));
  });

  it('RFC 6962 leaf_input and extra_data: 40,000 mutations', () => {
    const leaves: Uint8Array[] = [];
    const extras: { kind: 'x509' | 'precert'; bytes: Uint8Array }[] = [];
    for (const [i, c] of certs.entries()) {
      const chain = c.chain.map((x) => x.der);
      const entry =
        c.kind === 'precert'
          ? { timestamp: 1e12 + i, kind: 'precert' as const, signedEntry: c.precert!.tbs, issuerKeyHash: c.precert!.issuerKeyHash, extensions: new Uint8Array(0) }
          : { timestamp: 1e12 + i, kind: 'x509' as const, signedEntry: c.der, extensions: new Uint8Array(0) };
      leaves.push(encodeMerkleTreeLeaf(entry));
      extras.push({ kind: c.kind, bytes: c.kind === 'precert' ? encodePrecertExtraData(c.der, chain) : encodeX509ExtraData(chain) });
    }
    const leafFailures = fuzz('leaf', leaves, 20_000, decodeMerkleTreeLeaf, isDecodeError);
    const x509Extras = extras.filter((e) => e.kind === 'x509').map((e) => e.bytes);
    const precertExtras = extras.filter((e) => e.kind === 'precert').map((e) => e.bytes);
    const extraFailures =
      fuzz('extra-x509', x509Extras, 10_000, (b) => decodeExtraData('x509', b), isDecodeError) +
      fuzz('extra-precert', precertExtras, 10_000, (b) => decodeExtraData('precert', b), isDecodeError);
    assert.ok(leafFailures > 10_000 && extraFailures > 10_000, 'most mutations are caught as errors');
  });

  it('static-ct data tiles: 20,000 mutations', () => {
    const tiles: Uint8Array[] = [];
    for (let t = 0; t < 4; t++) {
      const records = certs.slice(t * 6, t * 6 + 6).map((c, i) =>
        encodeTileLeaf({
          entry:
            c.kind === 'precert'
              ? { timestamp: 1e12, kind: 'precert', signedEntry: c.precert!.tbs, issuerKeyHash: c.precert!.issuerKeyHash, extensions: leafIndexExtension(t * 6 + i) }
              : { timestamp: 1e12, kind: 'x509', signedEntry: c.der, extensions: leafIndexExtension(t * 6 + i) },
          ...(c.kind === 'precert' ? { preCertificate: c.der } : {}),
          chainFingerprints: c.chain.map((x) => x.fingerprint),
        }),
      );
      tiles.push(Buffer.concat(records));
    }
    fuzz('tile', tiles, 20_000, decodeDataTile, isDecodeError);
  });

  it('certificates: 50,000 mutations', () => {
    const ders = certs.flatMap((c) => [c.der, ...c.chain.map((x) => x.der)]);
    const failures = fuzz('cert', ders, 50_000, parseCertificate, isCertError);
    assert.ok(failures > 20_000, `most mutations are caught as errors (${failures})`);
  });
});
