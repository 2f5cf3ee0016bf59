/**
 * The certificate identity key: real precertificate/final pairs, the definition checked against an
 * independently produced precert TBS, and hand-built TBSs where removing the CT extensions changes
 * how lengths are written.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeRfc6962Entry } from '../../src/ct/leaf.js';
import { entryCertKey } from '../../src/ingest/event.js';
import { CertFactory } from '../../src/sim/cert-factory.js';
import { certificateKey, tbsCertificateKey } from '../../src/x509/cert-key.js';
import { CertParseError, readPemCertificates } from '../../src/x509/index.js';
import { readFixture, sharedFixtures } from '../support/fixtures.js';
import { oid, TAG, tlv, type Bytes } from './der-builder.js';
import { skipWithout } from '../support/requirements.js';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const hexKey = (key: Buffer): string => key.toString('hex');

const POISON = '1.3.6.1.4.1.11129.2.4.3';
const SCT_LIST = '1.3.6.1.4.1.11129.2.4.2';

function extension(type: string, value: Bytes, critical = false): Uint8Array {
  return tlv(TAG.SEQ, oid(type), critical ? [0x01, 0x01, 0xff] : [], tlv(0x04, value));
}

/** A TBS with fixed fields (padded so lengths cross the long-form thresholds) and these extensions. */
function tbs(extensions: Uint8Array[] | null, padding = 0): Uint8Array {
  const fields = [
    tlv(0xa0, [0x02, 0x01, 0x02]),
    [0x02, 0x01, 0x07],
    tlv(TAG.SEQ, oid('1.2.840.10045.4.3.2')),
    tlv(TAG.SEQ, tlv(TAG.SET, tlv(TAG.SEQ, oid('2.5.4.3'), tlv(TAG.UTF8, new Uint8Array(padding).fill(0x61))))),
  ];
  return tlv(TAG.SEQ, ...fields, ...(extensions ? [tlv(0xa3, tlv(TAG.SEQ, ...extensions))] : []));
}

function certificate(tbsDer: Uint8Array): Uint8Array {
  return tlv(TAG.SEQ, tbsDer, tlv(TAG.SEQ, oid('1.2.840.10045.4.3.2')), [0x03, 0x02, 0x00, 0x00]);
}

describe('certificate key', () => {
  it('a real precertificate, its log entry and its final certificate share one key', { skip: skipWithout(sharedFixtures) }, () => {
    const precert = readPemCertificates(readFixture('certs', 'luct', 'google-precert.pem').toString())[0]!;
    const final = readPemCertificates(readFixture('certs', 'luct', 'google-chain.pem').toString())[0]!;
    const response = JSON.parse(readFixture('rfc6962', 'argon2025h2', 'get-entries_912557348.json').toString()) as {
      entries: { leaf_input: string; extra_data: string }[];
    };
    const item = response.entries[0]!;
    const entry = decodeRfc6962Entry(912557348, Buffer.from(item.leaf_input, 'base64'), Buffer.from(item.extra_data, 'base64'));
    assert.equal(entry.kind, 'precert');
    const key = hexKey(entryCertKey(entry));
    // The log's precert TBS has neither CT extension: its key is its plain hash.
    assert.equal(key, sha256(entry.precertTbs!));
    assert.equal(hexKey(certificateKey(precert)), key);
    assert.equal(hexKey(certificateKey(final)), key);
  });

  it('is SHA-256 of the precert TBS that pyca/cryptography derived from a final certificate', { skip: skipWithout(sharedFixtures) }, () => {
    const final = readPemCertificates(readFixture('certs', 'pyca-cryptography', 'cryptography-scts.pem').toString())[0]!;
    const tbsDer = readFixture('certs', 'pyca-cryptography', 'cryptography-scts-tbs-precert.der');
    assert.equal(hexKey(certificateKey(final)), sha256(tbsDer));
    assert.equal(hexKey(tbsCertificateKey(tbsDer)), sha256(tbsDer));
  });

  it('simulated precertificates and final certificates pair up, distinct certificates differ', async () => {
    const factory = await CertFactory.create({ seed: 'cert-key' });
    const keys = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const pre = factory.precertificate();
      const final = pre.finalCertificate!();
      const key = hexKey(certificateKey(pre.der));
      assert.equal(key, sha256(pre.precert!.tbs));
      assert.equal(hexKey(certificateKey(final.der)), key);
      assert.equal(hexKey(tbsCertificateKey(pre.precert!.tbs)), key);
      keys.add(key);
    }
    assert.equal(keys.size, 20);
  });

  it('re-encodes every length when the removed extensions change its form', () => {
    const a = extension('2.5.29.19', [0x30, 0x00], true);
    const b = extension('2.5.29.17', tlv(TAG.SEQ, tlv(0x82, new Uint8Array(40).fill(0x62))));
    for (const padding of [0, 60, 200]) {
      for (const sctBytes of [10, 120, 300, 1_000]) {
        const sct = extension(SCT_LIST, new Uint8Array(sctBytes).fill(7));
        const expected = sha256(tbs([a, b], padding));
        assert.equal(hexKey(certificateKey(certificate(tbs([a, sct, b], padding)))), expected, `padding ${padding}, sct ${sctBytes}`);
        assert.equal(hexKey(certificateKey(certificate(tbs([sct, a, b], padding)))), expected);
        assert.equal(hexKey(certificateKey(certificate(tbs([a, b, extension(POISON, [0x05, 0x00], true)], padding)))), expected);
        assert.equal(hexKey(tbsCertificateKey(tbs([a, b], padding))), expected);
      }
    }
  });

  it('leaves out the extensions field when only CT extensions were there', () => {
    const expected = sha256(tbs(null));
    assert.equal(hexKey(certificateKey(certificate(tbs([extension(POISON, [0x05, 0x00], true)])))), expected);
    assert.equal(hexKey(certificateKey(certificate(tbs([extension(SCT_LIST, [1, 2, 3])])))), expected);
    assert.equal(hexKey(certificateKey(certificate(tbs(null)))), expected);
  });

  it('throws CertParseError on what cannot be walked', () => {
    const good = tbs([extension(SCT_LIST, [1, 2, 3])]);
    for (const bad of [good.subarray(0, good.length - 1), Uint8Array.of(0x30, 0x03, 0xa3, 0x01, 0x02), Uint8Array.of(0x04, 0x00), Uint8Array.of(0x30, 0x04, 0xa3, 0x02, 0x30, 0x01)]) {
      assert.throws(() => tbsCertificateKey(bad), CertParseError);
    }
    assert.throws(() => tbsCertificateKey(Uint8Array.of(0x30, 0x06, 0xa3, 0x04, 0x30, 0x02, 0x30, 0x00)), CertParseError);
    assert.throws(() => certificateKey(Uint8Array.of(0x30, 0x02, 0x04, 0x00)), CertParseError);
  });
});
