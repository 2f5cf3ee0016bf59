/**
 * Minimal DER builders for assembling leaf certificates quickly. The CA certificates and the
 * per-issuer constant extensions are built with pkijs (see pki.ts); only the per-leaf parts (serial,
 * validity, names, SAN list, SCT list) go through these helpers, which avoid asn1js's per-object
 * cost on the hot path (the bench issues thousands of certificates per second).
 */

function lengthBytes(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

/** Tag-length-value with the contents concatenated. */
export function tlv(tag: number, ...contents: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const c of contents) length += c.length;
  const header = lengthBytes(length);
  const out = new Uint8Array(1 + header.length + length);
  out[0] = tag;
  out.set(header, 1);
  let offset = 1 + header.length;
  for (const c of contents) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

export const sequence = (...contents: readonly Uint8Array[]): Uint8Array => tlv(0x30, ...contents);
export const set = (...contents: readonly Uint8Array[]): Uint8Array => tlv(0x31, ...contents);
export const octetString = (value: Uint8Array): Uint8Array => tlv(0x04, value);
export const utf8String = (value: string): Uint8Array => tlv(0x0c, Buffer.from(value, 'utf8'));
export const printableString = (value: string): Uint8Array => tlv(0x13, Buffer.from(value, 'latin1'));
const derTrue = (): Uint8Array => Uint8Array.of(0x01, 0x01, 0xff);
/** BIT STRING with no unused bits. */
export const bitString = (value: Uint8Array): Uint8Array => tlv(0x03, Uint8Array.of(0), value);
/** Context-specific constructed [n] (EXPLICIT tagging). */
export const explicit = (n: number, ...contents: readonly Uint8Array[]): Uint8Array => tlv(0xa0 | n, ...contents);
/** Context-specific primitive [n] (IMPLICIT tagging of a primitive, e.g. GeneralName dNSName [2]). */
export const implicitPrimitive = (n: number, value: Uint8Array): Uint8Array => tlv(0x80 | n, value);

/** INTEGER from unsigned big-endian magnitude bytes (minimal encoding, sign byte added if needed). */
export function unsignedInteger(magnitude: Uint8Array): Uint8Array {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const body = magnitude.subarray(start);
  const needsPad = (body[0] ?? 0) >= 0x80;
  return needsPad ? tlv(0x02, Uint8Array.of(0), body) : tlv(0x02, body);
}

export function smallInteger(value: number): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) throw new RangeError(`bad INTEGER ${value}`);
  const bytes: number[] = [];
  for (let v = value; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return unsignedInteger(Uint8Array.from(bytes.length ? bytes : [0]));
}

/** OBJECT IDENTIFIER from dotted text. */
export function objectIdentifier(oid: string): Uint8Array {
  const arcs = oid.split('.').map(Number);
  if (arcs.length < 2 || arcs.some((a) => !Number.isSafeInteger(a) || a < 0)) throw new RangeError(`bad OID ${oid}`);
  const body: number[] = [arcs[0]! * 40 + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const base128: number[] = [];
    let v = arc;
    do {
      base128.unshift(v % 128);
      v = Math.floor(v / 128);
    } while (v > 0);
    for (let i = 0; i < base128.length - 1; i++) base128[i] = base128[i]! | 0x80;
    body.push(...base128);
  }
  return tlv(0x06, Uint8Array.from(body));
}

/** X.509 Time: UTCTime through 2049, GeneralizedTime after (RFC 5280 §4.1.2.5), whole seconds. */
export function x509Time(date: Date): Uint8Array {
  const iso = date.toISOString(); // 2026-01-02T12:57:01.000Z
  const digits = iso.slice(0, 19).replace(/[-:T]/g, ''); // 20260102125701
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) return tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'latin1'));
  return tlv(0x18, Buffer.from(`${digits}Z`, 'latin1'));
}

/** One X.509 Extension: SEQUENCE { extnID, critical DEFAULT FALSE, extnValue OCTET STRING }. */
export function extension(oid: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical
    ? sequence(objectIdentifier(oid), derTrue(), octetString(value))
    : sequence(objectIdentifier(oid), octetString(value));
}
