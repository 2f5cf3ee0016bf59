/**
 * OBJECT IDENTIFIER handling: validation, dotted-decimal decoding (only where text is output), and
 * lookup tables that match the encoded bytes directly so the hot path never builds OID strings.
 */
import { CertParseError } from './errors.js';

/** Checks an OID's content octets (X.690 8.19): non-empty, minimal sub-identifiers, last one complete. */
export function validateOid(bytes: Uint8Array, start: number, end: number): void {
  if (end === start) throw oidError(start, 'is empty');
  if (bytes[end - 1]! >= 0x80) throw oidError(start, 'ends inside a sub-identifier');
  let atSubIdentifierStart = true;
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    if (atSubIdentifierStart && b === 0x80) throw oidError(start, 'has a non-minimal sub-identifier');
    atSubIdentifierStart = b < 0x80;
  }
}

/** Dotted-decimal form ("2.5.29.17") of validated OID content octets. */
export function oidToString(bytes: Uint8Array, start: number, end: number): string {
  validateOid(bytes, start, end);
  const parts: string[] = [];
  let value = 0;
  for (let i = start; i < end; i++) {
    const b = bytes[i]!;
    // Arcs beyond 2^53 would lose precision; they do not occur in real certificates.
    if (value > Number.MAX_SAFE_INTEGER / 128) throw oidError(start, 'has a sub-identifier too large to print');
    value = value * 128 + (b & 0x7f);
    if (b >= 0x80) continue;
    if (parts.length === 0) {
      // The first sub-identifier packs the first two arcs: 40 * X + Y.
      const first = value < 40 ? 0 : value < 80 ? 1 : 2;
      parts.push(String(first), String(value - first * 40));
    } else {
      parts.push(String(value));
    }
    value = 0;
  }
  return parts.join('.');
}

/** DER content octets of a dotted OID; used to build lookup tables at load time. */
export function encodeOid(dotted: string): Uint8Array {
  const arcs = dotted.split('.').map(Number);
  const [first, second, ...rest] = arcs;
  if (first === undefined || second === undefined || arcs.some((a) => !Number.isSafeInteger(a) || a < 0)) {
    throw new Error(`invalid OID literal ${dotted}`);
  }
  const out: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const chunk: number[] = [arc % 128];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v % 128) | 0x80);
    out.push(...chunk);
  }
  return Uint8Array.from(out);
}

interface OidEntry<T> {
  readonly encoded: Uint8Array;
  readonly value: T;
}

/** Maps encoded OIDs to values; lookups hash the bytes in place (FNV-1a) and confirm the match. */
export class OidTable<T> {
  private readonly byHash = new Map<number, OidEntry<T>>();

  constructor(entries: Iterable<readonly [dotted: string, value: T]>) {
    for (const [dotted, value] of entries) {
      const encoded = encodeOid(dotted);
      const hash = fnv1a(encoded, 0, encoded.length);
      // A collision inside one small static table would be a programming error; fail at load time.
      if (this.byHash.has(hash)) throw new Error(`OID hash collision for ${dotted}`);
      this.byHash.set(hash, { encoded, value });
    }
  }

  get(bytes: Uint8Array, start: number, end: number): T | undefined {
    const entry = this.byHash.get(fnv1a(bytes, start, end));
    if (entry === undefined || entry.encoded.length !== end - start) return undefined;
    const encoded = entry.encoded;
    for (let i = 0; i < encoded.length; i++) if (encoded[i] !== bytes[start + i]) return undefined;
    return entry.value;
  }
}

function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ bytes[i]!, 0x01000193);
  return hash >>> 0;
}

function oidError(offset: number, problem: string): CertParseError {
  return new CertParseError('oid', `OBJECT IDENTIFIER at offset ${offset} ${problem}`);
}

