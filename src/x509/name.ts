/**
 * Distinguished names (RFC 5280 Name) in CertStream's shape.
 *
 * Only C, ST, L, O, OU and CN are decoded; the other attributes are never turned into text, so their
 * contents are not checked either (a bad UTF-8 streetAddress costs nothing). A shown value that is
 * not a decodable character string is left out and reported as a 'string' issue.
 *
 * CN is the LAST common name when there are several, as both reference servers show it (Go's
 * pkix.Name and the original's attribute map keep the last); all_domains still gets every CN value.
 * Other repeated attributes (two OUs) are joined with "," in certificate order, as
 * certstream-server-go does. `aggregated` lists the present attributes as
 * "/C=../CN=../L=../O=../OU=../ST=.." in that fixed order (the original server's sorted map keys),
 * and is "/" for an empty name, also as it did.
 */
import type { CertStreamName } from './types.js';
import { CONSTRUCTED, DerReader, Tag, structureError } from './der.js';
import { CertParseError } from './errors.js';
import type { CertFieldIssue } from './issues.js';
import { ATTRIBUTE_SHORT_NAMES, OidTable, oidToString, validateOid } from './oids.js';
import { decodeCharacterString, isCharacterStringTag } from './strings.js';
import { plainHex } from './hex.js';

export interface ParsedName {
  readonly name: CertStreamName;
  /** Each CN value on its own, in order (all_domains lists them separately). */
  readonly commonNames: readonly string[];
}

type CertStreamAttribute = 'C' | 'ST' | 'L' | 'O' | 'OU' | 'CN';

const CERTSTREAM_ATTRIBUTES = new OidTable<CertStreamAttribute>([
  ['2.5.4.6', 'C'],
  ['2.5.4.8', 'ST'],
  ['2.5.4.7', 'L'],
  ['2.5.4.10', 'O'],
  ['2.5.4.11', 'OU'],
  ['2.5.4.3', 'CN'],
]);

const NO_COMMON_NAMES: readonly string[] = Object.freeze([]);

/**
 * OpenSSL reads a Name's SEQUENCE and its SETs even when their constructed bit is clear (tags 0x10
 * and 0x11); so do we, or a certificate OpenSSL reads would be dropped.
 */
function isTag(tag: number, expected: number): boolean {
  return (tag | CONSTRUCTED) === expected;
}

/** Reads the Name at `pos` (the issuer or subject); returns the position after it. */
export function readName(reader: DerReader, pos: number, limit: number, what: string): number {
  const next = reader.next(pos, limit, what);
  if (!isTag(reader.tag, Tag.SEQUENCE)) throw structureError(`expected ${what} (SEQUENCE), found tag 0x${reader.tag.toString(16)}`);
  return next;
}

/** Parses the Name whose SEQUENCE content is bytes[start, end); undecodable shown values go to `issues`. */
export function parseName(reader: DerReader, start: number, end: number, issues: CertFieldIssue[]): ParsedName {
  const bytes = reader.bytes;
  const name: CertStreamName = { aggregated: '', C: null, ST: null, L: null, O: null, OU: null, CN: null };
  let commonNames: string[] | undefined;

  forEachAttribute(reader, start, end, (typeStart, typeEnd) => {
    const attribute = CERTSTREAM_ATTRIBUTES.get(bytes, typeStart, typeEnd);
    if (attribute === undefined) return;
    const value = decodeAttributeValue(reader, attribute, issues);
    if (value === undefined) return;
    if (attribute === 'CN') {
      name.CN = value;
      (commonNames ??= []).push(value);
    } else {
      const previous = name[attribute];
      name[attribute] = previous === null ? value : previous + ',' + value;
    }
  });

  name.aggregated = aggregate(name);
  return { name, commonNames: commonNames ?? NO_COMMON_NAMES };
}

/** The string value the reader is on, or undefined (and an issue) when it does not decode. */
function decodeAttributeValue(reader: DerReader, attribute: CertStreamAttribute, issues: CertFieldIssue[]): string | undefined {
  const { bytes, tag, start, end } = reader;
  if (!isCharacterStringTag(tag)) {
    issues.push({ reason: 'string', message: `${attribute} value at offset ${start} is not a character string (tag 0x${tag.toString(16)})` });
    return undefined;
  }
  try {
    return decodeCharacterString(bytes, tag, start, end);
  } catch (error) {
    if (!(error instanceof CertParseError)) throw error;
    issues.push({ reason: 'string', message: `${attribute}: ${error.message}` });
    return undefined;
  }
}

/** OpenSSL's one-line form "/C=US/O=Example/CN=x", used for DirName general names. */
export function formatNameOneLine(reader: DerReader, start: number, end: number): string {
  const bytes = reader.bytes;
  let out = '';
  forEachAttribute(reader, start, end, (typeStart, typeEnd, valueTlvStart) => {
    const { tag, start: valueStart, end: valueEnd } = reader;
    const key = ATTRIBUTE_SHORT_NAMES.get(bytes, typeStart, typeEnd) ?? oidToString(bytes, typeStart, typeEnd);
    // Values that are not strings print as "#" + hex of their encoding, as in RFC 4514.
    const value = isCharacterStringTag(tag)
      ? decodeCharacterString(bytes, tag, valueStart, valueEnd)
      : '#' + plainHex(bytes, valueTlvStart, valueEnd);
    out += '/' + key + '=' + value;
  });
  return out;
}

/**
 * Walks every AttributeTypeAndValue of a Name in order. The callback gets the attribute type's
 * OID bounds and the offset of the value's TLV; the reader is positioned on the value.
 */
function forEachAttribute(
  reader: DerReader,
  start: number,
  end: number,
  visit: (typeStart: number, typeEnd: number, valueTlvStart: number) => void,
): void {
  let pos = start;
  while (pos < end) {
    pos = reader.next(pos, end, 'RelativeDistinguishedName (SET)');
    if (!isTag(reader.tag, Tag.SET)) throw structureError(`expected RelativeDistinguishedName (SET), found tag 0x${reader.tag.toString(16)}`);
    const setEnd = reader.end;
    let p = reader.start;
    while (p < setEnd) {
      p = reader.expect(p, setEnd, Tag.SEQUENCE, 'AttributeTypeAndValue (SEQUENCE)');
      const attributeEnd = reader.end;
      const valueTlvStart = reader.expect(reader.start, attributeEnd, Tag.OID, 'attribute type (OID)');
      const typeStart = reader.start;
      const typeEnd = reader.end;
      validateOid(reader.bytes, typeStart, typeEnd);
      reader.expectEnd(reader.next(valueTlvStart, attributeEnd, 'attribute value'), attributeEnd, 'AttributeTypeAndValue');
      visit(typeStart, typeEnd, valueTlvStart);
    }
  }
}

function aggregate(name: CertStreamName): string {
  let out = '';
  if (name.C !== null) out += '/C=' + name.C;
  if (name.CN !== null) out += '/CN=' + name.CN;
  if (name.L !== null) out += '/L=' + name.L;
  if (name.O !== null) out += '/O=' + name.O;
  if (name.OU !== null) out += '/OU=' + name.OU;
  if (name.ST !== null) out += '/ST=' + name.ST;
  return out === '' ? '/' : out;
}
