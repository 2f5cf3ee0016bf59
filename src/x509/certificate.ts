/**
 * parseCertificate: one pass over a DER X.509 certificate (RFC 5280 4.1) straight into the
 * CertStream object. Chosen over pkijs and node:crypto's X509Certificate by measurement
 * (bench/x509-parse.ts, real fixture certificates): about 7.5 µs per certificate including the
 * SHA-1/SHA-256/base64 work, against 110+ µs for X509Certificate's constructor alone and 350+ µs
 * for pkijs's Certificate.fromBER alone. It is also the strictest of the three.
 *
 * Rejected (CertParseError): anything that is not DER, a TBSCertificate on its own, negative
 * serials, versions above v3, inner/outer signature algorithms that differ, trailing bytes.
 * Not checked: the signature, the public key's own encoding, and rules about which extensions a
 * version may carry; CertStream shows certificates, it does not validate them.
 */
import { hash } from 'node:crypto';
import type { CertStreamCert } from './types.js';
import { DerReader, Tag, contextTag, derError, structureError } from './der.js';
import { CertParseError } from './errors.js';
import { colonHex, integerHex } from './hex.js';
import { parseName } from './name.js';
import { validateOid } from './oids.js';
import { parseExtensions, type ParsedExtensions } from './extensions.js';
import { signatureAlgorithmName } from './signature-algorithm.js';
import { parseTime } from './time.js';

// Callers catching parse errors usually import it from here.
export { CertParseError };

const VERSION = contextTag(0, true);
const ISSUER_UNIQUE_ID = contextTag(1, false);
const SUBJECT_UNIQUE_ID = contextTag(2, false);
const EXTENSIONS = contextTag(3, true);

/** Parses a DER certificate; throws CertParseError for anything malformed. */
export function parseCertificate(der: Uint8Array): CertStreamCert {
  return parseCertificateWithSha256(der, hash('sha256', der, 'buffer'));
}

