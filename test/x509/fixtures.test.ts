/**
 * Every real certificate in the shared fixtures either parses, or fails with the CertParseError
 * reason listed (and justified) below.
 */
import { X509Certificate } from 'node:crypto';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CertParseError, parseCertificate, type CertParseErrorReason } from '../../src/x509/index.js';
import { skipWithoutFixtures } from '../support/fixtures.js';
import { allFixtureCerts, certsDirectoryBlobs } from './fixture-certs.js';

/** certs/ blobs that must be rejected, with why an error is the right answer. */
const EXPECTED_FAILURES: Record<string, { reason: CertParseErrorReason; why: string }> = {
  // The four deliberately broken inputs.
  'certs/ct-go-invalid/xf-der-invalid-nonminimal-int.pem#0': {
    reason: 'integer',
    why: 'serial 00 00 12 34 is a non-minimal DER INTEGER',
  },
  'certs/google-certificate-transparency/cert_bad_utf8_subject.pem#0': {
    reason: 'string',
    why: 'the subject streetAddress UTF8String holds invalid UTF-8',
  },
  'certs/google-certificate-transparency/negative_serial.pem#0': {
    reason: 'integer',
    why: 'serial FF D5 D5 ... is negative (and its leading FF is also non-minimal)',
  },
  'certs/pyca-cryptography/cryptography-scts-tbs-precert.der#0': {
    reason: 'structure',
    why: 'a bare TBSCertificate: the outer SEQUENCE starts with [0] version, not a tbsCertificate SEQUENCE',
  },
  // Real certificates we reject on purpose.
  'certs/google-certificate-transparency/asn1_indefinite_length_encoding.pem#0': {
    reason: 'der',
    why:
      'BER indefinite lengths are not DER. CT logs hash and sign the DER bytes; accepting BER would mean ' +
      'fingerprints of bytes no strict parser (Go x509, certstream-server-go) accepts. OpenSSL tolerates it.',
  },
  'certs/pyca-cryptography/badasn1time.pem#0': {
    reason: 'time',
    why:
      'notAfter is a UTCTime holding 15 characters ("19020701025736Z", GeneralizedTime layout). OpenSSL prints ' +
      '"Bad time value", Go x509 rejects it and pyca raises when the date is read: there is no trustworthy not_after.',
  },
};

describe('x509 fixtures: certs/ directory', { skip: skipWithoutFixtures }, () => {
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
      }
    }
  });
});

describe('x509 fixtures: certificates embedded in CT data', { skip: skipWithoutFixtures }, () => {
  it('parses all of them except negative serials, which OpenSSL also reads as negative', () => {
    const embedded = allFixtureCerts().filter((c) => !c.label.startsWith('certs/'));
    assert.ok(embedded.length > 1100, `expected the roots and tile precertificates, got ${embedded.length}`);
    const rejected: string[] = [];
    for (const { label, der } of embedded) {
      try {
        parseCertificate(der);
      } catch (error) {
        // RFC 5280 4.1.2.2: serials are positive; Go's x509 rejects negative ones since Go 1.23.
        // Argon2025h2 accepts one such root (EC-ACC), so this is a real-world case.
        assert.ok(error instanceof CertParseError && error.reason === 'integer', `${label}: ${String(error)}`);
        assert.ok(new X509Certificate(der).serialNumber.startsWith('-'), `${label} failed but its serial is not negative`);
        rejected.push(label);
      }
    }
    assert.ok(rejected.length <= 1, `unexpected rejections: ${rejected.join(', ')}`);
  });
});
