/**
 * X.509v3 extensions as the CertStream `extensions` object: OpenSSL short names as keys, values in
 * the original CertStream server's formats (its sample message is the reference):
 *
 *   authorityInfoAccess     "CA Issuers - URI:http://x\nOCSP - URI:http://y\n" (the original lists
 *                           the entries in reverse certificate order; we keep that)
 *   authorityKeyIdentifier  "keyid:AA:BB\n" (omitted when there is no keyIdentifier)
 *   basicConstraints        "CA:TRUE" / "CA:FALSE" (no pathlen: the original never printed it)
 *   certificatePolicies     "Policy: 1.2.3\n  CPS: http://x\n  User Notice: text", one block per
 *                           policy (the original dropped the policies before the last one that
 *                           has qualifiers; we list them all)
 *   crlDistributionPoints   "Full Name:\n URI:http://x" per distribution point, "\n" between them
 *   ctlSignedCertificateTimestamp  base64url (padded) of the extension's OCTET STRING
 *   ctlPoisonByte           true (CT precertificate poison; as the original and certstream-server-go)
 *   extendedKeyUsage        "TLS Web server authentication, TLS Web client authentication"
 *   keyUsage                "Digital Signature, Key Encipherment" (the original's names, e.g.
 *                           "Key Cert Sign", "C R L Sign")
 *   subjectAltName / issuerAltName  "DNS:a, DNS:b, IP Address:1.2.3.4" in certificate order, as
 *                           OpenSSL prints it
 *   subjectInfoAccess       same format as authorityInfoAccess
 *   subjectKeyIdentifier    "AA:BB"
 *
 * Any other extension is keyed by its dotted OID, with the base64url (padded) of its value, the
 * encoding the original used for the SCT list.
 *
 * A known extension whose value does not decode is shown as colon hex of its bytes ("30:03:01:01"),
 * the raw form OpenSSL also falls back to, and reported as an 'extension' issue; what it would have
 * added (SAN dNSNames, is_ca) is left out. An extension that appears again is ignored after the
 * first, as OpenSSL's lookups do, and reported as 'extension_repeated'. Only the Extensions
 * structure itself (SEQUENCE of OID, optional BOOLEAN, OCTET STRING) is required, as OpenSSL requires it.
 */
import type { CertStreamExtensions } from './types.js';
import { CONSTRUCTED, DerReader, Tag, contextTag, structureError } from './der.js';
import { CertParseError } from './errors.js';
import { base64UrlPadded, colonHex } from './hex.js';
import { formatGeneralName, joinGeneralNames } from './general-names.js';
import type { CertFieldIssue } from './issues.js';
import { ACCESS_METHOD_NAMES, EXTENDED_KEY_USAGE_NAMES, OidTable, oidToString, validateOid } from './oids.js';
import { decodeCharacterString, isCharacterStringTag } from './strings.js';

export interface ParsedExtensions {
  readonly extensions: CertStreamExtensions;
  /** basicConstraints cA (false when the extension is absent). */
  readonly isCa: boolean;
  /** subjectAltName dNSNames, in order. */
  readonly dnsNames: readonly string[];
}

/** What a formatter may read and report besides its string. */
interface ExtensionContext {
  /** Reads the extension value (a separate reader over a copy when the value was a constructed OCTET STRING). */
  reader: DerReader;
  isCa: boolean;
  readonly dnsNames: string[];
}

/** Formats the extension value bytes[start, end) (the extnValue OCTET STRING's content). */
type Formatter = (context: ExtensionContext, start: number, end: number) => string | true | undefined;

interface KnownExtension {
  readonly key: string;
  readonly format: Formatter;
}

