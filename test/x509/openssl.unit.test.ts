/**
 * Differential test: our parse against OpenSSL (node:crypto X509Certificate), over every certificate
 * of the shared fixtures (~1,200: certs/, CT entries, roots, tile precerts), of Debian's
 * python3-cryptography-vectors (~1,000: PKITS and pyca's odd certificates) and of random mutations
 * of real certificates. Every certificate OpenSSL parses must be parsed by ours (none dropped), and
 * wherever both expose the same facts they must agree: serial, SHA-1, SHA-256, validity, subject
 * and issuer attributes, SAN entries and all_domains, AIA, is_ca.
 *
 * Deliberate differences, normalized here and nowhere else:
 * - serials: OpenSSL pads to whole bytes ("-04316693ED"); we drop leading zeros ("-4316693ED").
 * - a time OpenSSL prints as "Bad time value" is null here.
 * - OpenSSL reads bytes >= 0x80 in 8-bit string types (PrintableString, IA5String...) as Latin-1;
 *   we read them as UTF-8 when they are valid UTF-8. Either reading of the same bytes is accepted.
 * - authorityInfoAccess lists entries in reverse order, as the original CertStream server did.
 */
import { X509Certificate } from 'node:crypto';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CertParseError, parseCertificate, type CertStreamCert, type CertStreamName } from '../../src/x509/index.js';
import { createRng } from '../../src/sim/rng.js';
import { cryptographyVectorCerts, cryptographyVectors } from '../support/cryptography-vectors.js';
import { sharedFixtures } from '../support/fixtures.js';
import { allFixtureCerts, type FixtureCert } from './fixture-certs.js';
import { mutate, mutationSeeds } from './mutate.js';
import { skipWithout } from '../support/requirements.js';

interface Pair {
  readonly label: string;
  readonly ours: CertStreamCert;
  readonly openssl: X509Certificate;
}

interface Corpus {
  /** Certificates both parse. */
  readonly pairs: Pair[];
  /** Certificates OpenSSL parses and we do not, with our error: must stay empty. */
  readonly dropped: string[];
  /** Certificates OpenSSL rejects. */
  readonly rejectedByOpenssl: number;
}

function openssl(der: Uint8Array): X509Certificate | undefined {
  try {
    return new X509Certificate(der);
  } catch {
    return undefined;
  }
}

function compare(certs: readonly FixtureCert[]): Corpus {
  const pairs: Pair[] = [];
  const dropped: string[] = [];
  let rejectedByOpenssl = 0;
  for (const { label, der } of certs) {
    const theirs = openssl(der);
    if (theirs === undefined) {
      rejectedByOpenssl++;
      continue;
    }
    try {
      pairs.push({ label, ours: parseCertificate(der), openssl: theirs });
    } catch (error) {
      if (!(error instanceof CertParseError)) throw error;
      dropped.push(`${label}: ${error.reason}: ${error.message}`);
    }
  }
  return { pairs, dropped, rejectedByOpenssl };
}

/** OpenSSL's serial as we print it: leading zero digits dropped, sign kept. */
function expectedSerial(serial: string): string {
  return serial.replace(/^(-?)0+(?=.)/, '$1');
}

