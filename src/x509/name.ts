/**
 * Distinguished names (RFC 5280 Name) in CertStream's shape.
 *
 * Only C, ST, L, O, OU and CN are decoded; the other attributes are checked (strings must be valid
 * for their type, so a bad UTF-8 streetAddress still fails) but never turned into text.
 *
 * Repeated attributes (two OUs, two CNs) are joined with "," in certificate order, as
 * certstream-server-go does; the original server kept only the last one, losing the rest.
 * `aggregated` lists the present attributes as "/C=../CN=../L=../O=../OU=../ST=.." in that fixed
 * order (the original server's sorted map keys), and is "/" for an empty name, also as it did.
 */
import type { CertStreamName } from './types.js';
import { DerReader, Tag } from './der.js';
import { CertParseError } from './errors.js';
import { ATTRIBUTE_SHORT_NAMES, OidTable, oidToString, validateOid } from './oids.js';
import { checkCharacterString, decodeCharacterString, isCharacterStringTag } from './strings.js';
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

/** Parses the Name whose SEQUENCE content is bytes[start, end). */
export function parseName(reader: DerReader, start: number, end: number): ParsedName {
  const bytes = reader.bytes;
  const name: CertStreamName = { aggregated: '', C: null, ST: null, L: null, O: null, OU: null, CN: null };
  let commonNames: string[] | undefined;

  forEachAttribute(reader, start, end, (typeStart, typeEnd) => {
    const attribute = CERTSTREAM_ATTRIBUTES.get(bytes, typeStart, typeEnd);
    const { tag, start: valueStart, end: valueEnd } = reader;
    if (attribute === undefined) {
      checkCharacterString(bytes, tag, valueStart, valueEnd);
      return;
    }
    if (!isCharacterStringTag(tag)) {
      throw new CertParseError('string', `${attribute} attribute at offset ${valueStart} is not a character string`);
    }
    const value = decodeCharacterString(bytes, tag, valueStart, valueEnd);
    const previous = name[attribute];
    name[attribute] = previous === null ? value : previous + ',' + value;
    if (attribute === 'CN') (commonNames ??= []).push(value);
  });

  name.aggregated = aggregate(name);
  return { name, commonNames: commonNames ?? NO_COMMON_NAMES };
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
    pos = reader.expect(pos, end, Tag.SET, 'RelativeDistinguishedName (SET)');
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