/** Parses the Extensions SEQUENCE content bytes[start, end); values that do not decode go to `issues`. */
export function parseExtensions(reader: DerReader, start: number, end: number, issues: CertFieldIssue[]): ParsedExtensions {
  const bytes = reader.bytes;
  const context: ExtensionContext = { reader, isCa: false, dnsNames: [] };
  const extensions: CertStreamExtensions = {};
  // Keys seen whose extension shows nothing (authorityKeyIdentifier without keyid), to spot repeats.
  let shownAsNothing: Set<string> | undefined;
  let pos = start;
  while (pos < end) {
    pos = reader.expect(pos, end, Tag.SEQUENCE, 'Extension (SEQUENCE)');
    const extensionEnd = reader.end;
    let p = reader.expect(reader.start, extensionEnd, Tag.OID, 'extnID (OID)');
    const oidStart = reader.start;
    const oidEnd = reader.end;
    validateOid(bytes, oidStart, oidEnd);
    if (reader.peekTag(p, extensionEnd) === Tag.BOOLEAN) {
      p = reader.read(p, extensionEnd);
      reader.boolean(); // the critical flag: validated, not shown
    }
    p = reader.next(p, extensionEnd, 'extnValue (OCTET STRING)');
    const valueTag = reader.tag;
    if (valueTag !== Tag.OCTET_STRING && valueTag !== CONSTRUCTED_OCTET_STRING) {
      throw structureError(`expected extnValue (OCTET STRING), found tag 0x${valueTag.toString(16)}`);
    }
    reader.expectEnd(p, extensionEnd, 'Extension');
    const known = KNOWN_EXTENSIONS.get(bytes, oidStart, oidEnd);
    const key = known?.key ?? oidToString(bytes, oidStart, oidEnd);
    if (Object.hasOwn(extensions, key) || shownAsNothing?.has(key) === true) {
      issues.push({ reason: 'extension_repeated', message: `extension ${key} appears more than once; the first is shown` });
      continue;
    }
    // A BER constructed OCTET STRING (OpenSSL reads it) is joined into a copy and read from there.
    const valueReader = valueTag === Tag.OCTET_STRING ? reader : new DerReader(joinStringChunks(reader, reader.start, reader.end));
    const valueStart = valueReader === reader ? reader.start : 0;
    const valueEnd = valueReader === reader ? reader.end : valueReader.bytes.length;
    let value: string | true | undefined;
    if (known === undefined) {
      value = base64UrlPadded(valueReader.bytes, valueStart, valueEnd);
    } else {
      context.reader = valueReader;
      value = formatKnown(known, context, valueStart, valueEnd, issues);
      context.reader = reader;
    }
    if (value !== undefined) extensions[key] = value;
    else (shownAsNothing ??= new Set()).add(key);
  }
  return { extensions, isCa: context.isCa, dnsNames: context.dnsNames };
}

const CONSTRUCTED_OCTET_STRING = Tag.OCTET_STRING | CONSTRUCTED;
const MAX_CHUNK_DEPTH = 16;

/**
 * The content of a constructed OCTET STRING (content bytes[start, end)): its primitive chunks
 * joined, nested constructed ones included. Like OpenSSL, the chunks' own tags are not checked.
 */
function joinStringChunks(reader: DerReader, start: number, end: number): Buffer {
  const chunks: Buffer[] = [];
  const collect = (from: number, to: number, depth: number): void => {
    if (depth > MAX_CHUNK_DEPTH) throw structureError('OCTET STRING chunks nested too deep');
    for (let p = from; p < to; ) {
      p = reader.next(p, to, 'OCTET STRING chunk');
      if ((reader.tag & CONSTRUCTED) === 0) chunks.push(reader.bytes.subarray(reader.start, reader.end));
      else collect(reader.start, reader.end, depth + 1);
    }
  };
  collect(start, end, 0);
  return Buffer.concat(chunks);
}

/**
 * Runs a formatter. When the value does not decode, the extension is shown as colon hex of its
 * bytes, nothing it added (dNSNames) is kept, and an 'extension' issue names it.
 */
function formatKnown(
  known: KnownExtension,
  context: ExtensionContext,
  start: number,
  end: number,
  issues: CertFieldIssue[],
): string | true | undefined {
  const dnsNamesBefore = context.dnsNames.length;
  try {
    return known.format(context, start, end);
  } catch (error) {
    if (!(error instanceof CertParseError)) throw error;
    context.dnsNames.length = dnsNamesBefore;
    issues.push({ reason: 'extension', message: `${known.key} does not decode (${error.message}); shown as hex` });
    return colonHex(context.reader.bytes, start, end);
  }
}

