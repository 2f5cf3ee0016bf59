/**
 * ASN.1 character strings to JavaScript strings.
 *
 * - UTF8String is decoded strictly: invalid UTF-8 (overlong forms, surrogates, truncated sequences)
 *   is an error, never replaced with U+FFFD.
 * - BMPString (UTF-16BE) and UniversalString (UTF-32BE) must have whole code units and no lone
 *   surrogates.
 * - The 8-bit types (Printable, IA5, Teletex, Visible, Numeric...) are ASCII by definition, but CAs
 *   put other bytes in them. We never fail on those: bytes that form valid UTF-8 are read as UTF-8
 *   (what the CA meant, e.g. IDN dNSNames), anything else as Latin-1 (OpenSSL's reading).
 *   Their character-set restrictions are not enforced: "*" in a PrintableString CN is common.
 */
import { Tag } from './der.js';
import { CertParseError } from './errors.js';

/** Whether `tag` is one of the ASN.1 character string types. */
export function isCharacterStringTag(tag: number): boolean {
  switch (tag) {
    case Tag.UTF8_STRING:
    case Tag.NUMERIC_STRING:
    case Tag.PRINTABLE_STRING:
    case Tag.TELETEX_STRING:
    case Tag.VIDEOTEX_STRING:
    case Tag.IA5_STRING:
    case Tag.GRAPHIC_STRING:
    case Tag.VISIBLE_STRING:
    case Tag.GENERAL_STRING:
    case Tag.UNIVERSAL_STRING:
    case Tag.BMP_STRING:
      return true;
    default:
      return false;
  }
}

/** Decodes a character string of type `tag` (see isCharacterStringTag). */
export function decodeCharacterString(bytes: Buffer, tag: number, start: number, end: number): string {
  switch (tag) {
    case Tag.UTF8_STRING:
      if (isAscii(bytes, start, end)) return bytes.toString('latin1', start, end);
      if (!isValidUtf8(bytes, start, end)) throw stringError(start, 'UTF8String is not valid UTF-8');
      return bytes.toString('utf8', start, end);
    case Tag.BMP_STRING:
      return decodeUtf16be(bytes, start, end);
    case Tag.UNIVERSAL_STRING:
      return decodeUtf32be(bytes, start, end);
    default:
      if (!isCharacterStringTag(tag)) throw stringError(start, `tag 0x${tag.toString(16)} is not a character string`);
      return decodeByteString(bytes, start, end);
  }
}

/** An IA5String-like value (also the implicitly tagged GeneralName strings): ASCII, UTF-8 or Latin-1. */
export function decodeByteString(bytes: Buffer, start: number, end: number): string {
  if (isAscii(bytes, start, end) || !isValidUtf8(bytes, start, end)) return bytes.toString('latin1', start, end);
  return bytes.toString('utf8', start, end);
}

function isAscii(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i]! >= 0x80) return false;
  return true;
}

/** Strict UTF-8 (RFC 3629): shortest forms only, no surrogates, nothing above U+10FFFF. */
export function isValidUtf8(bytes: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const b0 = bytes[i]!;
    if (b0 < 0x80) {
      i++;
      continue;
    }
    // Lead byte gives the sequence length; C0, C1 and F5..FF can never start a shortest form.
    const need = b0 >= 0xc2 && b0 <= 0xdf ? 1 : b0 >= 0xe0 && b0 <= 0xef ? 2 : b0 >= 0xf0 && b0 <= 0xf4 ? 3 : 0;
    if (need === 0 || i + need >= end) return false;
    const min = need === 1 ? 0x80 : need === 2 ? 0x800 : 0x10000;
    let cp = b0 & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const b = bytes[i + k]!;
      if ((b & 0xc0) !== 0x80) return false;
      cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += need + 1;
  }
  return true;
}

function decodeUtf16be(bytes: Uint8Array, start: number, end: number): string {
  if ((end - start) % 2 !== 0) throw stringError(start, 'BMPString has an odd number of bytes');
  let out = '';
  for (let i = start; i < end; i += 2) {
    const unit = (bytes[i]! << 8) | bytes[i + 1]!;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = i + 3 < end ? (bytes[i + 2]! << 8) | bytes[i + 3]! : -1;
      if (next < 0xdc00 || next > 0xdfff) throw stringError(start, 'BMPString has a lone surrogate');
      out += String.fromCharCode(unit, next);
      i += 2;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      throw stringError(start, 'BMPString has a lone surrogate');
    } else {
      out += String.fromCharCode(unit);
    }
  }
  return out;
}

function decodeUtf32be(bytes: Uint8Array, start: number, end: number): string {
  if ((end - start) % 4 !== 0) throw stringError(start, 'UniversalString length is not a multiple of 4');
  let out = '';
  for (let i = start; i < end; i += 4) {
    const cp = bytes[i]! * 0x1000000 + ((bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw stringError(start, 'UniversalString has an invalid code point');
    out += String.fromCodePoint(cp);
  }
  return out;
}

function stringError(offset: number, problem: string): CertParseError {
  return new CertParseError('string', `${problem} (offset ${offset})`);
}
