/**
 * Our parse against OpenSSL (node:crypto X509Certificate) wherever both expose the same facts,
 * over every parsable fixture certificate (~1,200: certs/, CT entries, roots, tile precerts).
 *
 * Two deliberate differences are normalized here, nowhere else:
 * - OpenSSL reads bytes >= 0x80 in 8-bit string types (PrintableString, IA5String...) as Latin-1;
 *   we read them as UTF-8 when they are valid UTF-8. Either reading of the same bytes is accepted.
 * - authorityInfoAccess lists entries in reverse order, as the original CertStream server did.
 */
import { X509Certificate } from 'node:crypto';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CertStreamCert, CertStreamName } from '../../src/x509/index.js';
import { skipWithoutFixtures } from '../support/fixtures.js';
import { parsableFixtureCerts } from './fixture-certs.js';

interface Pair {
  readonly label: string;
  readonly ours: CertStreamCert;
  readonly openssl: X509Certificate;
}

function parsablePairs(): Pair[] {
  return parsableFixtureCerts().map(({ label, der, cert }) => ({ label, ours: cert, openssl: new X509Certificate(der) }));
}

/** Whether `ours` is `theirs` (OpenSSL's text) read directly or with its Latin-1 characters taken as UTF-8 bytes. */
function sameText(ours: string, theirs: string): boolean {
  return ours === theirs || (/^[\0-\xff]*$/.test(theirs) && ours === Buffer.from(theirs, 'latin1').toString('utf8'));
}

/**
 * Splits node's GeneralName list ("DNS:a, DNS:\"b\\u002c\", IP Address:1.2.3.4") into [label, value]
 * pairs; node JSON-quotes values that contain separators or special characters.
 */
function splitGeneralNames(text: string, separator: string): [string, string][] {
  const out: [string, string][] = [];
  let p = 0;
  while (p < text.length) {
    const colon = text.indexOf(':', p);
    const label = text.slice(p, colon);
    let value: string;
    if (text[colon + 1] === '"') {
      let q = colon + 2;
      while (text[q] !== '"') q += text[q] === '\\' ? 2 : 1;
      value = JSON.parse(text.slice(colon + 1, q + 1)) as string;
      p = q + 1;
    } else {
      const next = text.indexOf(separator, colon);
      value = text.slice(colon + 1, next === -1 ? text.length : next);
      p = next === -1 ? text.length : next;
    }
    out.push([label, value]);
    if (text.startsWith(separator, p)) p += separator.length;
  }
  return out;
}

/** [key, value] of every attribute in node's multi-line name, in order. */
function nameAttributes(multiline: string | undefined): [string, string][] {
  if (multiline === undefined || multiline === '') return [];
  // One line per RDN; a multi-valued RDN joins its attributes with " + " (a literal "+" is "\\+").
  return multiline
    .split('\n')
    .flatMap((rdn) => rdn.split(' + '))
    .map((attribute) => {
      const eq = attribute.indexOf('=');
      return [attribute.slice(0, eq), unescapeNameValue(attribute.slice(eq + 1))];
    });
}

/** Undoes node's RFC 4514-style escapes: "\\," for specials, "\\0A" for control bytes. */
function unescapeNameValue(value: string): string {
  return value.replace(/\\([0-9A-F]{2})|\\(.)/g, (_, hex: string | undefined, ch: string | undefined) =>
    hex !== undefined ? String.fromCharCode(parseInt(hex, 16)) : ch!,
  );
}

function assertSameName(ours: CertStreamName, multiline: string | undefined, what: string): void {
  const theirs: Record<string, string> = {};
  for (const [key, value] of nameAttributes(multiline)) theirs[key] = key in theirs ? `${theirs[key]},${value}` : value;
  for (const key of ['C', 'ST', 'L', 'O', 'OU', 'CN'] as const) {
    const value = ours[key];
    if (theirs[key] === undefined) assert.equal(value, null, `${what} ${key}`);
    else assert.ok(value !== null && sameText(value, theirs[key]), `${what} ${key}: ours ${JSON.stringify(value)}, OpenSSL ${JSON.stringify(theirs[key])}`);
  }
}