const basicConstraints: Formatter = (context, start, end) => {
  const { reader } = context;
  reader.expectWhole(start, end, Tag.SEQUENCE, 'BasicConstraints');
  const seqEnd = reader.end;
  let p = reader.start;
  let ca = false;
  if (reader.peekTag(p, seqEnd) === Tag.BOOLEAN) {
    p = reader.read(p, seqEnd);
    ca = reader.boolean();
  }
  if (reader.peekTag(p, seqEnd) === Tag.INTEGER) {
    p = reader.read(p, seqEnd);
    reader.checkInteger(); // pathLenConstraint is not shown, so even a negative one is fine (OpenSSL reads it too)
  }
  reader.expectEnd(p, seqEnd, 'BasicConstraints');
  context.isCa = ca;
  return ca ? 'CA:TRUE' : 'CA:FALSE';
};

/** KeyUsage bit names, bit 0 first, as the original server spelled them. */
const KEY_USAGE_NAMES = [
  'Digital Signature',
  'Non Repudiation',
  'Key Encipherment',
  'Data Encipherment',
  'Key Agreement',
  'Key Cert Sign',
  'C R L Sign',
  'Encipher Only',
  'Decipher Only',
] as const;

const keyUsage: Formatter = ({ reader }, start, end) => {
  reader.expectWhole(start, end, Tag.BIT_STRING, 'KeyUsage (BIT STRING)');
  const data = reader.bitStringData();
  const bytes = reader.bytes;
  let out = '';
  for (let bit = 0; bit < KEY_USAGE_NAMES.length; bit++) {
    const index = data + (bit >> 3);
    if (index < reader.end && (bytes[index]! & (0x80 >> (bit & 7))) !== 0) {
      out += (out === '' ? '' : ', ') + KEY_USAGE_NAMES[bit]!;
    }
  }
  return out;
};

const extendedKeyUsage: Formatter = ({ reader }, start, end) => {
  reader.expectWhole(start, end, Tag.SEQUENCE, 'ExtKeyUsageSyntax');
  const seqEnd = reader.end;
  const bytes = reader.bytes;
  let out = '';
  for (let p = reader.start; p < seqEnd; ) {
    p = reader.expect(p, seqEnd, Tag.OID, 'KeyPurposeId');
    const name = EXTENDED_KEY_USAGE_NAMES.get(bytes, reader.start, reader.end) ?? oidToString(bytes, reader.start, reader.end);
    out += (out === '' ? '' : ', ') + name;
  }
  return out;
};

const subjectKeyIdentifier: Formatter = ({ reader }, start, end) => {
  reader.expectWhole(start, end, Tag.OCTET_STRING, 'SubjectKeyIdentifier (OCTET STRING)');
  return colonHex(reader.bytes, reader.start, reader.end);
};

const KEY_IDENTIFIER = contextTag(0, false);
const AUTHORITY_CERT_ISSUER = contextTag(1, true);
const AUTHORITY_CERT_SERIAL = contextTag(2, false);

const authorityKeyIdentifier: Formatter = ({ reader }, start, end) => {
  reader.expectWhole(start, end, Tag.SEQUENCE, 'AuthorityKeyIdentifier');
  const seqEnd = reader.end;
  let p = reader.start;
  let keyId: string | undefined;
  if (reader.peekTag(p, seqEnd) === KEY_IDENTIFIER) {
    p = reader.read(p, seqEnd);
    keyId = 'keyid:' + colonHex(reader.bytes, reader.start, reader.end) + '\n';
  }
  if (reader.peekTag(p, seqEnd) === AUTHORITY_CERT_ISSUER) p = reader.read(p, seqEnd);
  if (reader.peekTag(p, seqEnd) === AUTHORITY_CERT_SERIAL) {
    p = reader.read(p, seqEnd);
    reader.checkInteger();
  }
  reader.expectEnd(p, seqEnd, 'AuthorityKeyIdentifier');
  return keyId;
};

const subjectAltName: Formatter = (context, start, end) => {
  const { reader } = context;
  reader.expectWhole(start, end, Tag.SEQUENCE, 'GeneralNames');
  return joinGeneralNames(reader, reader.start, reader.end, ', ', context.dnsNames);
};

const issuerAltName: Formatter = ({ reader }, start, end) => {
  reader.expectWhole(start, end, Tag.SEQUENCE, 'GeneralNames');
  return joinGeneralNames(reader, reader.start, reader.end, ', ');
};

