/**
 * A small DER reader. It walks tag/length/value headers in place: callers keep positions in local
 * variables and the reader only remembers the element it read last (tag, start, end), so a whole
 * certificate is walked without allocating an object per element.
 *
 * It reads the BER length forms OpenSSL reads, so that no certificate OpenSSL accepts is dropped
 * here: long-form lengths below 128, leading zero length bytes, and indefinite lengths on
 * constructed elements (ended by 00 00). Everything else is checked: single-byte tags only
 * (certificates use no high tag numbers) and every element inside its parent; errors have reason 'der'.
 */
import { CertParseError } from './errors.js';

/** Universal tags used by X.509 (with the constructed bit where the type is always constructed). */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  NUMERIC_STRING: 0x12,
  PRINTABLE_STRING: 0x13,
  TELETEX_STRING: 0x14,
  VIDEOTEX_STRING: 0x15,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  GRAPHIC_STRING: 0x19,
  VISIBLE_STRING: 0x1a,
  GENERAL_STRING: 0x1b,
  UNIVERSAL_STRING: 0x1c,
  BMP_STRING: 0x1e,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** The constructed bit of a tag byte. */
export const CONSTRUCTED = 0x20;

/** Context-specific tag [n]: primitive (IMPLICIT on a primitive type) or constructed. */
export function contextTag(n: number, constructed: boolean): number {
  return 0x80 | (constructed ? CONSTRUCTED : 0) | n;
}

/** Largest length we accept; no certificate comes near it and it keeps arithmetic exact. */
const MAX_LENGTH = 0x7fffffff;

/** Indefinite-length elements nested deeper than this are refused (real certificates nest ~10 deep). */
const MAX_INDEFINITE_DEPTH = 64;

export class DerReader {
  /** Tag byte of the element read last. */
  tag = 0;
  /** Offset of its first value byte. */
  start = 0;
  /**
   * Offset just past its value. The next sibling starts here too, except after an indefinite
   * length, where the 00 00 end-of-contents follows: use read()'s return value to move on.
   */
  end = 0;

  private indefiniteDepth = 0;

  /** The input as a Buffer view (no copy), so strings can be sliced out natively. */
  readonly bytes: Buffer;

  constructor(input: Uint8Array) {
    this.bytes = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  }

  /**
   * Reads the element header at `pos`; the element must end at or before `limit`.
   * Returns the position after the element.
   */
  read(pos: number, limit: number): number {
    const b = this.bytes;
    if (pos + 2 > limit) throw derError(`truncated: element header at offset ${pos} runs past its parent`);
    const tag = b[pos]!;
    if ((tag & 0x1f) === 0x1f) throw derError(`high-tag-number form at offset ${pos} is not used in certificates`);
    let p = pos + 1;
    let length = b[p++]!;
    if (length >= 0x80) {
      let lengthBytes = length & 0x7f;
      if (lengthBytes === 0) return this.readIndefinite(pos, tag, p, limit);
      if (p + lengthBytes > limit) throw derError(`truncated: length at offset ${pos} runs past its parent`);
      // BER allows leading zero bytes and the long form for short lengths; OpenSSL reads both.
      while (lengthBytes > 0 && b[p] === 0) {
        p++;
        lengthBytes--;
      }
      if (lengthBytes > 4) throw derError(`length at offset ${pos} is too large`);
      length = 0;
      for (let i = 0; i < lengthBytes; i++) length = length * 256 + b[p++]!;
      if (length > MAX_LENGTH) throw derError(`length ${length} at offset ${pos} is too large`);
    }
    if (length > limit - p) throw derError(`truncated: element at offset ${pos} needs ${length} bytes, ${limit - p} left`);
    this.tag = tag;
    this.start = p;
    this.end = p + length;
    return this.end;
  }

  /** An indefinite-length element whose content starts at `p`: its children run up to 00 00 (BER). */
  private readIndefinite(pos: number, tag: number, p: number, limit: number): number {
    if ((tag & CONSTRUCTED) === 0) throw derError(`indefinite length on a primitive element at offset ${pos}`);
    if (this.indefiniteDepth >= MAX_INDEFINITE_DEPTH) throw derError(`indefinite lengths nested too deep at offset ${pos}`);
    const b = this.bytes;
    this.indefiniteDepth++;
    let q = p;
    try {
      while (!(q + 2 <= limit && b[q] === 0 && b[q + 1] === 0)) {
        if (q >= limit) throw derError(`truncated: indefinite-length element at offset ${pos} has no end-of-contents`);
        q = this.read(q, limit);
      }
    } finally {
      this.indefiniteDepth--;
    }
    this.tag = tag;
    this.start = p;
    this.end = q;
    return q + 2;
  }

  /** Like read(), but a missing element (pos at limit) is a structure error naming `what`. */
  next(pos: number, limit: number, what: string): number {
    if (pos >= limit) throw structureError(`missing ${what}`);
    return this.read(pos, limit);
  }

  /** Like next(), but the element must carry `tag`. */
  expect(pos: number, limit: number, tag: number, what: string): number {
    const next = this.next(pos, limit, what);
    if (this.tag !== tag) throw structureError(`expected ${what} (tag 0x${hexByte(tag)}), found tag 0x${hexByte(this.tag)}`);
    return next;
  }

  /** Reads the one element, tagged `tag`, that must fill bytes[start, end) exactly (an EXPLICIT wrapper's content, an extension value). */
  expectWhole(start: number, end: number, tag: number, what: string): void {
    this.expectEnd(this.expect(start, end, tag, what), end, what);
  }

  /** Tag of the element at `pos`, or -1 when `pos` is at the end of its parent. */
  peekTag(pos: number, limit: number): number {
    return pos < limit ? this.bytes[pos]! : -1;
  }

  /** Requires `pos` to be exactly `limit`: nothing may follow the last field of a structure. */
  expectEnd(pos: number, limit: number, what: string): void {
    if (pos !== limit) throw structureError(`unexpected data after the last field of ${what}`);
  }

  /** Value of the BOOLEAN read last: one byte, any non-zero value is TRUE (BER, as OpenSSL reads it). */
  boolean(): boolean {
    if (this.end - this.start !== 1) throw derError('BOOLEAN must be one byte');
    return this.bytes[this.start] !== 0;
  }

  /** Checks the INTEGER read last is minimally encoded (X.690 8.3.2); returns whether it is negative. */
  checkInteger(): boolean {
    const { bytes: b, start, end } = this;
    if (end === start) throw new CertParseError('integer', 'INTEGER has no content bytes');
    const first = b[start]!;
    if (end - start > 1) {
      const second = b[start + 1]!;
      if ((first === 0x00 && second < 0x80) || (first === 0xff && second >= 0x80)) {
        throw new CertParseError('integer', `INTEGER at offset ${start} is not minimally encoded`);
      }
    }
    return first >= 0x80;
  }

  /** Checks the BIT STRING read last has an unused-bits byte of 0-7 (as OpenSSL does); returns the offset of its data. */
  bitStringData(): number {
    const { bytes: b, start, end } = this;
    if (end === start) throw derError('BIT STRING has no unused-bits byte');
    const unused = b[start]!;
    if (unused > 7) throw derError(`BIT STRING has invalid unused-bits count ${unused}`);
    return start + 1;
  }
}

export function derError(message: string): CertParseError {
  return new CertParseError('der', message);
}

export function structureError(message: string): CertParseError {
  return new CertParseError('structure', message);
}

function hexByte(v: number): string {
  return v.toString(16).padStart(2, '0');
}