/** OpenSSL short names of name attributes, for one-line DirName output ("/C=US/O=..."). */
export const ATTRIBUTE_SHORT_NAMES = new OidTable<string>([
  ['2.5.4.3', 'CN'],
  ['2.5.4.4', 'SN'],
  ['2.5.4.5', 'serialNumber'],
  ['2.5.4.6', 'C'],
  ['2.5.4.7', 'L'],
  ['2.5.4.8', 'ST'],
  ['2.5.4.9', 'street'],
  ['2.5.4.10', 'O'],
  ['2.5.4.11', 'OU'],
  ['2.5.4.12', 'title'],
  ['2.5.4.15', 'businessCategory'],
  ['2.5.4.20', 'telephoneNumber'],
  ['2.5.4.17', 'postalCode'],
  ['2.5.4.42', 'GN'],
  ['2.5.4.43', 'initials'],
  ['2.5.4.44', 'generationQualifier'],
  ['2.5.4.45', 'x500UniqueIdentifier'],
  ['2.5.4.46', 'dnQualifier'],
  ['2.5.4.65', 'pseudonym'],
  ['2.5.4.97', 'organizationIdentifier'],
  ['1.2.840.113549.1.9.1', 'emailAddress'],
  ['1.2.840.113549.1.9.2', 'unstructuredName'],
  ['1.2.840.113549.1.9.8', 'unstructuredAddress'],
  ['0.9.2342.19200300.100.1.1', 'UID'],
  ['0.9.2342.19200300.100.1.25', 'DC'],
  ['1.3.6.1.4.1.311.60.2.1.1', 'jurisdictionL'],
  ['1.3.6.1.4.1.311.60.2.1.2', 'jurisdictionST'],
  ['1.3.6.1.4.1.311.60.2.1.3', 'jurisdictionC'],
]);

/**
 * Extended key usage names. The first nine are the original CertStream server's spellings (its
 * sample shows "TLS Web server authentication"); the rest are OpenSSL's long names. Unknown
 * purposes print as dotted OIDs, as OpenSSL does.
 */
export const EXTENDED_KEY_USAGE_NAMES = new OidTable<string>([
  ['1.3.6.1.5.5.7.3.1', 'TLS Web server authentication'],
  ['1.3.6.1.5.5.7.3.2', 'TLS Web client authentication'],
  ['1.3.6.1.5.5.7.3.3', 'Code signing'],
  ['1.3.6.1.5.5.7.3.4', 'E-mail protection'],
  ['1.3.6.1.5.5.7.3.5', 'IP security end system'],
  ['1.3.6.1.5.5.7.3.6', 'IP security tunnel termination'],
  ['1.3.6.1.5.5.7.3.7', 'IP security user'],
  ['1.3.6.1.5.5.7.3.8', 'Timestamping'],
  ['1.3.6.1.5.5.7.3.9', 'OCSPstamping'],
  ['1.3.6.1.5.5.7.3.17', 'ipsec Internet Key Exchange'],
  ['2.5.29.37.0', 'Any Extended Key Usage'],
  ['1.3.6.1.4.1.311.2.1.21', 'Microsoft Individual Code Signing'],
  ['1.3.6.1.4.1.311.2.1.22', 'Microsoft Commercial Code Signing'],
  ['1.3.6.1.4.1.311.10.3.1', 'Microsoft Trust List Signing'],
  ['1.3.6.1.4.1.311.10.3.3', 'Microsoft Server Gated Crypto'],
  ['1.3.6.1.4.1.311.10.3.4', 'Microsoft Encrypted File System'],
  ['1.3.6.1.4.1.311.20.2.2', 'Microsoft Smartcard Login'],
  ['2.16.840.1.113730.4.1', 'Netscape Server Gated Crypto'],
]);

/** Access methods of authorityInfoAccess / subjectInfoAccess, named as OpenSSL prints them. */
export const ACCESS_METHOD_NAMES = new OidTable<string>([
  ['1.3.6.1.5.5.7.48.1', 'OCSP'],
  ['1.3.6.1.5.5.7.48.2', 'CA Issuers'],
  ['1.3.6.1.5.5.7.48.3', 'AD Time Stamping'],
  ['1.3.6.1.5.5.7.48.5', 'CA Repository'],
]);