/** authorityInfoAccess and subjectInfoAccess: "<method> - <location>\n" lines, last entry first. */
const infoAccess: Formatter = ({ reader }, start, end) => {
  reader.expectWhole(start, end, Tag.SEQUENCE, 'AccessDescriptions');
  const seqEnd = reader.end;
  const bytes = reader.bytes;
  let out = '';
  for (let p = reader.start; p < seqEnd; ) {
    p = reader.expect(p, seqEnd, Tag.SEQUENCE, 'AccessDescription');
    const descriptionEnd = reader.end;
    const q = reader.expect(reader.start, descriptionEnd, Tag.OID, 'accessMethod');
    const method = ACCESS_METHOD_NAMES.get(bytes, reader.start, reader.end) ?? oidToString(bytes, reader.start, reader.end);
    reader.expectEnd(reader.next(q, descriptionEnd, 'accessLocation'), descriptionEnd, 'AccessDescription');
    out = method + ' - ' + formatGeneralName(reader) + '\n' + out;
  }
  return out;
};

const DISTRIBUTION_POINT_NAME = contextTag(0, true);
const FULL_NAME = contextTag(0, true);
const NAME_RELATIVE_TO_ISSUER = contextTag(1, true);
const REASONS = contextTag(1, false);
const CRL_ISSUER = contextTag(2, true);

const crlDistributionPoints: Formatter = ({ reader }, start, end) => {
  reader.expectWhole(start, end, Tag.SEQUENCE, 'CRLDistributionPoints');
  const seqEnd = reader.end;
  const blocks: string[] = [];
  for (let p = reader.start; p < seqEnd; ) {
    p = reader.expect(p, seqEnd, Tag.SEQUENCE, 'DistributionPoint');
    const pointEnd = reader.end;
    let q = reader.start;
    const lines: string[] = [];
    if (reader.peekTag(q, pointEnd) === DISTRIBUTION_POINT_NAME) {
      q = reader.read(q, pointEnd);
      const nameEnd = reader.end;
      const kind = reader.next(reader.start, nameEnd, 'DistributionPointName');
      reader.expectEnd(kind, nameEnd, 'distributionPoint');
      if (reader.tag === FULL_NAME) lines.push('Full Name:\n ' + joinGeneralNames(reader, reader.start, reader.end, '\n '));
      else if (reader.tag === NAME_RELATIVE_TO_ISSUER) lines.push('Relative Name:<unsupported>');
      else throw new CertParseError('structure', `unknown DistributionPointName tag 0x${reader.tag.toString(16)}`);
    }
    if (reader.peekTag(q, pointEnd) === REASONS) q = reader.read(q, pointEnd);
    if (reader.peekTag(q, pointEnd) === CRL_ISSUER) {
      q = reader.read(q, pointEnd);
      lines.push('CRL Issuer:\n ' + joinGeneralNames(reader, reader.start, reader.end, '\n '));
    }
    reader.expectEnd(q, pointEnd, 'DistributionPoint');
    blocks.push(lines.join('\n'));
  }
  return blocks.join('\n');
};

const QUALIFIER_CPS = '1.3.6.1.5.5.7.2.1';
const QUALIFIER_USER_NOTICE = '1.3.6.1.5.5.7.2.2';
const POLICY_QUALIFIERS = new OidTable<string>([
  [QUALIFIER_CPS, QUALIFIER_CPS],
  [QUALIFIER_USER_NOTICE, QUALIFIER_USER_NOTICE],
]);

const certificatePolicies: Formatter = ({ reader }, start, end) => {
  reader.expectWhole(start, end, Tag.SEQUENCE, 'CertificatePolicies');
  const seqEnd = reader.end;
  const bytes = reader.bytes;
  const lines: string[] = [];
  for (let p = reader.start; p < seqEnd; ) {
    p = reader.expect(p, seqEnd, Tag.SEQUENCE, 'PolicyInformation');
    const policyEnd = reader.end;
    let q = reader.expect(reader.start, policyEnd, Tag.OID, 'policyIdentifier');
    lines.push('Policy: ' + oidToString(bytes, reader.start, reader.end));
    if (q < policyEnd) {
      q = reader.expect(q, policyEnd, Tag.SEQUENCE, 'policyQualifiers');
      const qualifiersEnd = reader.end;
      for (let r = reader.start; r < qualifiersEnd; ) {
        r = reader.expect(r, qualifiersEnd, Tag.SEQUENCE, 'PolicyQualifierInfo');
        lines.push(formatPolicyQualifier(reader, reader.start, reader.end));
      }
    }
    reader.expectEnd(q, policyEnd, 'PolicyInformation');
  }
  return lines.join('\n');
};