describe('x509 vs OpenSSL (node:crypto X509Certificate)', { skip: skipWithoutFixtures }, () => {
  it('agrees on fingerprints, serial, validity and DER', () => {
    const pairs = parsablePairs();
    assert.ok(pairs.length > 1200);
    for (const { label, ours, openssl } of pairs) {
      assert.equal(ours.fingerprint, openssl.fingerprint, `${label} fingerprint`);
      assert.equal(ours.sha1, openssl.fingerprint, `${label} sha1`);
      assert.equal(ours.sha256, openssl.fingerprint256, `${label} sha256`);
      assert.equal(ours.serial_number, openssl.serialNumber.replace(/^0+(?=.)/, ''), `${label} serial`);
      assert.equal(ours.not_before, Date.parse(openssl.validFrom) / 1000, `${label} not_before ${openssl.validFrom}`);
      assert.equal(ours.not_after, Date.parse(openssl.validTo) / 1000, `${label} not_after ${openssl.validTo}`);
      assert.equal(ours.as_der, openssl.raw.toString('base64'), `${label} as_der`);
    }
  });

  it('agrees on the subject and issuer attributes', () => {
    for (const { label, ours, openssl } of parsablePairs()) {
      assertSameName(ours.subject, openssl.subject, `${label} subject`);
      assertSameName(ours.issuer, openssl.issuer, `${label} issuer`);
    }
  });

  it('agrees on subjectAltName entry by entry, and all_domains is CN then SAN dNSNames', () => {
    let checked = 0;
    for (const { label, ours, openssl } of parsablePairs()) {
      const theirs = openssl.subjectAltName === undefined ? [] : splitGeneralNames(openssl.subjectAltName, ', ');
      const ourText = ours.extensions.subjectAltName;
      assert.equal(ourText === undefined, openssl.subjectAltName === undefined, `${label} SAN presence`);
      if (typeof ourText === 'string') {
        // Split ours at the entries node found, so values containing ", " cannot confuse the count.
        const ourEntries = ourText === '' ? [] : ourText.split(', ').length === theirs.length ? ourText.split(', ') : null;
        assert.ok(ourEntries !== null, `${label} SAN entry count: ours ${ourText}, OpenSSL ${openssl.subjectAltName}`);
        theirs.forEach(([kind, value], i) => {
          const ourEntry = ourEntries[i]!;
          assert.ok(ourEntry.startsWith(kind + ':'), `${label} SAN entry ${i}: ${ourEntry} vs ${kind}`);
          const ourValue = ourEntry.slice(kind.length + 1);
          if (kind === 'DirName') {
            // node prints RFC 2253 style (reversed, "," separated); we print OpenSSL's one-line form.
            // Compare the plain cases only: multi-valued RDNs and hex values are spelled too differently.
            if (/[+#\\]/.test(value)) assert.match(ourValue, /^\/./, `${label} SAN entry ${i}`);
            else assert.ok(sameText(ourValue, '/' + value.split(',').reverse().join('/')), `${label} SAN entry ${i}: ${ourEntry} vs ${value}`);
          } else {
            assert.ok(sameText(ourValue, value), `${label} SAN entry ${i}: ${ourEntry} vs ${value}`);
          }
        });
        checked++;
      }
      const commonNames = nameAttributes(openssl.subject)
        .filter(([key]) => key === 'CN')
        .map(([, value]) => value);
      const dnsNames = theirs.filter(([kind]) => kind === 'DNS').map(([, value]) => value);
      const expected = [...new Set([...commonNames, ...dnsNames].filter((name) => name !== ''))];
      assert.equal(ours.all_domains.length, expected.length, `${label} all_domains ${JSON.stringify(ours.all_domains)} vs ${JSON.stringify(expected)}`);
      ours.all_domains.forEach((name, i) => assert.ok(sameText(name, expected[i]!), `${label} all_domains[${i}]`));
    }
    assert.ok(checked > 500, `only ${checked} certificates had a SAN`);
  });

  it('agrees on authorityInfoAccess (listed last entry first, as the original server did)', () => {
    for (const { label, ours, openssl } of parsablePairs()) {
      if (openssl.infoAccess === undefined) {
        assert.equal(ours.extensions.authorityInfoAccess, undefined, `${label} AIA presence`);
        continue;
      }
      const theirs = splitGeneralNames(openssl.infoAccess, '\n').map(([method, location]) => `${method}:${location}`);
      const ourLines = String(ours.extensions.authorityInfoAccess).split('\n');
      assert.equal(ourLines.pop(), '', `${label} AIA ends with a newline`);
      assert.equal(ourLines.length, theirs.length, `${label} AIA entries`);
      ourLines.reverse().forEach((line, i) => assert.ok(sameText(line, theirs[i]!), `${label} AIA ${line} vs ${theirs[i]}`));
    }
  });

  it('agrees on is_ca where OpenSSL reports basicConstraints', () => {
    for (const { label, ours, openssl } of parsablePairs()) {
      // OpenSSL's check also looks at keyUsage and v1 self-signed roots; compare only clear cases.
      if (ours.extensions.basicConstraints === undefined) assert.equal(ours.is_ca, false, label);
      else if (openssl.ca) assert.equal(ours.is_ca, true, label);
      assert.equal(ours.is_ca, ours.extensions.basicConstraints === 'CA:TRUE', label);
    }
  });
});
