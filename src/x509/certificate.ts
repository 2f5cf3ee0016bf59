/**
 * parseCertificate: one pass over a DER X.509 certificate (RFC 5280 4.1) straight into the
 * CertStream object. Chosen over pkijs and node:crypto's X509Certificate by measurement
 * (bench/x509-parse.ts, real fixture certificates): about 7.5 µs per certificate including the
 * SHA-1/SHA-256/base64 work, against 110+ µs for X509Certificate's constructor alone and 350+ µs
 * for pkijs's Certificate.fromBER alone.
 *
 * Lenient where OpenSSL is, so that no certificate OpenSSL reads is dropped: BER lengths (see
 * der.ts), negative serials, any version number, inner and outer signature algorithms that differ
 * (the outer one, which the signature was made with, is shown), trailing bytes after the
 * Certificate. A part that does not decode (a time, a name value, an extension) is null, left out
 * or shown raw, and reported in `issues` (see issues.ts). Rejected (CertParseError): what OpenSSL
 * rejects too, i.e. a broken Certificate structure, non-minimal INTEGERs, invalid OIDs.
 * Not checked: the signature, the public key's own encoding, and rules about which extensions a
 * version may carry; CertStream shows certificates, it does not validate them.
 */
import { hash } from 'node:crypto';
import type { CertStreamCert } from './types.js';
import { DerReader, Tag, contextTag } from './der.js';
import { CertParseError } from './errors.js';
import { colonHex, signedIntegerHex } from './hex.js';
import type { CertFieldIssue } from './issues.js';
import { parseName, readName } from './name.js';
import { validateOid } from './oids.js';
import { parseExtensions, type ParsedExtensions } from './extensions.js';
import { checkAlgorithmIdentifier, signatureAlgorithmName } from './signature-algorithm.js';
import { parseTime } from './time.js';

// Callers catching parse errors usually import it from here.
export { CertParseError };

const VERSION = contextTag(0, true);
const ISSUER_UNIQUE_ID = contextTag(1, false);
const SUBJECT_UNIQUE_ID = contextTag(2, false);
const EXTENSIONS = contextTag(3, true);

/**
 * Parses a DER certificate; throws CertParseError for what cannot be a certificate. Parts that do
 * not decode are appended to `issues` (the certificate is returned all the same).
 */
export function parseCertificate(der: Uint8Array, issues: CertFieldIssue[] = []): CertStreamCert {
  return parseCertificateWithSha256(der, hash('sha256', der, 'buffer'), issues);
}

/** parseCertificate for callers that already hashed the DER (the cache keys on SHA-256). */
export function parseCertificateWithSha256(der: Uint8Array, sha256: Uint8Array, issues: CertFieldIssue[]): CertStreamCert {
  const reader = new DerReader(der);
  const bytes = reader.bytes;

  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
  const certificateNext = reader.expect(0, bytes.length, Tag.SEQUENCE, 'Certificate (SEQUENCE)');
  if (certificateNext !== bytes.length) {
    // OpenSSL reads the first Certificate and ignores what follows; so do we, keeping the bytes in as_der.
    issues.push({ reason: 'trailing_data', message: `${bytes.length - certificateNext} bytes follow the Certificate` });
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
  const signatureAlgorithm = signatureAlgorithmName(reader, outerAlgorithmStart, outerAlgorithmEnd, issues);

  // TBSCertificate ::= SEQUENCE { [0] version DEFAULT v1, serialNumber, signature, issuer,
  //   validity, subject, subjectPublicKeyInfo, [1] issuerUniqueID, [2] subjectUniqueID, [3] extensions }
  p = tbsStart;
  if (reader.peekTag(p, tbsEnd) === VERSION) {
    p = reader.read(p, tbsEnd);
    // Not shown, so any value will do (OpenSSL reads versions above v3 too).
    reader.expectWhole(reader.start, reader.end, Tag.INTEGER, 'version (INTEGER)');
    reader.checkInteger();
  }

  p = reader.expect(p, tbsEnd, Tag.INTEGER, 'serialNumber (INTEGER)');
  reader.checkInteger();
  const serialNumber = signedIntegerHex(bytes, reader.start, reader.end);

  // The inner copy of the signature algorithm: usually the same bytes; when not (old v1
  // certificates), the outer one is shown and this one only has to be well formed.
  p = reader.expect(p, tbsEnd, Tag.SEQUENCE, 'signature (AlgorithmIdentifier)');
  if (!sameBytes(bytes, reader.start, reader.end, outerAlgorithmStart, outerAlgorithmEnd)) {
    checkAlgorithmIdentifier(reader, reader.start, reader.end);
  }

  p = readName(reader, p, tbsEnd, 'issuer (Name)');
  const issuer = parseName(reader, reader.start, reader.end, issues);

  p = reader.expect(p, tbsEnd, Tag.SEQUENCE, 'validity (SEQUENCE)');
  const validityEnd = reader.end;
  let q = reader.next(reader.start, validityEnd, 'notBefore');
  const notBefore = readTime(reader, 'notBefore', issues);
  q = reader.next(q, validityEnd, 'notAfter');
  const notAfter = readTime(reader, 'notAfter', issues);
  reader.expectEnd(q, validityEnd, 'validity');

  p = readName(reader, p, tbsEnd, 'subject (Name)');
  const subject = parseName(reader, reader.start, reader.end, issues);

  p = reader.expect(p, tbsEnd, Tag.SEQUENCE, 'subjectPublicKeyInfo (SEQUENCE)');
  checkSubjectPublicKeyInfo(reader, reader.start, reader.end);

  if (reader.peekTag(p, tbsEnd) === ISSUER_UNIQUE_ID) p = reader.read(p, tbsEnd);
  if (reader.peekTag(p, tbsEnd) === SUBJECT_UNIQUE_ID) p = reader.read(p, tbsEnd);
  let parsedExtensions: ParsedExtensions | undefined;
  if (reader.peekTag(p, tbsEnd) === EXTENSIONS) {
    p = reader.read(p, tbsEnd);
    reader.expectWhole(reader.start, reader.end, Tag.SEQUENCE, 'Extensions (SEQUENCE)');
    parsedExtensions = parseExtensions(reader, reader.start, reader.end, issues);
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

/** The time the reader is on, or null (and a 'time' issue) when its text is not a valid time. A wrong tag is a structure error. */
function readTime(reader: DerReader, what: string, issues: CertFieldIssue[]): number | null {
  try {
    return parseTime(reader.bytes, reader.tag, reader.start, reader.end);
  } catch (error) {
    if (!(error instanceof CertParseError) || error.reason !== 'time') throw error;
    issues.push({ reason: 'time', message: `${what}: ${error.message}` });
    return null;
  }
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