/** OpenSSL's validFrom/validTo as Unix seconds; "Bad time value" is null. */
function expectedTime(text: string): number | null {
  return text === 'Bad time value' ? null : Date.parse(text) / 1000;
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

/** Whether our GeneralName value is node's, for the GeneralName kind `kind` ("DNS", "DirName", ...). */
function sameGeneralName(kind: string, ours: string, theirs: string): boolean {
  if (kind !== 'DirName') return sameText(ours, theirs);
  // node prints RFC 2253 style (reversed, "," separated); we print OpenSSL's one-line form.
  // Compare the plain cases only: multi-valued RDNs and hex values are spelled too differently.
  if (/[+#\\]/.test(theirs)) return /^\/./.test(ours);
  return sameText(ours, '/' + theirs.split(',').reverse().join('/'));
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

/** CN is the last common name; other repeated attributes are joined with ",". */
function assertSameName(ours: CertStreamName, multiline: string | undefined, what: string): void {
  const theirs: Record<string, string> = {};
  for (const [key, value] of nameAttributes(multiline)) theirs[key] = key in theirs && key !== 'CN' ? `${theirs[key]},${value}` : value;
  for (const key of ['C', 'ST', 'L', 'O', 'OU', 'CN'] as const) {
    const value = ours[key];
    if (theirs[key] === undefined) assert.equal(value, null, `${what} ${key}`);
    else assert.ok(value !== null && sameText(value, theirs[key]), `${what} ${key}: ours ${JSON.stringify(value)}, OpenSSL ${JSON.stringify(theirs[key])}`);
  }
}

/**
 * node's text of the SAN: undefined without the extension, null where OpenSSL cannot print it (an
 * ediPartyName): Node 20 gives null there, Node 24 throws ERR_CRYPTO_OPERATION_FAILED instead.
 */
function opensslSubjectAltName(cert: X509Certificate): string | undefined | null {
  try {
    return cert.subjectAltName;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_CRYPTO_OPERATION_FAILED') return null;
    throw error;
  }
}

/** The differential checks over one corpus; `minimum` and `minimumWithSan` guard against a corpus that silently shrank. */
function differential(certs: () => FixtureCert[], minimum: number, minimumWithSan: number): void {
  let compared: Corpus | undefined;
  const corpus = (): Corpus => (compared ??= compare(certs()));

  it('parses every certificate OpenSSL parses', () => {
    const { pairs, dropped, rejectedByOpenssl } = corpus();
    assert.deepEqual(dropped, [], 'certificates OpenSSL parses but we drop');
    assert.ok(pairs.length >= minimum, `only ${pairs.length} certificates (${rejectedByOpenssl} rejected by OpenSSL)`);
  });

  it('agrees on fingerprints, serial, validity and DER', () => {
    for (const { label, ours, openssl } of corpus().pairs) {
      assert.equal(ours.fingerprint, openssl.fingerprint, `${label} fingerprint`);
      assert.equal(ours.sha1, openssl.fingerprint, `${label} sha1`);
      assert.equal(ours.sha256, openssl.fingerprint256, `${label} sha256`);
      assert.equal(ours.serial_number, expectedSerial(openssl.serialNumber), `${label} serial`);
      assert.equal(ours.not_before, expectedTime(openssl.validFrom), `${label} not_before ${openssl.validFrom}`);
      assert.equal(ours.not_after, expectedTime(openssl.validTo), `${label} not_after ${openssl.validTo}`);
      assert.equal(ours.as_der, openssl.raw.toString('base64'), `${label} as_der`);
    }
  });

  it('agrees on the subject and issuer attributes', () => {
    for (const { label, ours, openssl } of corpus().pairs) {
      assertSameName(ours.subject, openssl.subject, `${label} subject`);
      assertSameName(ours.issuer, openssl.issuer, `${label} issuer`);
    }
  });

  it('agrees on subjectAltName entry by entry, and all_domains is CN then SAN dNSNames', () => {
    let checked = 0;
    for (const { label, ours, openssl } of corpus().pairs) {
      const sanText = opensslSubjectAltName(openssl);
      if (sanText === null) {
        // OpenSSL cannot print this SAN (an ediPartyName): nothing to compare.
        assert.equal(typeof ours.extensions.subjectAltName, 'string', `${label} SAN presence`);
        continue;
      }
      const theirs = sanText === undefined ? [] : splitGeneralNames(sanText, ', ');
      const ourText = ours.extensions.subjectAltName;
      assert.equal(ourText === undefined, sanText === undefined, `${label} SAN presence`);
      if (typeof ourText === 'string') {
        // Split ours at the entries node found, so values containing ", " cannot confuse the count.
        const ourEntries = ourText === '' ? [] : ourText.split(', ').length === theirs.length ? ourText.split(', ') : null;
        assert.ok(ourEntries !== null, `${label} SAN entry count: ours ${ourText}, OpenSSL ${sanText}`);
        theirs.forEach(([kind, value], i) => {
          const ourEntry = ourEntries[i]!;
          assert.ok(ourEntry.startsWith(kind + ':'), `${label} SAN entry ${i}: ${ourEntry} vs ${kind}`);
          assert.ok(sameGeneralName(kind, ourEntry.slice(kind.length + 1), value), `${label} SAN entry ${i}: ${ourEntry} vs ${value}`);
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
    assert.ok(checked > minimumWithSan, `only ${checked} certificates had a SAN`);
  });

  it('agrees on authorityInfoAccess (listed last entry first, as the original server did)', () => {
    for (const { label, ours, openssl } of corpus().pairs) {
      if (openssl.infoAccess === undefined) {
        assert.equal(ours.extensions.authorityInfoAccess, undefined, `${label} AIA presence`);
        continue;
      }
      // node: "CA Issuers - URI:http://x"; ours the same lines, last entry first.
      const theirs = splitGeneralNames(openssl.infoAccess, '\n');
      const ourLines = String(ours.extensions.authorityInfoAccess).split('\n');
      assert.equal(ourLines.pop(), '', `${label} AIA ends with a newline`);
      assert.equal(ourLines.length, theirs.length, `${label} AIA entries`);
      ourLines.reverse().forEach((line, i) => {
        const [methodAndKind, value] = theirs[i]!;
        const kind = methodAndKind.slice(methodAndKind.lastIndexOf(' ') + 1);
        assert.ok(line.startsWith(methodAndKind + ':') && sameGeneralName(kind, line.slice(methodAndKind.length + 1), value), `${label} AIA ${line} vs ${methodAndKind}:${value}`);
      });
    }
  });

  it('agrees on is_ca where OpenSSL reports basicConstraints', () => {
    for (const { label, ours, openssl } of corpus().pairs) {
      // OpenSSL's check also looks at keyUsage and v1 self-signed roots; compare only clear cases.
      if (ours.extensions.basicConstraints === undefined) assert.equal(ours.is_ca, false, label);
      else if (openssl.ca) assert.equal(ours.is_ca, true, label);
      assert.equal(ours.is_ca, ours.extensions.basicConstraints === 'CA:TRUE', label);
    }
  });
}

describe('x509 vs OpenSSL: shared fixtures', { skip: skipWithout(sharedFixtures) }, () => {
  differential(allFixtureCerts, 1200, 500);
});

describe('x509 vs OpenSSL: python3-cryptography-vectors', { skip: skipWithout(cryptographyVectors) }, () => {
  differential(cryptographyVectorCerts, 400, 30);
});

const MUTANTS = 4000;

describe('x509 vs OpenSSL: mutated certificates', { skip: skipWithout(sharedFixtures), timeout: 120_000 }, () => {
  it(`parses every one of ${MUTANTS} corrupted certificates that OpenSSL still parses`, () => {
    const seeds = mutationSeeds();
    const random = createRng(0xd1ff).next;
    const dropped: string[] = [];
    let readByOpenssl = 0;
    for (let n = 0; n < MUTANTS; n++) {
      const seed = seeds[n % seeds.length]!;
      const mutant = mutate(seed.der, random);
      if (openssl(mutant) === undefined) continue;
      readByOpenssl++;
      try {
        parseCertificate(mutant);
      } catch (error) {
        if (!(error instanceof CertParseError)) throw error;
        dropped.push(`mutant ${n} of ${seed.label} (${Buffer.from(mutant).toString('base64')}): ${error.message}`);
      }
    }
    assert.deepEqual(dropped, []);
    assert.ok(readByOpenssl > MUTANTS / 10, `only ${readByOpenssl} mutants were certificates to OpenSSL`);
  });
});
