/** Byte-to-text formats used in CertStream output. */

const HEX_PAIRS: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'));

// Built with join/toString rather than +=: the results stay in memory as long as an event is kept
// for resuming clients, and V8 keeps a string built by += as a tree of pieces (~30 bytes each).

/** "AB:CD:EF" (upper case, colon separated), as in fingerprints and key identifiers. */
export function colonHex(bytes: Uint8Array, start = 0, end = bytes.length): string {
  if (end <= start) return '';
  const pairs = new Array<string>(end - start);
  for (let i = start; i < end; i++) pairs[i - start] = HEX_PAIRS[bytes[i]!]!;
  return pairs.join(':');
}

/** "ABCDEF": upper-case hex without separators. */
export function plainHex(bytes: Uint8Array, start = 0, end = bytes.length): string {
  if (end <= start) return '';
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('hex').toUpperCase();
}

/**
 * Upper-case hex of a non-negative INTEGER's content octets without leading zeros, like the
 * original server's Integer.to_string(n, 16): "A0141420000015385736A0B85ECA708"; zero is "0".
 */
export function integerHex(bytes: Uint8Array, start: number, end: number): string {
  let i = start;
  while (i < end - 1 && bytes[i] === 0) i++;
  const hex = plainHex(bytes, i, end);
  return hex.length > 1 && hex[0] === '0' ? hex.slice(1) : hex;
}

/**
 * integerHex for an INTEGER of either sign: a negative one is "-" and the hex of its magnitude, the
 * way OpenSSL prints negative serials (OpenSSL "-04316693ED", here without leading zeros like
 * positive ones: "-4316693ED").
 */
export function signedIntegerHex(bytes: Uint8Array, start: number, end: number): string {
  if (end === start || bytes[start]! < 0x80) return integerHex(bytes, start, end);
  // Two's complement: the magnitude is every byte inverted, plus one.
  const magnitude = new Uint8Array(end - start);
  let carry = 1;
  for (let i = end - start - 1; i >= 0; i--) {
    const v = (~bytes[start + i]! & 0xff) + carry;
    magnitude[i] = v & 0xff;
    carry = v >> 8;
  }
  return '-' + integerHex(magnitude, 0, magnitude.length);
}

/** Base64url with padding (Elixir's Base.url_encode64), used for opaque extension values. */
export function base64UrlPadded(bytes: Buffer, start: number, end: number): string {
  const base64url = bytes.toString('base64url', start, end);
  const remainder = base64url.length % 4;
  return remainder === 0 ? base64url : base64url + '='.repeat(4 - remainder);
}
