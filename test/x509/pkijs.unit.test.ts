/**
 * Extension values against pkijs, an independent ASN.1 decoder, over every fixture certificate
 * both parsers accept. OpenSSL (openssl.unit.test.ts) does not expose key identifiers, key usage,
 * policies or CRL distribution points through node:crypto; pkijs does.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as pkijs from 'pkijs';
import type * as asn1js from 'asn1js';
import type { CertStreamCert } from '../../src/x509/index.js';
import { sharedFixtures } from '../support/fixtures.js';
import { parsableFixtureCerts } from './fixture-certs.js';
import { skipWithout } from '../support/requirements.js';

interface Pair {
  readonly label: string;
  readonly ours: CertStreamCert;
  readonly theirs: pkijs.Certificate;
}

function comparablePairs(): Pair[] {
  return parsableFixtureCerts().flatMap(({ label, der, cert }) => {
    try {
      return [{ label, ours: cert, theirs: pkijs.Certificate.fromBER(der) }];
    } catch {
      return []; // pkijs has its own limits; the count check below keeps the comparison broad
    }
  });
}

function colonHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':');
}

/** Base64url with padding, the encoding the original server used for opaque values. */
function base64UrlPadded(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64').replaceAll('+', '-').replaceAll('/', '_');
}

/** KeyUsage bit names as the original server (Erlang atoms, camel case split) printed them. */
const KEY_USAGE_BITS = [
  'Digital Signature',
  'Non Repudiation',
  'Key Encipherment',
  'Data Encipherment',
  'Key Agreement',
  'Key Cert Sign',
  'C R L Sign',
  'Encipher Only',
  'Decipher Only',
];

/** signature_algorithm spellings of certstream-server-go for the algorithms in the fixtures. */
const GO_SIGNATURE_ALGORITHMS: Record<string, string> = {
  '1.2.840.113549.1.1.2': 'md2, rsa',
  '1.2.840.113549.1.1.4': 'md5, rsa',
  '1.2.840.113549.1.1.5': 'sha1, rsa',
  '1.2.840.113549.1.1.11': 'sha256, rsa',
  '1.2.840.113549.1.1.12': 'sha384, rsa',
  '1.2.840.113549.1.1.13': 'sha512, rsa',
  '1.2.840.10040.4.3': 'dsa, sha1',
  '2.16.840.1.101.3.4.3.2': 'dsa, sha256',
  '1.2.840.10045.4.3.2': 'ecdsa, sha256',
  '1.2.840.10045.4.3.3': 'ecdsa, sha384',
  '1.2.840.10045.4.3.4': 'ecdsa, sha512',
};

/** OpenSSL short names of the extensions we format; any other is keyed by its OID. */
const FORMATTED_EXTENSIONS: Record<string, string> = {
  '2.5.29.14': 'subjectKeyIdentifier',
  '2.5.29.15': 'keyUsage',
  '2.5.29.17': 'subjectAltName',
  '2.5.29.18': 'issuerAltName',
  '2.5.29.19': 'basicConstraints',
  '2.5.29.31': 'crlDistributionPoints',
  '2.5.29.32': 'certificatePolicies',
  '2.5.29.35': 'authorityKeyIdentifier',
  '2.5.29.37': 'extendedKeyUsage',
  '1.3.6.1.5.5.7.1.1': 'authorityInfoAccess',
  '1.3.6.1.5.5.7.1.11': 'subjectInfoAccess',
  '1.3.6.1.4.1.11129.2.4.2': 'ctlSignedCertificateTimestamp',
  '1.3.6.1.4.1.11129.2.4.3': 'ctlPoisonByte',
};

function extension(cert: pkijs.Certificate, oid: string): pkijs.Extension | undefined {
  return cert.extensions?.find((e) => e.extnID === oid);
}

