/** uWS's RecognizedString (text or any binary view) as the Buffers and ArrayBuffers node and ws use. */
import type { RecognizedString } from 'uWebSockets.js';

export function toBuffer(data: RecognizedString): Buffer {
  if (typeof data === 'string') return Buffer.from(data);
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

export function toText(data: RecognizedString): string {
  return typeof data === 'string' ? data : toBuffer(data).toString('utf8');
}

/** A copy of `data` in an ArrayBuffer of its own, as uWS hands messages to handlers. */
export function toArrayBuffer(data: Buffer): ArrayBuffer {
  const copy = new ArrayBuffer(data.byteLength);
  new Uint8Array(copy).set(data);
  return copy;
}

/** A peer's address as uWS gives it: text, IPv4 without the IPv6-mapped prefix. */
export function remoteAddressText(address: string | undefined): ArrayBuffer {
  const text = (address ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  return toArrayBuffer(Buffer.from(text));
}
