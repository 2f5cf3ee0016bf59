/** Builds small DER inputs for unit tests. */

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

/** OBJECT IDENTIFIER element from dotted form (base-128 arcs, first two packed as 40 * X + Y). */
export function oid(dotted: string): Uint8Array {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const body: number[] = [];
  for (const arc of [first * 40 + second, ...rest]) {
    const chunk = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    body.push(...chunk);
  }
  return tlv(0x06, body);
}