/** One PolicyQualifierInfo (content bytes[start, end)) as an indented line. */
function formatPolicyQualifier(reader: DerReader, start: number, end: number): string {
  const bytes = reader.bytes;
  const q = reader.expect(start, end, Tag.OID, 'policyQualifierId');
  const id = POLICY_QUALIFIERS.get(bytes, reader.start, reader.end) ?? oidToString(bytes, reader.start, reader.end);
  reader.expectEnd(reader.next(q, end, 'qualifier'), end, 'PolicyQualifierInfo');
  if (id === QUALIFIER_CPS) {
    // RFC 5280 says IA5String; CAs have used other string types, which read just as well.
    if (!isCharacterStringTag(reader.tag)) throw new CertParseError('structure', 'CPS qualifier is not a character string');
    return '  CPS: ' + decodeCharacterString(bytes, reader.tag, reader.start, reader.end);
  }
  if (id === QUALIFIER_USER_NOTICE) {
    if (reader.tag !== Tag.SEQUENCE) throw new CertParseError('structure', 'UserNotice is not a SEQUENCE');
    return '  User Notice: ' + formatUserNotice(reader, reader.start, reader.end);
  }
  return '  Unknown Qualifier: ' + id;
}

/** UserNotice: its explicitText, else the noticeRef organization, else nothing. */
function formatUserNotice(reader: DerReader, start: number, end: number): string {
  const bytes = reader.bytes;
  let p = start;
  let organization = '';
  if (reader.peekTag(p, end) === Tag.SEQUENCE) {
    p = reader.read(p, end);
    const refEnd = reader.end;
    const q = reader.next(reader.start, refEnd, 'NoticeReference organization');
    organization = decodeCharacterString(bytes, reader.tag, reader.start, reader.end);
    reader.expectEnd(reader.expect(q, refEnd, Tag.SEQUENCE, 'noticeNumbers'), refEnd, 'NoticeReference');
  }
  if (p === end) return organization;
  reader.expectEnd(reader.next(p, end, 'explicitText'), end, 'UserNotice');
  return decodeCharacterString(bytes, reader.tag, reader.start, reader.end);
}

const signedCertificateTimestamps: Formatter = ({ reader }, start, end) => {
  reader.expectWhole(start, end, Tag.OCTET_STRING, 'SignedCertificateTimestampList (OCTET STRING)');
  return base64UrlPadded(reader.bytes, start, end);
};

const precertificatePoison: Formatter = ({ reader }, start, end) => {
  reader.expectWhole(start, end, Tag.NULL, 'poison (NULL)');
  if (reader.end !== reader.start) throw new CertParseError('der', 'NULL has content');
  return true;
};

const KNOWN_EXTENSIONS = new OidTable<KnownExtension>([
  ['2.5.29.14', { key: 'subjectKeyIdentifier', format: subjectKeyIdentifier }],
  ['2.5.29.15', { key: 'keyUsage', format: keyUsage }],
  ['2.5.29.17', { key: 'subjectAltName', format: subjectAltName }],
  ['2.5.29.18', { key: 'issuerAltName', format: issuerAltName }],
  ['2.5.29.19', { key: 'basicConstraints', format: basicConstraints }],
  ['2.5.29.31', { key: 'crlDistributionPoints', format: crlDistributionPoints }],
  ['2.5.29.32', { key: 'certificatePolicies', format: certificatePolicies }],
  ['2.5.29.35', { key: 'authorityKeyIdentifier', format: authorityKeyIdentifier }],
  ['2.5.29.37', { key: 'extendedKeyUsage', format: extendedKeyUsage }],
  ['1.3.6.1.5.5.7.1.1', { key: 'authorityInfoAccess', format: infoAccess }],
  ['1.3.6.1.5.5.7.1.11', { key: 'subjectInfoAccess', format: infoAccess }],
  ['1.3.6.1.4.1.11129.2.4.2', { key: 'ctlSignedCertificateTimestamp', format: signedCertificateTimestamps }],
  ['1.3.6.1.4.1.11129.2.4.3', { key: 'ctlPoisonByte', format: precertificatePoison }],
]);
