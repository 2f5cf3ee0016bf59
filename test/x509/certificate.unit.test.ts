/**
 * parseCertificate on hand-built certificates, for the rules and formats the real fixtures do not
 * all reach: structure checks, every GeneralName form, name attribute handling, extension edge cases.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CertParseError, parseCertificate, type CertFieldIssue, type CertFieldIssueReason, type CertParseErrorReason } from '../../src/x509/index.js';
import { ascii, concat, hex, oid, TAG, tlv, type Bytes } from './der-builder.js';

const { SEQ, SET, UTF8, PRINTABLE, IA5, BMP } = TAG;

const SHA256_RSA = tlv(SEQ, oid('1.2.840.113549.1.1.11'), [0x05, 0x00]);

/** Name from RDNs; each RDN is a list of [attribute OID, string tag, value]. */
function name(...rdns: [string, number, Bytes][][]): Uint8Array {
  return tlv(SEQ, ...rdns.map((rdn) => tlv(SET, ...rdn.map(([type, tag, value]) => tlv(SEQ, oid(type), tlv(tag, value))))));
}

function extension(type: string, value: Bytes, critical = false): Uint8Array {
  return tlv(SEQ, oid(type), critical ? [0x01, 0x01, 0xff] : [], tlv(0x04, value));
}

interface Parts {
  version?: Uint8Array | null;
  serial?: Uint8Array;
  algorithm?: Uint8Array;
  outerAlgorithm?: Uint8Array;
  issuer?: Uint8Array;
  validity?: Uint8Array;
  subject?: Uint8Array;
  afterKey?: Uint8Array;
  extensions?: Uint8Array[] | null;
  trailing?: Uint8Array;
}

function certificate(parts: Parts = {}): Uint8Array {
  const algorithm = parts.algorithm ?? SHA256_RSA;
  const key = tlv(SEQ, tlv(SEQ, oid('1.2.840.10045.2.1'), oid('1.2.840.10045.3.1.7')), tlv(0x03, [0x00, 0x04, 0x01, 0x02]));
  const tbs = tlv(
    SEQ,
    parts.version === null ? [] : (parts.version ?? tlv(0xa0, [0x02, 0x01, 0x02])),
    parts.serial ?? [0x02, 0x02, 0x10, 0x01],
    algorithm,
    parts.issuer ?? name([['2.5.4.3', PRINTABLE, ascii('Test CA')]]),
    parts.validity ?? tlv(SEQ, tlv(0x17, ascii('250101000000Z')), tlv(0x18, ascii('20260101000000Z'))),
    parts.subject ?? name([['2.5.4.3', PRINTABLE, ascii('example.com')]]),
    key,
    parts.afterKey ?? [],
    parts.extensions === null ? [] : tlv(0xa3, tlv(SEQ, ...(parts.extensions ?? []))),
  );
  return concat(tlv(SEQ, tbs, parts.outerAlgorithm ?? algorithm, tlv(0x03, [0x00, 0xaa])), parts.trailing ?? []);
}

function fails(der: Uint8Array, reason: CertParseErrorReason, message?: RegExp): void {
  assert.throws(
    () => parseCertificate(der),
    (error: unknown) => error instanceof CertParseError && error.reason === reason && (message === undefined || message.test(error.message)),
  );
}

function extensionsOf(...extensions: Uint8Array[]): Record<string, string | true> {
  return parseCertificate(certificate({ extensions })).extensions;
}

/** Where the content of the definite-length element at `at` starts and where the element ends. */
function definiteHeader(bytes: Uint8Array, at: number): { contentStart: number; end: number } {
  const first = bytes[at + 1]!;
  const lengthBytes = first < 0x80 ? 0 : first & 0x7f;
  let length = first < 0x80 ? first : 0;
  for (let i = 0; i < lengthBytes; i++) length = length * 256 + bytes[at + 2 + i]!;
  const contentStart = at + 2 + lengthBytes;
  return { contentStart, end: contentStart + length };
}

/** Parses `der`, requiring exactly the field issues `reasons` (in order). */
function parseWithIssues(der: Uint8Array, ...reasons: CertFieldIssueReason[]): ReturnType<typeof parseCertificate> {
  const issues: CertFieldIssue[] = [];
  const cert = parseCertificate(der, issues);
  assert.deepEqual(
    issues.map((i) => i.reason),
    reasons,
    issues.map((i) => i.message).join('; '),
  );
  for (const issue of issues) assert.ok(issue.message.length > 0);
  return cert;
}

