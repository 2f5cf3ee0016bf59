/**
 * The `signature_algorithm` field, spelled as certstream-server-go spells Go's x509 algorithms
 * ("sha256, rsa", "ecdsa, sha256", "ed25519"); anything Go does not know is "unknown".
 */
import { DerReader, Tag, contextTag } from './der.js';
import { CertParseError } from './errors.js';
import type { CertFieldIssue } from './issues.js';
import { OidTable, validateOid } from './oids.js';

const RSA_PSS = '1.2.840.113549.1.1.10';

const SIGNATURE_ALGORITHMS = new OidTable<string>([
  ['1.2.840.113549.1.1.2', 'md2, rsa'],
  ['1.2.840.113549.1.1.4', 'md5, rsa'],
  ['1.2.840.113549.1.1.5', 'sha1, rsa'],
  ['1.3.14.3.2.29', 'sha1, rsa'], // Go maps the old ISO OID to SHA1WithRSA too
  ['1.2.840.113549.1.1.11', 'sha256, rsa'],
  ['1.2.840.113549.1.1.12', 'sha384, rsa'],
  ['1.2.840.113549.1.1.13', 'sha512, rsa'],
  ['1.2.840.10040.4.3', 'dsa, sha1'],
  ['2.16.840.1.101.3.4.3.2', 'dsa, sha256'],
  ['1.2.840.10045.4.1', 'ecdsa, sha1'],
  ['1.2.840.10045.4.3.2', 'ecdsa, sha256'],
  ['1.2.840.10045.4.3.3', 'ecdsa, sha384'],
  ['1.2.840.10045.4.3.4', 'ecdsa, sha512'],
  ['1.3.101.112', 'ed25519'],
  [RSA_PSS, RSA_PSS],
]);

/** RSASSA-PSS is named by its hash; Go accepts only these three. */
const PSS_HASHES = new OidTable<string>([
  ['2.16.840.1.101.3.4.2.1', 'sha256, rsa-pss'],
  ['2.16.840.1.101.3.4.2.2', 'sha384, rsa-pss'],
  ['2.16.840.1.101.3.4.2.3', 'sha512, rsa-pss'],
]);

const UNKNOWN = 'unknown';
const PSS_HASH_ALGORITHM = contextTag(0, true);

/** Checks the AlgorithmIdentifier whose SEQUENCE content is bytes[start, end) starts with a valid OID; returns where its parameters start. */
export function checkAlgorithmIdentifier(reader: DerReader, start: number, end: number): number {
  const paramsStart = reader.expect(start, end, Tag.OID, 'algorithm (OID)');
  validateOid(reader.bytes, reader.start, reader.end);
  return paramsStart;
}

/**
 * Name of the AlgorithmIdentifier whose SEQUENCE content is bytes[start, end). Parameters are
 * OpenSSL's ANY: RSASSA-PSS parameters that do not decode make the name "unknown" and an issue.
 */
export function signatureAlgorithmName(reader: DerReader, start: number, end: number, issues: CertFieldIssue[]): string {
  const bytes = reader.bytes;
  const paramsStart = checkAlgorithmIdentifier(reader, start, end);
  const name = SIGNATURE_ALGORITHMS.get(bytes, reader.start, reader.end) ?? UNKNOWN;
  if (name !== RSA_PSS) return name;
  try {
    return pssName(reader, paramsStart, end);
  } catch (error) {
    if (!(error instanceof CertParseError)) throw error;
    issues.push({ reason: 'signature_algorithm', message: `RSASSA-PSS parameters do not decode: ${error.message}` });
    return UNKNOWN;
  }
}

/**
 * RSASSA-PSS-params: the hash is [0] EXPLICIT AlgorithmIdentifier, SHA-1 when absent. Only the
 * hash is checked; Go also requires matching MGF1 hash and salt length, which every real
 * certificate has.
 */
function pssName(reader: DerReader, pos: number, end: number): string {
  if (reader.peekTag(pos, end) !== Tag.SEQUENCE) return UNKNOWN;
  reader.read(pos, end);
  const paramsEnd = reader.end;
  if (reader.peekTag(reader.start, paramsEnd) !== PSS_HASH_ALGORITHM) return UNKNOWN;
  reader.read(reader.start, paramsEnd);
  const hashEnd = reader.end;
  reader.expect(reader.start, hashEnd, Tag.SEQUENCE, 'PSS hashAlgorithm');
  const algorithmEnd = reader.end;
  reader.expect(reader.start, algorithmEnd, Tag.OID, 'PSS hash (OID)');
  return PSS_HASHES.get(reader.bytes, reader.start, reader.end) ?? UNKNOWN;
}