describe('x509 extensions vs pkijs', { skip: skipWithout(sharedFixtures) }, () => {
  const pairs = sharedFixtures.missing ? [] : comparablePairs();

  it('compares most of the corpus', () => {
    assert.ok(pairs.length > 1100, `pkijs and we both parsed only ${pairs.length}`);
  });

  it('has one key per extension: the OpenSSL short name, or the dotted OID with the raw value', () => {
    for (const { label, ours, theirs } of pairs) {
      const expectedKeys = (theirs.extensions ?? []).map((e) => FORMATTED_EXTENSIONS[e.extnID] ?? e.extnID);
      // authorityKeyIdentifier without a keyIdentifier is left out, as the original server did.
      const aki = extension(theirs, '2.5.29.35')?.parsedValue as pkijs.AuthorityKeyIdentifier | undefined;
      const shown = aki !== undefined && aki.keyIdentifier === undefined ? expectedKeys.filter((k) => k !== 'authorityKeyIdentifier') : expectedKeys;
      assert.deepEqual(Object.keys(ours.extensions), shown, label);
      for (const e of theirs.extensions ?? []) {
        if (FORMATTED_EXTENSIONS[e.extnID] !== undefined) continue;
        assert.equal(ours.extensions[e.extnID], base64UrlPadded(e.extnValue.valueBlock.valueHexView), `${label} ${e.extnID}`);
      }
    }
  });

  it('agrees on key identifiers', () => {
    for (const { label, ours, theirs } of pairs) {
      const ski = extension(theirs, '2.5.29.14')?.parsedValue as asn1js.OctetString | undefined;
      assert.equal(ours.extensions.subjectKeyIdentifier, ski && colonHex(ski.valueBlock.valueHexView), `${label} SKI`);
      const aki = extension(theirs, '2.5.29.35')?.parsedValue as pkijs.AuthorityKeyIdentifier | undefined;
      const keyId = aki?.keyIdentifier?.valueBlock.valueHexView;
      assert.equal(ours.extensions.authorityKeyIdentifier, keyId && `keyid:${colonHex(keyId)}\n`, `${label} AKI`);
    }
  });

  it('agrees on basicConstraints, is_ca and keyUsage bits', () => {
    for (const { label, ours, theirs } of pairs) {
      const bc = extension(theirs, '2.5.29.19')?.parsedValue as pkijs.BasicConstraints | undefined;
      assert.equal(ours.extensions.basicConstraints, bc && (bc.cA ? 'CA:TRUE' : 'CA:FALSE'), `${label} basicConstraints`);
      assert.equal(ours.is_ca, bc?.cA ?? false, `${label} is_ca`);

      const ku = extension(theirs, '2.5.29.15')?.parsedValue as asn1js.BitString | undefined;
      if (ku === undefined) {
        assert.equal(ours.extensions.keyUsage, undefined, `${label} keyUsage`);
        continue;
      }
      const bits = ku.valueBlock.valueHexView;
      const names = KEY_USAGE_BITS.filter((_, bit) => ((bits[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0);
      assert.equal(ours.extensions.keyUsage, names.join(', '), `${label} keyUsage`);
    }
  });

  it('agrees on extendedKeyUsage purposes', () => {
    for (const { label, ours, theirs } of pairs) {
      const eku = extension(theirs, '2.5.29.37')?.parsedValue as pkijs.ExtKeyUsage | undefined;
      if (eku === undefined) continue;
      const ourNames = String(ours.extensions.extendedKeyUsage).split(', ');
      assert.equal(ourNames.length, eku.keyPurposes.length, `${label} EKU count`);
      eku.keyPurposes.forEach((oid, i) => {
        if (oid === '1.3.6.1.5.5.7.3.1') assert.equal(ourNames[i], 'TLS Web server authentication', label);
        else if (oid === '1.3.6.1.5.5.7.3.2') assert.equal(ourNames[i], 'TLS Web client authentication', label);
        else assert.ok(ourNames[i] !== '', `${label} EKU ${oid}`);
      });
    }
  });

  it('agrees on certificate policies and their CPS URIs', () => {
    for (const { label, ours, theirs } of pairs) {
      const policies = extension(theirs, '2.5.29.32')?.parsedValue as pkijs.CertificatePolicies | undefined;
      if (policies === undefined) continue;
      const lines = String(ours.extensions.certificatePolicies).split('\n');
      const expected = policies.certificatePolicies.flatMap((policy) => [
        `Policy: ${policy.policyIdentifier}`,
        ...(policy.policyQualifiers ?? [])
          .filter((q) => q.policyQualifierId === '1.3.6.1.5.5.7.2.1')
          .map((q) => `  CPS: ${(q.qualifier as asn1js.IA5String).valueBlock.value}`),
      ]);
      // User notices are free text (some span lines); compare the policy and CPS lines.
      assert.deepEqual(lines.filter((line) => line.startsWith('Policy: ') || line.startsWith('  CPS: ')), expected, label);
    }
  });

  it('agrees on CRL distribution point URIs', () => {
    for (const { label, ours, theirs } of pairs) {
      const crl = extension(theirs, '2.5.29.31')?.parsedValue as pkijs.CRLDistributionPoints | undefined;
      if (crl === undefined) continue;
      const uris = crl.distributionPoints.flatMap((point) =>
        Array.isArray(point.distributionPoint) ? point.distributionPoint.filter((name) => name.type === 6).map((name) => String(name.value)) : [],
      );
      const ourUris = String(ours.extensions.crlDistributionPoints)
        .split('\n')
        .filter((line) => line.startsWith(' URI:'))
        .map((line) => line.slice(' URI:'.length));
      assert.deepEqual(ourUris, uris, label);
    }
  });

  it('shows the SCT list as base64url of the extension value, and flags the poison', () => {
    let scts = 0;
    let poisoned = 0;
    for (const { label, ours, theirs } of pairs) {
      const sct = extension(theirs, '1.3.6.1.4.1.11129.2.4.2');
      assert.equal(ours.extensions.ctlSignedCertificateTimestamp, sct && base64UrlPadded(sct.extnValue.valueBlock.valueHexView), label);
      if (sct) scts++;
      const poison = extension(theirs, '1.3.6.1.4.1.11129.2.4.3');
      assert.equal(ours.extensions.ctlPoisonByte, poison ? true : undefined, label);
      if (poison) poisoned++;
    }
    assert.ok(scts >= 5 && poisoned > 500, `${scts} SCT lists, ${poisoned} precertificates`);
  });

  it('names signature algorithms as certstream-server-go does', () => {
    for (const { label, ours, theirs } of pairs) {
      const oid = theirs.signatureAlgorithm.algorithmId;
      assert.equal(ours.signature_algorithm, GO_SIGNATURE_ALGORITHMS[oid] ?? 'unknown', `${label} ${oid}`);
    }
  });
});