describe('parseCertificate: structure', () => {
  it('parses a minimal certificate into every CertStream field', () => {
    const der = certificate();
    const cert = parseCertificate(der);
    assert.equal(cert.serial_number, '1001');
    assert.equal(cert.not_before, Date.UTC(2025, 0, 1) / 1000);
    assert.equal(cert.not_after, Date.UTC(2026, 0, 1) / 1000);
    assert.equal(cert.signature_algorithm, 'sha256, rsa');
    assert.equal(cert.subject.aggregated, '/CN=example.com');
    assert.equal(cert.issuer.CN, 'Test CA');
    assert.deepEqual(cert.all_domains, ['example.com']);
    assert.equal(cert.as_der, Buffer.from(der).toString('base64'));
    assert.match(cert.fingerprint, /^[0-9A-F]{2}(:[0-9A-F]{2}){19}$/);
    assert.match(cert.sha256, /^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/);
  });

  it('accepts v1 (no version field), unique IDs, and a zero serial', () => {
    const cert = parseCertificate(
      certificate({ version: null, serial: hex('02 01 00'), afterKey: concat(hex('81 02 00 aa'), hex('82 02 00 bb')), extensions: null }),
    );
    assert.equal(cert.serial_number, '0');
    assert.deepEqual(cert.extensions, {});
    assert.equal(cert.is_ca, false);
  });

  it('rejects what OpenSSL rejects too: a broken structure, non-minimal INTEGERs, bad OIDs', () => {
    fails(certificate({ version: tlv(0xa0, [0x02, 0x01, 0x02], [0x05, 0x00]) }), 'structure');
    fails(certificate({ serial: hex('02 02 00 10') }), 'integer', /minimally/);
    fails(certificate({ validity: tlv(SEQ, tlv(0x17, ascii('250101000000Z'))) }), 'structure', /notAfter/);
    fails(certificate({ validity: tlv(SEQ, tlv(0x17, ascii('250101000000Z')), tlv(0x13, ascii('260101000000Z'))) }), 'structure', /UTCTime/);
    fails(certificate({ extensions: [extension('2.5.29.19', tlv(SEQ))].map((e) => concat(e, [0x00])) }), 'der');
    fails(certificate({ afterKey: hex('05 00') }), 'structure');
    fails(certificate({ outerAlgorithm: tlv(SEQ, [0x06, 0x02, 0x2a, 0x80], [0x05, 0x00]) }), 'oid');
    fails(certificate({ algorithm: tlv(SEQ, [0x06, 0x00]), outerAlgorithm: SHA256_RSA }), 'oid');
  });

  it('reads what OpenSSL reads: negative serials, any version, differing signature algorithms, trailing bytes', () => {
    assert.equal(parseWithIssues(certificate({ serial: hex('02 02 ff 10') })).serial_number, '-F0');
    assert.equal(parseWithIssues(certificate({ serial: hex('02 01 80') })).serial_number, '-80');
    assert.equal(parseWithIssues(certificate({ serial: hex('02 03 ff 00 00') })).serial_number, '-10000');
    assert.equal(parseWithIssues(certificate({ version: tlv(0xa0, [0x02, 0x01, 0x03]) })).serial_number, '1001');
    // The outer algorithm is the one the signature was made with, so it is the one shown.
    const mixed = parseWithIssues(certificate({ outerAlgorithm: tlv(SEQ, oid('1.2.840.113549.1.1.5'), [0x05, 0x00]) }));
    assert.equal(mixed.signature_algorithm, 'sha1, rsa');
    const trailing = certificate({ trailing: hex('00 01') });
    const cert = parseWithIssues(trailing, 'trailing_data');
    assert.equal(cert.as_der, Buffer.from(trailing).toString('base64'), 'as_der and the hashes keep the logged bytes');
    assert.equal(cert.subject.CN, 'example.com');
  });

  it('reads BER: indefinite lengths, non-minimal lengths, constructed OCTET STRING values, primitive-flagged names', () => {
    const der = certificate({ extensions: [extension('2.5.29.19', tlv(SEQ, [0x01, 0x01, 0xff]))] });
    const reference = parseCertificate(der);
    // The same certificate with its tbsCertificate re-encoded with an indefinite length.
    const outer = definiteHeader(der, 0);
    const tbs = definiteHeader(der, outer.contentStart);
    const tbsContent = der.subarray(tbs.contentStart, tbs.end);
    const ber = tlv(SEQ, [0x30, 0x80], tbsContent, [0x00, 0x00], der.subarray(tbs.end));
    const fromBer = parseWithIssues(ber);
    assert.deepEqual({ ...fromBer, as_der: '', fingerprint: '', sha1: '', sha256: '' }, { ...reference, as_der: '', fingerprint: '', sha1: '', sha256: '' });
    // basicConstraints' value as a constructed OCTET STRING of two chunks.
    const chunked = certificate({ extensions: [tlv(SEQ, oid('2.5.29.19'), tlv(0x24, tlv(0x04, [0x30, 0x03]), tlv(0x04, [0x01, 0x01, 0xff])))] });
    const cert = parseWithIssues(chunked);
    assert.equal(cert.extensions.basicConstraints, 'CA:TRUE');
    assert.equal(cert.is_ca, true);
    // A subject Name and its SETs with the constructed bit clear (0x10, 0x11).
    const oddName = name([['2.5.4.3', PRINTABLE, ascii('odd.example')]]);
    oddName[0] = 0x10; // SEQUENCE without the constructed bit
    oddName[2] = 0x11; // SET without the constructed bit
    assert.equal(parseWithIssues(certificate({ subject: oddName })).subject.CN, 'odd.example');
  });

  it('shows a time that does not decode as null, and reports it', () => {
    const validity = tlv(SEQ, tlv(0x17, ascii('110321092552Z')), tlv(0x17, ascii('19020701025736Z')));
    const cert = parseWithIssues(certificate({ validity }), 'time');
    assert.equal(cert.not_before, Date.UTC(2011, 2, 21, 9, 25, 52) / 1000);
    assert.equal(cert.not_after, null);
  });
});

