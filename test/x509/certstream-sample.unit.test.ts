/**
 * Our output against a real message of the original CertStream server
 * (certstream/calidog-example-certificate_update.json). Its two chain certificates, Let's Encrypt
 * Authority X3 and DST Root CA X3, are in the danadjs.ch entry of 2018, so they are compared field
 * by field. Its leaf has no DER in the fixtures; the danadjs.ch leaf, from the same issuer, is
 * checked for the same formats instead.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCertificate, type CertStreamCert } from '../../src/x509/index.js';
import { fixturePath, sharedFixtures } from '../support/fixtures.js';
import { danadjsEntry } from './fixture-certs.js';
import { skipWithout } from '../support/requirements.js';

interface SampleCert {
  extensions: Record<string, string>;
  fingerprint: string;
  not_after: number;
  not_before: number;
  serial_number: string;
  subject: Record<string, string | null>;
  all_domains?: string[];
}

function loadSample(): { leaf: SampleCert; chain: SampleCert[] } {
  const message = JSON.parse(readFileSync(fixturePath('certstream', 'calidog-example-certificate_update.json'), 'utf8')) as {
    data: { leaf_cert: SampleCert; chain: SampleCert[] };
  };
  return { leaf: message.data.leaf_cert, chain: message.data.chain };
}

/**
 * The one known difference: the original server kept only the policies from the last one that has
 * qualifiers on (an accumulator bug in its EasySSL library), so Let's Encrypt's
 * "Policy: 2.23.140.1.2.1" line is missing from its output. We list every policy, so the sample's
 * value must be our value minus leading qualifier-less "Policy:" lines.
 */
function assertPoliciesMatchOriginal(ours: string, theirs: string, label: string): void {
  assert.ok(ours.endsWith(theirs), `${label}: certificatePolicies ${JSON.stringify(ours)} does not end with ${JSON.stringify(theirs)}`);
  const extraLines = ours.slice(0, ours.length - theirs.length).split('\n').filter((line) => line !== '');
  assert.ok(extraLines.length > 0, `${label}: the divergence is expected here; update this test if the policies now match`);
  for (const line of extraLines) assert.match(line, /^Policy: [0-9.]+$/, `${label}: unexpected extra policy line`);
}

describe('x509 vs the original CertStream message', { skip: skipWithout(sharedFixtures) }, () => {
  it('has the two chain certificates the sample shows', () => {
    const { chain } = danadjsEntry();
    const sample = loadSample();
    assert.equal(chain.length, 2);
    chain.forEach((der, i) => assert.equal(parseCertificate(der).fingerprint, sample.chain[i]!.fingerprint));
  });

  for (const index of [0, 1]) {
    it(`matches every field of sample chain[${index}]`, () => {
      const theirs = loadSample().chain[index]!;
      const ours = parseCertificate(danadjsEntry().chain[index]!);
      const label = `chain[${index}] (${theirs.subject.CN})`;

      assert.deepEqual(Object.keys(theirs).sort(), ['extensions', 'fingerprint', 'not_after', 'not_before', 'serial_number', 'subject']);
      assert.equal(ours.fingerprint, theirs.fingerprint, `${label} fingerprint`);
      assert.equal(ours.not_before, theirs.not_before, `${label} not_before`);
      assert.equal(ours.not_after, theirs.not_after, `${label} not_after`);
      assert.equal(ours.serial_number, theirs.serial_number, `${label} serial_number`);
      assert.deepEqual(ours.subject, theirs.subject, `${label} subject`);

      assert.deepEqual(Object.keys(ours.extensions).sort(), Object.keys(theirs.extensions).sort(), `${label} extension names`);
      for (const [name, value] of Object.entries(theirs.extensions)) {
        const ourValue = ours.extensions[name];
        assert.equal(typeof ourValue, 'string', `${label} ${name}`);
        if (name === 'certificatePolicies') assertPoliciesMatchOriginal(String(ourValue), value, label);
        else assert.equal(ourValue, value, `${label} extension ${name}`);
      }
    });
  }

  it('gives the issuers the sample gives as the subjects above them', () => {
    const sample = loadSample();
    const { leaf, chain } = danadjsEntry();
    assert.deepEqual(parseCertificate(leaf).issuer, sample.chain[0]!.subject);
    assert.deepEqual(parseCertificate(chain[0]!).issuer, sample.chain[1]!.subject);
    assert.deepEqual(parseCertificate(chain[1]!).issuer, sample.chain[1]!.subject, 'DST Root CA X3 is self-issued');
  });
});

