/** Builds small DER inputs for unit tests. */
import { encodeOid } from '../../src/x509/oids.js';

export type Bytes = Uint8Array | readonly number[];

/** Concatenates byte sequences. */
export function concat(...parts: Bytes[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

/** One DER element with a minimal definite length. */
export function tlv(tag: number, ...content: Bytes[]): Uint8Array {
  const value = concat(...content);
  const n = value.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return concat([tag], length, value);
}

export function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/[\s:]/g, ''), 'hex'));
}

export function ascii(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'latin1'));
}

/** OBJECT IDENTIFIER element (the encoder is the module's own; der.unit.test.ts checks it against known bytes). */
export function oid(dotted: string): Uint8Array {
  return tlv(0x06, encodeOid(dotted));
}

/** Universal tags the tests build with, written out here rather than taken from the parser under test. */
export const TAG = {
  SEQ: 0x30,
  SET: 0x31,
  UTF8: 0x0c,
  PRINTABLE: 0x13,
  IA5: 0x16,
  BMP: 0x1e,
  UNIVERSAL: 0x1c,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
} as const;