describe('parseCertificate: names', () => {
  it('shows the last CN, joins other repeated attributes with ",", and lists every CN in all_domains', () => {
    const cert = parseCertificate(
      certificate({
        subject: name(
          [['2.5.4.6', PRINTABLE, ascii('US')]],
          [['2.5.4.11', UTF8, ascii('One')]],
          [['2.5.4.11', UTF8, ascii('Two')]],
          [
            ['2.5.4.3', UTF8, ascii('a.example')],
            ['2.5.4.3', UTF8, ascii('b.example')],
          ],
        ),
        extensions: [extension('2.5.29.17', tlv(SEQ, tlv(0x82, ascii('b.example')), tlv(0x82, ascii('c.example'))))],
      }),
    );
    assert.equal(cert.subject.OU, 'One,Two');
    assert.equal(cert.subject.CN, 'b.example', 'the last CN, as both reference servers show it');
    assert.equal(cert.subject.aggregated, '/C=US/CN=b.example/OU=One,Two');
    assert.deepEqual(cert.all_domains, ['a.example', 'b.example', 'c.example'], 'every CN, then the SAN dNSNames');
  });

  it('orders aggregated C, CN, L, O, OU, ST whatever the certificate order, and shows "/" for an empty name', () => {
    const cert = parseCertificate(
      certificate({
        subject: name(
          [['2.5.4.8', UTF8, ascii('Texas')]],
          [['2.5.4.10', UTF8, ascii('Org')]],
          [['2.5.4.7', UTF8, ascii('Austin')]],
          [['2.5.4.3', UTF8, ascii('x')]],
          [['2.5.4.6', PRINTABLE, ascii('US')]],
        ),
        issuer: tlv(SEQ),
      }),
    );
    assert.equal(cert.subject.aggregated, '/C=US/CN=x/L=Austin/O=Org/ST=Texas');
    assert.deepEqual(cert.issuer, { aggregated: '/', C: null, ST: null, L: null, O: null, OU: null, CN: null });
  });

  it('decodes BMPString names; a shown value that does not decode is left out and reported, others are not read', () => {
    const bmp = Buffer.from('Zürich', 'utf16le').swap16();
    assert.equal(parseCertificate(certificate({ subject: name([['2.5.4.7', BMP, bmp]]) })).subject.L, 'Zürich');
    // streetAddress with invalid UTF-8: never shown, so never read.
    assert.equal(parseWithIssues(certificate({ subject: name([['2.5.4.9', UTF8, hex('c3 28')], ['2.5.4.3', UTF8, ascii('ok.example')]]) })).subject.CN, 'ok.example');
    const badCn = parseWithIssues(certificate({ subject: name([['2.5.4.3', UTF8, ascii('a.example')]], [['2.5.4.3', UTF8, hex('c3 28')]]) }), 'string');
    assert.equal(badCn.subject.CN, 'a.example');
    assert.deepEqual(badCn.all_domains, ['a.example']);
    const octets = parseWithIssues(certificate({ subject: name([['2.5.4.3', 0x04, ascii('x')]], [['2.5.4.10', BMP, [0x00]]]) }), 'string', 'string');
    assert.deepEqual(octets.subject, { aggregated: '/', C: null, ST: null, L: null, O: null, OU: null, CN: null });
    assert.deepEqual(octets.all_domains, []);
  });
});

