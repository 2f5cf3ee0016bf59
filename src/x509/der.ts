/**
 * A small, strict DER reader. It walks tag/length/value headers in place: callers keep positions in
 * local variables and the reader only remembers the element it read last (tag, start, end), so a
 * whole certificate is walked without allocating an object per element.
 *
 * Strict means: single-byte tags only (certificates use no high tag numbers), definite minimal
 * lengths, every element inside its parent. BER leniencies (indefinite length, long-form lengths
 * below 128, leading zero length bytes) are rejected with reason 'der'.
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

/** Context-specific tag [n]: primitive (IMPLICIT on a primitive type) or constructed. */
export function contextTag(n: number, constructed: boolean): number {
  return 0x80 | (constructed ? 0x20 : 0) | n;
}

/** Largest length we accept; no certificate comes near it and it keeps arithmetic exact. */
const MAX_LENGTH = 0x7fffffff;

export class DerReader {
  /** Tag byte of the element read last. */
  tag = 0;
  /** Offset of its first value byte. */
  start = 0;
  /** Offset just past its value (also where the next sibling starts). */
  end = 0;

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
      const lengthBytes = length & 0x7f;
      if (lengthBytes === 0) throw derError(`indefinite length at offset ${pos} (BER, not DER)`);
      if (lengthBytes > 4) throw derError(`length of ${lengthBytes} bytes at offset ${pos} is too large`);
      if (p + lengthBytes > limit) throw derError(`truncated: length at offset ${pos} runs past its parent`);
      if (b[p] === 0) throw derError(`non-minimal length at offset ${pos} (leading zero byte)`);
      length = 0;
      for (let i = 0; i < lengthBytes; i++) length = length * 256 + b[p++]!;
      if (length < 0x80) throw derError(`non-minimal length at offset ${pos} (long form for ${length})`);
      if (length > MAX_LENGTH) throw derError(`length ${length} at offset ${pos} is too large`);
    }
    if (length > limit - p) throw derError(`truncated: element at offset ${pos} needs ${length} bytes, ${limit - p} left`);
    this.tag = tag;
    this.start = p;
    this.end = p + length;
    return this.end;
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

  /** Value of the BOOLEAN read last; DER allows only 0x00 and 0xFF. */
  boolean(): boolean {
    if (this.end - this.start !== 1) throw derError('BOOLEAN must be one byte');
    const v = this.bytes[this.start]!;
    if (v !== 0x00 && v !== 0xff) throw derError(`BOOLEAN value 0x${hexByte(v)} is not DER (0x00 or 0xFF)`);
    return v === 0xff;
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

  /** The INTEGER read last as a small non-negative number (versions, path lengths). */
  smallInteger(): number {
    if (this.checkInteger()) throw new CertParseError('integer', `INTEGER at offset ${this.start} is negative`);
    if (this.end - this.start > 4) throw new CertParseError('integer', `INTEGER at offset ${this.start} is too large`);
    let v = 0;
    for (let i = this.start; i < this.end; i++) v = v * 256 + this.bytes[i]!;
    return v;
  }

  /** Checks the BIT STRING read last has a valid unused-bits byte; returns the offset of its data. */
  bitStringData(): number {
    const { bytes: b, start, end } = this;
    if (end === start) throw derError('BIT STRING has no unused-bits byte');
    const unused = b[start]!;
    if (unused > 7 || (unused !== 0 && end - start === 1)) throw derError(`BIT STRING has invalid unused-bits count ${unused}`);
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
