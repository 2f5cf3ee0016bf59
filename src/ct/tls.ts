/**
 * Reader and writer for the TLS presentation language used by CT structures (RFC 8446 §3):
 * big-endian integers and length-prefixed opaque vectors. Reads are bounds-checked and never copy.
 */

/** Thrown when bytes do not hold the structure being read. */
export class DecodeError extends Error {
  constructor(
    /** Stable machine-readable reason, used as a metrics label. */
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'DecodeError';
  }
}

export class TlsReader {
  private offset = 0;

  constructor(private readonly buf: Uint8Array) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  get position(): number {
    return this.offset;
  }

  private need(n: number, what: string): void {
    if (this.buf.length - this.offset < n) {
      throw new DecodeError('truncated', `truncated ${what}: need ${n} bytes, have ${this.remaining}`);
    }
  }

  u8(what = 'uint8'): number {
    this.need(1, what);
    return this.buf[this.offset++]!;
  }

  u16(what = 'uint16'): number {
    this.need(2, what);
    const b = this.buf;
    const v = (b[this.offset]! << 8) | b[this.offset + 1]!;
    this.offset += 2;
    return v;
  }

  u24(what = 'uint24'): number {
    this.need(3, what);
    const b = this.buf;
    const v = (b[this.offset]! << 16) | (b[this.offset + 1]! << 8) | b[this.offset + 2]!;
    this.offset += 3;
    return v;
  }

  /** Unsigned integer of 5..8 bytes; CT values (ms timestamps, indexes) fit in 2^53. */
  uintN(n: number, what: string): number {
    this.need(n, what);
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + this.buf[this.offset + i]!;
    if (!Number.isSafeInteger(v)) throw new DecodeError('range', `${what} exceeds 2^53`);
    this.offset += n;
    return v;
  }

  u64(what = 'uint64'): number {
    return this.uintN(8, what);
  }

  bytes(n: number, what = 'bytes'): Uint8Array {
    this.need(n, what);
    const out = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /** opaque<0..2^16-1> */
  opaque16(what = 'opaque16'): Uint8Array {
    return this.bytes(this.u16(what), what);
  }

  /** opaque<0..2^24-1> */
  opaque24(what = 'opaque24'): Uint8Array {
    return this.bytes(this.u24(what), what);
  }

  /** Fails unless every byte was consumed: trailing garbage means the structure was misread. */
  end(what: string): void {
    if (this.remaining !== 0) {
      throw new DecodeError('trailing', `${this.remaining} trailing bytes after ${what}`);
    }
  }
}

export class TlsWriter {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  private push(part: Uint8Array): this {
    this.parts.push(part);
    this.length += part.length;
    return this;
  }

  private uint(value: number, n: number): this {
    if (!Number.isSafeInteger(value) || value < 0 || value >= 2 ** (8 * n)) {
      throw new RangeError(`value ${value} does not fit in ${n} bytes`);
    }
    const out = new Uint8Array(n);
    let v = value;
    for (let i = n - 1; i >= 0; i--) {
      out[i] = v % 256;
      v = Math.floor(v / 256);
    }
    return this.push(out);
  }

  u8(v: number): this {
    return this.uint(v, 1);
  }

  u16(v: number): this {
    return this.uint(v, 2);
  }

  u24(v: number): this {
    return this.uint(v, 3);
  }

  uintN(v: number, n: number): this {
    return this.uint(v, n);
  }

  u64(v: number): this {
    return this.uint(v, 8);
  }

  bytes(b: Uint8Array): this {
    return this.push(b);
  }

  opaque16(b: Uint8Array): this {
    return this.u16(b.length).push(b);
  }

  opaque24(b: Uint8Array): this {
    return this.u24(b.length).push(b);
  }

  finish(): Uint8Array {
    return Buffer.concat(this.parts, this.length);
  }
}