/** Field formats of the sample's leaf; each pattern is also checked against the sample itself. */
const LEAF_EXTENSION_FORMATS: Record<string, RegExp> = {
  authorityInfoAccess: /^(?:(?:CA Issuers|OCSP) - URI:\S+\n)+$/,
  authorityKeyIdentifier: /^keyid:[0-9A-F]{2}(?::[0-9A-F]{2})*\n$/,
  basicConstraints: /^CA:(?:TRUE|FALSE)$/,
  certificatePolicies: /^Policy: [0-9.]+(?:\n(?:Policy: [0-9.]+| {2}CPS: \S+| {2}User Notice: .*))*$/,
  extendedKeyUsage: /^TLS Web (?:server|client) authentication(?:, TLS Web (?:server|client) authentication)*$/,
  keyUsage: /^[A-Z][a-z]+(?: [A-Z][a-z]+)*(?:, [A-Z][a-z]+(?: [A-Z][a-z]+)*)*$/,
  subjectAltName: /^DNS:[^,\s]+(?:, DNS:[^,\s]+)*$/,
  subjectKeyIdentifier: /^[0-9A-F]{2}(?::[0-9A-F]{2})*$/,
};

describe('x509 leaf formats (danadjs.ch, issued by the same CA as the sample leaf)', { skip: skipWithout(sharedFixtures) }, () => {
  function parsedLeaf(): { ours: CertStreamCert; der: Uint8Array } {
    const der = danadjsEntry().leaf;
    return { ours: parseCertificate(der), der };
  }

  it('uses the sample leaf formats for every extension it has', () => {
    const theirs = loadSample().leaf;
    const { ours } = parsedLeaf();
    for (const [name, format] of Object.entries(LEAF_EXTENSION_FORMATS)) {
      assert.match(theirs.extensions[name]!, format, `the pattern for ${name} does not fit the sample`);
    }
    const names = Object.keys(ours.extensions);
    assert.ok(names.length >= 7, `danadjs.ch has 8 extensions, got ${names.join(', ')}`);
    for (const name of names) {
      assert.ok(name in theirs.extensions, `${name} is not a key the original server uses`);
      const format = LEAF_EXTENSION_FORMATS[name];
      assert.ok(format, `no format check for ${name}`);
      assert.match(String(ours.extensions[name]), format, `${name}`);
    }
  });

  it('gives the values the sample leaf has where both certificates come from Let\'s Encrypt Authority X3', () => {
    const sample = loadSample();
    const { ours } = parsedLeaf();
    for (const name of ['authorityInfoAccess', 'basicConstraints', 'extendedKeyUsage', 'keyUsage']) {
      assert.equal(ours.extensions[name], sample.leaf.extensions[name], name);
    }
    assert.equal(ours.extensions.authorityKeyIdentifier, `keyid:${sample.chain[0]!.extensions.subjectKeyIdentifier}\n`);
    // The 2018 leaf also carries the DV policy and a user notice that the 2020 sample lacks.
    assert.ok(String(ours.extensions.certificatePolicies).includes(sample.leaf.extensions.certificatePolicies!));
  });

  it('shapes subject and top-level fields like the sample and agrees with OpenSSL on the values', () => {
    const sample = loadSample();
    const { ours, der } = parsedLeaf();
    const openssl = new X509Certificate(der);
    assert.deepEqual(Object.keys(ours.subject).sort(), Object.keys(sample.leaf.subject).sort());
    assert.equal(ours.subject.aggregated, '/CN=' + openssl.subject.replace(/^CN=/, ''));
    assert.match(ours.fingerprint, /^[0-9A-F]{2}(?::[0-9A-F]{2}){19}$/);
    assert.match(sample.leaf.fingerprint, /^[0-9A-F]{2}(?::[0-9A-F]{2}){19}$/);
    assert.equal(ours.fingerprint, openssl.fingerprint);
    assert.equal(ours.sha1, openssl.fingerprint);
    assert.equal(ours.sha256, openssl.fingerprint256);
    assert.match(sample.leaf.serial_number, /^[1-9A-F][0-9A-F]*$/);
    assert.equal(ours.serial_number, openssl.serialNumber.replace(/^0+(?=.)/, ''));
    assert.equal(ours.not_before, Date.parse(openssl.validFrom) / 1000);
    assert.equal(ours.not_after, Date.parse(openssl.validTo) / 1000);
    assert.equal(ours.extensions.subjectAltName, openssl.subjectAltName);
    assert.deepEqual(ours.all_domains, ['danadjs.ch']);
    assert.equal(ours.signature_algorithm, 'sha256, rsa');
    assert.equal(ours.is_ca, false);
    assert.equal(ours.as_der, Buffer.from(der).toString('base64'));
  });

  it('lists CN first, then the SAN dNSNames, without duplicates (sample order)', () => {
    const sample = loadSample().leaf;
    const sanNames = sample.extensions.subjectAltName!.split(', ').map((entry) => entry.replace(/^DNS:/, ''));
    const expected = [...new Set([sample.subject.CN!, ...sanNames])];
    assert.deepEqual(sample.all_domains, expected, 'the sample itself follows CN-first order');
  });
});