/** parseCertificate for callers that already hashed the DER (the cache keys on SHA-256). */
export function parseCertificateWithSha256(der: Uint8Array, sha256: Uint8Array): CertStreamCert {
  const reader = new DerReader(der);
  const bytes = reader.bytes;

  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
  if (reader.expect(0, bytes.length, Tag.SEQUENCE, 'Certificate (SEQUENCE)') !== bytes.length) {
    throw derError('trailing bytes after the Certificate');
  }
  const certificateEnd = reader.end;
  let p = reader.expect(reader.start, certificateEnd, Tag.SEQUENCE, 'tbsCertificate (SEQUENCE)');
  const tbsStart = reader.start;
  const tbsEnd = reader.end;
  p = reader.expect(p, certificateEnd, Tag.SEQUENCE, 'signatureAlgorithm (SEQUENCE)');
  const outerAlgorithmStart = reader.start;
  const outerAlgorithmEnd = reader.end;
  p = reader.expect(p, certificateEnd, Tag.BIT_STRING, 'signatureValue (BIT STRING)');
  reader.bitStringData();
  reader.expectEnd(p, certificateEnd, 'Certificate');

  // TBSCertificate ::= SEQUENCE { [0] version DEFAULT v1, serialNumber, signature, issuer,
  //   validity, subject, subjectPublicKeyInfo, [1] issuerUniqueID, [2] subjectUniqueID, [3] extensions }
  p = tbsStart;
  if (reader.peekTag(p, tbsEnd) === VERSION) {
    p = reader.read(p, tbsEnd);
    reader.expectWhole(reader.start, reader.end, Tag.INTEGER, 'version (INTEGER)');
    if (reader.smallInteger() > 2) throw structureError('certificate version is above v3');
  }

  p = reader.expect(p, tbsEnd, Tag.INTEGER, 'serialNumber (INTEGER)');
  if (reader.checkInteger()) throw new CertParseError('integer', 'serial number is negative');
  const serialNumber = integerHex(bytes, reader.start, reader.end);

  p = reader.expect(p, tbsEnd, Tag.SEQUENCE, 'signature (AlgorithmIdentifier)');
  if (!sameBytes(bytes, reader.start, reader.end, outerAlgorithmStart, outerAlgorithmEnd)) {
    throw structureError('tbsCertificate signature algorithm differs from the outer signatureAlgorithm');
  }
  const signatureAlgorithm = signatureAlgorithmName(reader, reader.start, reader.end);

  p = reader.expect(p, tbsEnd, Tag.SEQUENCE, 'issuer (Name)');
  const issuer = parseName(reader, reader.start, reader.end);

  p = reader.expect(p, tbsEnd, Tag.SEQUENCE, 'validity (SEQUENCE)');
  const validityEnd = reader.end;
  let q = reader.next(reader.start, validityEnd, 'notBefore');
  const notBefore = parseTime(bytes, reader.tag, reader.start, reader.end);
  q = reader.next(q, validityEnd, 'notAfter');
  const notAfter = parseTime(bytes, reader.tag, reader.start, reader.end);
  reader.expectEnd(q, validityEnd, 'validity');

  p = reader.expect(p, tbsEnd, Tag.SEQUENCE, 'subject (Name)');
  const subject = parseName(reader, reader.start, reader.end);

  p = reader.expect(p, tbsEnd, Tag.SEQUENCE, 'subjectPublicKeyInfo (SEQUENCE)');
  checkSubjectPublicKeyInfo(reader, reader.start, reader.end);

  if (reader.peekTag(p, tbsEnd) === ISSUER_UNIQUE_ID) p = reader.read(p, tbsEnd);
  if (reader.peekTag(p, tbsEnd) === SUBJECT_UNIQUE_ID) p = reader.read(p, tbsEnd);
  let parsedExtensions: ParsedExtensions | undefined;
  if (reader.peekTag(p, tbsEnd) === EXTENSIONS) {
    p = reader.read(p, tbsEnd);
    reader.expectWhole(reader.start, reader.end, Tag.SEQUENCE, 'Extensions (SEQUENCE)');
    parsedExtensions = parseExtensions(reader, reader.start, reader.end);
  }
  reader.expectEnd(p, tbsEnd, 'tbsCertificate');

  const sha1 = colonHex(hash('sha1', der, 'buffer'));
  return {
    subject: subject.name,
    issuer: issuer.name,
    extensions: parsedExtensions?.extensions ?? {},
    not_before: notBefore,
    not_after: notAfter,
    serial_number: serialNumber,
    fingerprint: sha1,
    sha1,
    sha256: colonHex(sha256),
    signature_algorithm: signatureAlgorithm,
    is_ca: parsedExtensions?.isCa ?? false,
    all_domains: allDomains(subject.commonNames, parsedExtensions?.dnsNames ?? []),
    as_der: bytes.toString('base64'),
  };
}

/** SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING } */
function checkSubjectPublicKeyInfo(reader: DerReader, start: number, end: number): void {
  const p = reader.expect(start, end, Tag.SEQUENCE, 'public key algorithm (AlgorithmIdentifier)');
  reader.expect(reader.start, reader.end, Tag.OID, 'public key algorithm (OID)');
  validateOid(reader.bytes, reader.start, reader.end);
  reader.expectEnd(reader.expect(p, end, Tag.BIT_STRING, 'subjectPublicKey (BIT STRING)'), end, 'subjectPublicKeyInfo');
  reader.bitStringData();
}

/** CN values first, then SAN dNSNames; duplicates and empty names dropped, order kept. */
function allDomains(commonNames: readonly string[], dnsNames: readonly string[]): string[] {
  const domains = new Set<string>();
  for (const name of commonNames) if (name !== '') domains.add(name);
  for (const name of dnsNames) if (name !== '') domains.add(name);
  return [...domains];
}

function sameBytes(bytes: Uint8Array, aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  if (aEnd - aStart !== bEnd - bStart) return false;
  for (let i = 0; i < aEnd - aStart; i++) if (bytes[aStart + i] !== bytes[bStart + i]) return false;
  return true;
}
