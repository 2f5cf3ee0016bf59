import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, verify, X509Certificate } from 'node:crypto';
import { describe, it, before } from 'node:test';
import { domainToASCII } from 'node:url';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { encodeMerkleTreeLeaf } from '../../src/ct/leaf.js';
import { TlsReader } from '../../src/ct/tls.js';
import { CertFactory, POISON_OID, SCT_LIST_OID, type IssuedCertificate } from '../../src/sim/cert-factory.js';
import { precertTbsWithoutPoison, tbsWithoutExtension } from '../../src/sim/precert-tbs.js';
import { logIdFromKey } from '../../src/ct/sth.js';

function parsePkijs(der: Uint8Array): pkijs.Certificate {
  return new pkijs.Certificate({ schema: asn1js.fromBER(der).result });
}

function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

function issuerSpki(cert: IssuedCertificate): Buffer {
  return new X509Certificate(cert.chain[0]!.der).publicKey.export({ type: 'spki', format: 'der' });
}

void describe('certificate factory', () => {
  let factory: CertFactory;
  const sctKeys = [0, 1, 2].map(() => generateKeyPairSync('ec', { namedCurve: 'P-256' }));
  const sctSigners = sctKeys.map((k) => ({ logId: logIdFromKey(k.publicKey.export({ type: 'spki', format: 'der' })), privateKey: k.privateKey }));

  before(async () => {
    factory = await CertFactory.create({ seed: 'factory-test', sctSigners });
  });

  void it('issues a precertificate with forced names (wildcard, IDN) that node parses and verifies', () => {
    const idn = domainToASCII('bücher.de');
    assert.equal(idn, 'xn--bcher-kva.de');
    const cert = factory.precertificate({ dnsNames: ['login.paypal.example', '*.shop.example', idn] });
    const x = new X509Certificate(cert.der);
    assert.equal(x.subject, 'CN=login.paypal.example');
    assert.equal(x.subjectAltName, 'DNS:login.paypal.example, DNS:*.shop.example, DNS:xn--bcher-kva.de');
    assert.equal(x.ca, false);
    assert.ok(x.verify(new X509Certificate(cert.chain[0]!.der).publicKey), 'signed by its issuer');
    assert.ok(x.checkIssued(new X509Certificate(cert.issuer.der)));
    const days = (Date.parse(x.validTo) - Date.parse(x.validFrom)) / 86_400_000;
    assert.ok(days > 89 && days < 200, `validity ${days} days`);
  });

  void it('puts the critical CT poison (ASN.1 NULL) in precertificates and an SCT list in final certificates', () => {
    const pre = parsePkijs(factory.precertificate().der);
    const poison = pre.extensions?.find((e) => e.extnID === POISON_OID);
    assert.ok(poison, 'poison present');
    assert.equal(poison.critical, true);
    assert.deepEqual([...poison.extnValue.valueBlock.valueHexView], [0x05, 0x00]);
    assert.equal(pre.extensions?.some((e) => e.extnID === SCT_LIST_OID), false);

    const final = parsePkijs(factory.certificate().der);
    assert.equal(final.extensions?.some((e) => e.extnID === POISON_OID), false);
    assert.ok(final.extensions?.some((e) => e.extnID === SCT_LIST_OID));
  });

  void it('has the realistic extension set', () => {
    const cert = parsePkijs(factory.certificate({ issuer: 'Simulated Trust TLS RSA CA G1' }).der);
    const ids = new Set(cert.extensions?.map((e) => e.extnID));
    for (const oid of ['2.5.29.15', '2.5.29.37', '2.5.29.19', '2.5.29.14', '2.5.29.35', '1.3.6.1.5.5.7.1.1', '2.5.29.17', '2.5.29.32', '2.5.29.31']) {
      assert.ok(ids.has(oid), `extension ${oid}`);
    }
    const bc = cert.extensions?.find((e) => e.extnID === '2.5.29.19');
    assert.equal(bc?.critical, true);
    const aia = new X509Certificate(factory.certificate().der).infoAccess ?? '';
    assert.match(aia, /OCSP - URI:http:\/\//);
    assert.match(aia, /CA Issuers - URI:http:\/\//);
  });

  void it('gives precerts the RFC 6962 PreCert: TBS without poison, issuer_key_hash = SHA-256(issuer SPKI)', () => {
    for (let i = 0; i < 20; i++) {
      const cert = factory.precertificate();
      assert.ok(cert.precert);
      assert.deepEqual(Buffer.from(cert.precert.issuerKeyHash), sha256(issuerSpki(cert)));
      // The PreCert TBS is the precert's own TBS minus the poison, byte for byte.
      assert.deepEqual(Buffer.from(cert.precert.tbs), Buffer.from(precertTbsWithoutPoison(cert.der)!));
      const tbs = new pkijs.Certificate();
      const parsed = asn1js.fromBER(cert.precert.tbs);
      assert.equal(parsed.offset, cert.precert.tbs.length);
      // pkijs reads a TBSCertificate as the first field of a Certificate schema: wrap it to check its extensions.
      const wrapped = new asn1js.Sequence({ value: [parsed.result, new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: '1.2.840.10045.4.3.2' })] }), new asn1js.BitString({ valueHex: new Uint8Array(8) })] });
      tbs.fromSchema(asn1js.fromBER(wrapped.toBER()).result);
      assert.equal(tbs.extensions?.some((e) => e.extnID === POISON_OID), false);
      assert.ok(tbs.extensions?.some((e) => e.extnID === '2.5.29.17'));
    }
  });

  void it('embeds SCTs really signed by the given logs over the matching precert entry', () => {
    const cert = factory.certificate();
    const ext = parsePkijs(cert.der).extensions!.find((e) => e.extnID === SCT_LIST_OID)!;
    const tlsList = (asn1js.fromBER(ext.extnValue.valueBlock.valueHexView).result as asn1js.OctetString).valueBlock.valueHexView;
    const list = new TlsReader(new TlsReader(tlsList).opaque16('list'));
    const precertTbs = tbsWithoutExtension(cert.der, SCT_LIST_OID)!;
    const issuerKeyHash = sha256(issuerSpki(cert));
    let count = 0;
    while (list.remaining > 0) {
      const sct = new TlsReader(list.opaque16('sct'));
      assert.equal(sct.u8(), 0);
      const logId = Buffer.from(sct.bytes(32));
      const timestamp = sct.u64();
      const extensions = sct.opaque16();
      assert.equal(sct.u8(), 4); // sha256
      assert.equal(sct.u8(), 3); // ecdsa
      const signature = sct.opaque16();
      const signer = sctKeys.find((k) => logIdFromKey(k.publicKey.export({ type: 'spki', format: 'der' })).equals(logId));
      assert.ok(signer, 'SCT from one of the configured logs');
      const signed = encodeMerkleTreeLeaf({ timestamp, kind: 'precert', signedEntry: precertTbs, issuerKeyHash, extensions });
      assert.ok(verify('sha256', signed, signer.publicKey, signature), 'SCT signature verifies');
      count++;
    }
    assert.ok(count >= 2 && count <= 3, `${count} SCTs`);
  });

  void it('uses RSA and ECDSA subscriber keys and issuers, and chains of one or two issuers', () => {
    const keyTypes = new Set<string>();
    const issuers = new Set<string>();
    const chainLengths = new Set<number>();
    for (let i = 0; i < 300; i++) {
      const cert = factory.issue();
      keyTypes.add(new X509Certificate(cert.der).publicKey.asymmetricKeyType ?? '');
      issuers.add(cert.issuer.keyAlgorithm);
      chainLengths.add(cert.chain.length);
    }
    assert.deepEqual([...keyTypes].sort(), ['ec', 'rsa']);
    assert.deepEqual([...issuers].sort(), ['ecdsa', 'rsa']);
    assert.deepEqual([...chainLengths].sort(), [1, 2]);
  });

  void it('generates varied realistic names: wildcards, IDN, many-SAN, brands, no-CN', () => {
    let wildcard = 0;
    let idn = 0;
    let many = 0;
    let brand = 0;
    let noCn = 0;
    let precerts = 0;
    const n = 2000;
    for (let i = 0; i < n; i++) {
      const cert = factory.issue();
      if (cert.kind === 'precert') precerts++;
      if (cert.dnsNames.some((d) => d.startsWith('*.'))) wildcard++;
      if (cert.dnsNames.some((d) => d.split('.').some((l) => l.startsWith('xn--')))) idn++;
      if (cert.dnsNames.length >= 20) many++;
      if (cert.dnsNames.some((d) => /paypal|apple|microsoft|login|amazon/.test(d))) brand++;
      if (cert.commonName === undefined) noCn++;
      assert.ok(cert.dnsNames.length >= 1 && cert.dnsNames.length <= 100);
    }
    assert.ok(wildcard > 50, `wildcards ${wildcard}`);
    assert.ok(idn > 20, `idn ${idn}`);
    assert.ok(many > 5, `many-SAN ${many}`);
    assert.ok(brand > 30, `brand ${brand}`);
    assert.ok(noCn > 10, `no CN ${noCn}`);
    assert.ok(precerts > n * 0.6 && precerts < n * 0.8, `precerts ${precerts}`);
  });

  void it('is reproducible for a seed', async () => {
    const a = await CertFactory.create({ seed: 42 });
    const b = await CertFactory.create({ seed: 42 });
    const c = await CertFactory.create({ seed: 43 });
    const names = (f: CertFactory): string[] => Array.from({ length: 30 }, () => f.issue().dnsNames.join(','));
    const [na, nb, nc] = [names(a), names(b), names(c)];
    assert.deepEqual(na, nb);
    assert.notDeepEqual(na, nc);
    assert.equal(a.issue().serialHex, b.issue().serialHex);
  });

  // Its speed is the benchmarks' business (performance is never asserted in tests): here, that a
  // long run of certificates stays distinct.
  void it('issues thousands of distinct certificates', () => {
    const n = 2000;
    const issued = Array.from({ length: n }, () => factory.issue());
    assert.equal(new Set(issued.map((c) => c.serialHex)).size, n, 'distinct serials');
    assert.equal(new Set(issued.map((c) => Buffer.from(c.der).toString('base64'))).size, n, 'distinct DER');
  });
});