describe('parseCertificate: extensions', () => {
  it('formats every GeneralName form as OpenSSL does', () => {
    const san = tlv(
      SEQ,
      tlv(0x82, ascii('a.example')),
      tlv(0x87, [192, 0, 2, 1]),
      tlv(0x87, hex('2001 0db8 0000 0000 0000 0000 0000 0001')),
      tlv(0x87, [1, 2, 3]),
      tlv(0x81, ascii('x@example.com')),
      tlv(0x86, ascii('https://example.com/')),
      tlv(0xa4, name([['2.5.4.6', PRINTABLE, ascii('US')]], [['2.5.4.3', UTF8, ascii('Dir')]])),
      tlv(0x88, hex('2a 03 04')),
      tlv(0xa0, oid('1.3.6.1.4.1.311.20.2.3'), tlv(0xa0, tlv(UTF8, ascii('upn')))),
      tlv(0xa3, tlv(SEQ)),
      tlv(0xa5, tlv(0xa1, tlv(UTF8, ascii('party')))),
    );
    assert.equal(
      extensionsOf(extension('2.5.29.17', san)).subjectAltName,
      'DNS:a.example, IP Address:192.0.2.1, IP Address:2001:DB8:0:0:0:0:0:1, IP Address:<invalid length=3>, ' +
        'email:x@example.com, URI:https://example.com/, DirName:/C=US/CN=Dir, Registered ID:1.2.3.4, ' +
        'othername:<unsupported>, X400Name:<unsupported>, EdiPartyName:<unsupported>',
    );
    // A GeneralName OpenSSL cannot decode either: the whole SAN is shown as hex and adds no domain.
    const bad = tlv(SEQ, tlv(0x82, ascii('lost.example')), tlv(0x89, [0]));
    const cert = parseWithIssues(certificate({ extensions: [extension('2.5.29.17', bad)] }), 'extension');
    assert.equal(cert.extensions.subjectAltName, '30:11:82:0C:6C:6F:73:74:2E:65:78:61:6D:70:6C:65:89:01:00');
    assert.deepEqual(cert.all_domains, ['example.com']);
  });

  it('prints basicConstraints without pathlen, and is_ca from cA', () => {
    const ca = parseCertificate(certificate({ extensions: [extension('2.5.29.19', tlv(SEQ, [0x01, 0x01, 0xff], [0x02, 0x01, 0x00]), true)] }));
    assert.equal(ca.extensions.basicConstraints, 'CA:TRUE');
    assert.equal(ca.is_ca, true);
    assert.equal(extensionsOf(extension('2.5.29.19', tlv(SEQ, [0x01, 0x01, 0x00]))).basicConstraints, 'CA:FALSE');
    assert.equal(extensionsOf(extension('2.5.29.19', tlv(SEQ, [0x01, 0x01, 0x01]))).basicConstraints, 'CA:TRUE', 'BER TRUE');
    assert.equal(extensionsOf(extension('2.5.29.19', tlv(SEQ, [0x01, 0x01, 0xff], [0x02, 0x01, 0xff]))).basicConstraints, 'CA:TRUE', 'negative pathlen');
    const broken = parseWithIssues(certificate({ extensions: [extension('2.5.29.19', tlv(SEQ, [0x01, 0x01, 0xff], [0x05, 0x00]))] }), 'extension');
    assert.equal(broken.extensions.basicConstraints, '30:05:01:01:FF:05:00');
    assert.equal(broken.is_ca, false);
  });

  it('names key usage bits in both bytes', () => {
    assert.equal(extensionsOf(extension('2.5.29.15', hex('03 03 07 86 80'))).keyUsage, 'Digital Signature, Key Cert Sign, C R L Sign, Decipher Only');
  });

  it('prints EKU names, with dotted OIDs for unknown purposes', () => {
    const eku = tlv(SEQ, oid('1.3.6.1.5.5.7.3.1'), oid('1.3.6.1.5.5.7.3.4'), oid('1.2.3.4.5'));
    assert.equal(extensionsOf(extension('2.5.29.37', eku)).extendedKeyUsage, 'TLS Web server authentication, E-mail protection, 1.2.3.4.5');
  });

  it('omits authorityKeyIdentifier without a keyIdentifier', () => {
    const issuerAndSerial = tlv(SEQ, tlv(0xa1, tlv(0xa4, name([['2.5.4.3', UTF8, ascii('CA')]]))), [0x82, 0x01, 0x05]);
    assert.deepEqual(extensionsOf(extension('2.5.29.35', issuerAndSerial)), {});
    assert.equal(extensionsOf(extension('2.5.29.35', tlv(SEQ, [0x80, 0x02, 0xab, 0xcd]))).authorityKeyIdentifier, 'keyid:AB:CD\n');
  });

  it('prints policies with CPS and user notices (explicit text, else the organization)', () => {
    const policies = tlv(
      SEQ,
      tlv(SEQ, oid('2.23.140.1.2.1')),
      tlv(
        SEQ,
        oid('1.2.3'),
        tlv(
          SEQ,
          tlv(SEQ, oid('1.3.6.1.5.5.7.2.1'), tlv(IA5, ascii('http://cps'))),
          tlv(SEQ, oid('1.3.6.1.5.5.7.2.2'), tlv(SEQ, tlv(SEQ, tlv(UTF8, ascii('Org')), tlv(SEQ, [0x02, 0x01, 0x01])))),
          tlv(SEQ, oid('1.3.6.1.5.5.7.2.2'), tlv(SEQ, tlv(0x1a, ascii('Explicit')))),
        ),
      ),
    );
    assert.equal(
      extensionsOf(extension('2.5.29.32', policies)).certificatePolicies,
      'Policy: 2.23.140.1.2.1\nPolicy: 1.2.3\n  CPS: http://cps\n  User Notice: Org\n  User Notice: Explicit',
    );
    // A CPS URI in the wrong string type still reads; a CPS qualifier that is no string at all does not.
    const utf8Cps = tlv(SEQ, tlv(SEQ, oid('1.2.3'), tlv(SEQ, tlv(SEQ, oid('1.3.6.1.5.5.7.2.1'), tlv(UTF8, ascii('http://cps'))))));
    assert.equal(extensionsOf(extension('2.5.29.32', utf8Cps)).certificatePolicies, 'Policy: 1.2.3\n  CPS: http://cps');
    const sequenceCps = tlv(SEQ, tlv(SEQ, oid('1.2.3'), tlv(SEQ, tlv(SEQ, oid('1.3.6.1.5.5.7.2.1'), tlv(SEQ)))));
    const cert = parseWithIssues(certificate({ extensions: [extension('2.5.29.32', sequenceCps)] }), 'extension');
    assert.match(String(cert.extensions.certificatePolicies), /^30:16:30:14:06:02:2A:03:30:0E/);
  });

  it('prints each CRL distribution point, including a cRLIssuer', () => {
    const points = tlv(
      SEQ,
      tlv(SEQ, tlv(0xa0, tlv(0xa0, tlv(0x86, ascii('http://a/crl')), tlv(0x86, ascii('http://b/crl'))))),
      tlv(SEQ, tlv(0xa2, tlv(0x86, ascii('http://issuer')))),
    );
    assert.equal(
      extensionsOf(extension('2.5.29.31', points)).crlDistributionPoints,
      'Full Name:\n URI:http://a/crl\n URI:http://b/crl\nCRL Issuer:\n URI:http://issuer',
    );
  });

  it('lists info access entries last first, each ending in a newline', () => {
    const access = tlv(
      SEQ,
      tlv(SEQ, oid('1.3.6.1.5.5.7.48.1'), tlv(0x86, ascii('http://ocsp'))),
      tlv(SEQ, oid('1.3.6.1.5.5.7.48.2'), tlv(0x86, ascii('http://ca'))),
      tlv(SEQ, oid('1.2.3'), tlv(0x86, ascii('http://other'))),
    );
    assert.equal(extensionsOf(extension('1.3.6.1.5.5.7.1.1', access)).authorityInfoAccess, '1.2.3 - URI:http://other\nCA Issuers - URI:http://ca\nOCSP - URI:http://ocsp\n');
  });

  it('shows SCT lists and unknown extensions as padded base64url, and the poison as true', () => {
    const sctList = tlv(0x04, hex('00 03 fb ff fe'));
    const extensions = extensionsOf(
      extension('1.3.6.1.4.1.11129.2.4.2', sctList),
      extension('1.3.6.1.4.1.11129.2.4.3', [0x05, 0x00], true),
      extension('1.2.3.4', hex('fb ef')),
    );
    assert.deepEqual(extensions, { ctlSignedCertificateTimestamp: 'BAUAA_v__g==', ctlPoisonByte: true, '1.2.3.4': '--8=' });
    const poison = parseWithIssues(certificate({ extensions: [extension('1.3.6.1.4.1.11129.2.4.3', [0x05, 0x01, 0x00])] }), 'extension');
    assert.equal(poison.extensions.ctlPoisonByte, '05:01:00');
  });

  it('shows the first of a repeated extension and undecodable values as hex, reporting each', () => {
    const first = extension('2.5.29.14', tlv(0x04, [1, 2]));
    const second = extension('2.5.29.14', tlv(0x04, [3, 4]));
    const repeated = parseWithIssues(certificate({ extensions: [first, second, extension('1.2.3', [7]), extension('1.2.3', [8])] }), 'extension_repeated', 'extension_repeated');
    assert.deepEqual(repeated.extensions, { subjectKeyIdentifier: '01:02', '1.2.3': 'Bw==' });
    const noKeyId = extension('2.5.29.35', tlv(SEQ, [0x82, 0x01, 0x05]));
    assert.deepEqual(parseWithIssues(certificate({ extensions: [noKeyId, extension('2.5.29.35', tlv(SEQ, [0x80, 0x01, 0xab]))] }), 'extension_repeated').extensions, {});
    assert.equal(parseWithIssues(certificate({ extensions: [extension('2.5.29.15', tlv(0x03, [0x09, 0x80]))] }), 'extension').extensions.keyUsage, '03:02:09:80');
    const issues: CertFieldIssue[] = [];
    parseCertificate(certificate({ extensions: [extension('2.5.29.14', concat(tlv(0x04, [1]), [0x00]))] }), issues);
    assert.match(issues[0]!.message, /subjectKeyIdentifier/);
  });

  it('names RSASSA-PSS by its hash, as Go does', () => {
    const pss = (hashOid: string): Uint8Array =>
      tlv(SEQ, oid('1.2.840.113549.1.1.10'), tlv(SEQ, tlv(0xa0, tlv(SEQ, oid(hashOid), [0x05, 0x00]))));
    assert.equal(parseCertificate(certificate({ algorithm: pss('2.16.840.1.101.3.4.2.1') })).signature_algorithm, 'sha256, rsa-pss');
    assert.equal(parseCertificate(certificate({ algorithm: pss('2.16.840.1.101.3.4.2.3') })).signature_algorithm, 'sha512, rsa-pss');
    assert.equal(parseCertificate(certificate({ algorithm: pss('1.3.14.3.2.26') })).signature_algorithm, 'unknown');
    assert.equal(parseCertificate(certificate({ algorithm: tlv(SEQ, oid('1.3.101.112')) })).signature_algorithm, 'ed25519');
    const brokenParams = tlv(SEQ, oid('1.2.840.113549.1.1.10'), tlv(SEQ, tlv(0xa0, tlv(0x04))));
    assert.equal(parseWithIssues(certificate({ algorithm: brokenParams }), 'signature_algorithm').signature_algorithm, 'unknown');
  });
});
