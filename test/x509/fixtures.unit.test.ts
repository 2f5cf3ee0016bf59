/**
 * Every real certificate in the shared fixtures either parses, or fails with the CertParseError
 * reason listed (and justified) below, and then OpenSSL rejects it too.
 */
import { X509Certificate } from 'node:crypto';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CertParseError, parseCertificate, type CertParseErrorReason } from '../../src/x509/index.js';
import { sharedFixtures } from '../support/fixtures.js';
import { allFixtureCerts, certsDirectoryBlobs } from './fixture-certs.js';
import { skipWithout } from '../support/requirements.js';

/** certs/ blobs that must be rejected: each is one OpenSSL rejects too (checked below). */
const EXPECTED_FAILURES: Record<string, { reason: CertParseErrorReason; why: string }> = {
  'certs/ct-go-invalid/xf-der-invalid-nonminimal-int.pem#0': {
    reason: 'integer',
    why: 'serial 00 00 12 34 is a non-minimal DER INTEGER',
  },
  'certs/google-certificate-transparency/negative_serial.pem#0': {
    reason: 'integer',
    why: 'serial FF D5 D5 ... has a redundant leading FF (non-minimal); negative serials as such are read',
  },
  'certs/pyca-cryptography/cryptography-scts-tbs-precert.der#0': {
    reason: 'structure',
    why: 'a bare TBSCertificate: the outer SEQUENCE starts with [0] version, not a tbsCertificate SEQUENCE',
  },
};

describe('x509 fixtures: certs/ directory', { skip: skipWithout(sharedFixtures) }, () => {
  it('has the 40 certificate blobs PROVENANCE.md counts', () => {
    assert.equal(certsDirectoryBlobs().length, 40);
  });

  it('parses every real certificate, and rejects exactly the expected ones with the expected reason', () => {
    const blobs = certsDirectoryBlobs();
    for (const label of Object.keys(EXPECTED_FAILURES)) {
      assert.ok(blobs.some((b) => b.label === label), `expected-failure entry ${label} names no fixture`);
    }
    for (const { label, der } of blobs) {
      const expected = EXPECTED_FAILURES[label];
      if (expected === undefined) {
        assert.doesNotThrow(() => parseCertificate(der), `${label} should parse`);
      } else {
        assert.throws(
          () => parseCertificate(der),
          (error: unknown) => error instanceof CertParseError && error.reason === expected.reason && error.message.length > 0,
          `${label} should fail with reason '${expected.reason}' (${expected.why})`,
        );
        assert.throws(() => new X509Certificate(der), `${label}: OpenSSL reads it, so it must not be dropped`);
      }
    }
  });
});

describe('x509 fixtures: certificates embedded in CT data', { skip: skipWithout(sharedFixtures) }, () => {
  it('parses all of them, the negative-serial EC-ACC root among the accepted roots included', () => {
    const embedded = allFixtureCerts().filter((c) => !c.label.startsWith('certs/'));
    assert.ok(embedded.length > 1100, `expected the roots and tile precertificates, got ${embedded.length}`);
    const negative: string[] = [];
    for (const { label, der } of embedded) {
      const cert = parseCertificate(der);
      if (cert.serial_number.startsWith('-')) negative.push(`${label} ${cert.subject.CN}`);
    }
    assert.deepEqual(negative, ['argon2025h2 root 150 EC-ACC']);
  });
});
