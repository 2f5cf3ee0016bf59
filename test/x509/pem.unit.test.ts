import { X509Certificate } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CertParseError, readPemCertificates } from '../../src/x509/index.js';
import { fixturePath, sharedFixtures } from '../support/fixtures.js';
import { skipWithout } from '../support/requirements.js';

const BODY = 'MAMCAQE='; // DER 30 03 02 01 01
const block = (body: string): string => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----\n`;

describe('readPemCertificates', () => {
  it('reads every block in order and ignores text around them', () => {
    const text = `Certificate:\n    Data: ...\n${block(BODY)}between\n${block('MAA=')}trailer`;
    assert.deepEqual(
      readPemCertificates(text).map((der) => Buffer.from(der).toString('hex')),
      ['3003020101', '3000'],
    );
  });

  it('accepts CRLF line ends and wrapped base64', () => {
    assert.equal(readPemCertificates(block('MAMC\r\nAQE=').replaceAll('\n', '\r\n')).length, 1);
  });

  it('returns nothing for text without a certificate block', () => {
    assert.deepEqual(readPemCertificates('-----BEGIN PUBLIC KEY-----\nMAA=\n-----END PUBLIC KEY-----\n'), []);
  });

  it('rejects unterminated blocks and invalid base64 instead of returning shortened DER', () => {
    const isPemError = (error: unknown): boolean => error instanceof CertParseError && error.reason === 'pem';
    assert.throws(() => readPemCertificates(`-----BEGIN CERTIFICATE-----\n${BODY}\n`), isPemError);
    assert.throws(() => readPemCertificates(block('MAMC*QE=')), isPemError);
    assert.throws(() => readPemCertificates(block('MAMCAQE')), isPemError);
    assert.throws(() => readPemCertificates(block('MA==MA==')), isPemError);
    assert.throws(() => readPemCertificates(`-----BEGIN CERTIFICATE-----\n${block(BODY)}`), isPemError);
  });

  it('reads the fixtures that begin with an OpenSSL text dump, as OpenSSL does', { skip: skipWithout(sharedFixtures) }, () => {
    const dir = fixturePath('certs', 'google-certificate-transparency');
    let compared = 0;
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.pem'))) {
      const bytes = readFileSync(`${dir}/${file}`);
      if (bytes.toString('latin1').startsWith('-----BEGIN')) continue;
      const first = readPemCertificates(bytes.toString('latin1'))[0];
      assert.ok(first, `${file}: no certificate found after the text dump`);
      let openssl: X509Certificate;
      try {
        // OpenSSL's PEM reader also skips leading text and takes the first block.
        openssl = new X509Certificate(bytes);
      } catch {
        continue; // the deliberately broken fixtures; fixtures.unit.test.ts covers them
      }
      assert.deepEqual(Buffer.from(first), openssl.raw, file);
      compared++;
    }
    assert.ok(compared >= 5, `only ${compared} text-dump fixtures compared`);
  });
});
