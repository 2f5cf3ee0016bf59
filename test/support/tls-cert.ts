/** A self-signed certificate for 127.0.0.1 and localhost, made with pkijs, for TLS tests. */
import { KeyObject, randomBytes, webcrypto } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { pkiEngine } from '../../src/sim/pki.js';

export interface TestCertificate {
  certPem: string;
  keyPem: string;
  certFile: string;
  keyFile: string;
}

function extension(extnID: string, critical: boolean, value: ArrayBuffer): pkijs.Extension {
  return new pkijs.Extension({ extnID, critical, extnValue: value });
}

function pem(label: string, der: ArrayBuffer | Buffer): string {
  const b64 = Buffer.from(der as ArrayBuffer).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END ${label}-----\n`;
}

/** Makes the certificate and writes cert.pem and key.pem into `dir`. */
export async function makeTestCertificate(dir: string): Promise<TestCertificate> {
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const cert = new pkijs.Certificate();
  cert.version = 2;
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  cert.serialNumber = new asn1js.Integer({ valueHex: serial });
  const name = new pkijs.RelativeDistinguishedNames({
    typesAndValues: [new pkijs.AttributeTypeAndValue({ type: '2.5.4.3', value: new asn1js.Utf8String({ value: 'certstream-ts test' }) })],
  });
  cert.subject = name;
  cert.issuer = name;
  cert.notBefore.value = new Date(Date.now() - 3600_000);
  cert.notAfter.value = new Date(Date.now() + 24 * 3600_000);
  await cert.subjectPublicKeyInfo.importKey(keys.publicKey, pkiEngine);
  const altNames = new pkijs.AltName({
    altNames: [new pkijs.GeneralName({ type: 2, value: 'localhost' }), new pkijs.GeneralName({ type: 7, value: new asn1js.OctetString({ valueHex: Uint8Array.of(127, 0, 0, 1).buffer }) })],
  });
  cert.extensions = [
    extension('2.5.29.19', true, new pkijs.BasicConstraints({ cA: true }).toSchema().toBER()),
    extension('2.5.29.17', false, altNames.toSchema().toBER()),
  ];
  await cert.sign(keys.privateKey, 'SHA-256', pkiEngine);
  const certPem = pem('CERTIFICATE', cert.toSchema(true).toBER());
  const keyPem = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString();
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  await writeFile(certFile, certPem);
  await writeFile(keyFile, keyPem, { mode: 0o600 });
  return { certPem, keyPem, certFile, keyFile };
}
