/**
 * Byte records numbered by consecutive seqs, kept outside the JS heap in fixed-size segments (one
 * Buffer each, with a small index). Records are appended at the new end and dropped from the old
 * end; a segment's memory is released when its last record is dropped. Per record it costs its
 * bytes plus 12 bytes of index, and nothing for the garbage collector to walk.
 */

class Segment {
  /** Record i ends at ends[i] (starts at ends[i - 1], or 0). */
  ends: Uint32Array;
  times: Float64Array;
  count = 0;
  used = 0;

  constructor(
    readonly buf: Buffer,
    readonly firstSeq: number,
  ) {
    this.ends = new Uint32Array(64);
    this.times = new Float64Array(64);
  }

  get bytes(): number {
    return this.buf.length + this.ends.byteLength + this.times.byteLength;
  }

  fits(length: number): boolean {
    return this.used + length <= this.buf.length;
  }

  append(record: Uint8Array, time: number): void {
    if (this.count === this.ends.length) {
      const ends = new Uint32Array(2 * this.count);
      ends.set(this.ends);
      this.ends = ends;
      const times = new Float64Array(2 * this.count);
      times.set(this.times);
      this.times = times;
    }
    this.buf.set(record, this.used);
    this.used += record.length;
    this.ends[this.count] = this.used;
    this.times[this.count] = time;
    this.count++;
  }

  record(i: number): Uint8Array {
    return this.buf.subarray(i === 0 ? 0 : this.ends[i - 1], this.ends[i]);
  }
}

export class RecordLog {
  private readonly segments: Segment[] = [];
  /** Records of the oldest segment already dropped. */
  private skipped = 0;
  private held = 0;
  private segmentBytes = 0;

  /** @param segmentSize bytes per segment; a bigger record gets a segment of its own size. */
  constructor(private readonly segmentSize: number) {
    if (!Number.isSafeInteger(segmentSize) || segmentSize < 1) throw new RangeError(`segment size must be a positive integer, got ${segmentSize}`);
  }

  /** Records held. */
  get size(): number {
    return this.held;
  }

  /** Memory held: segment buffers (whole, as allocated) and their indexes. */
  get bytes(): number {
    return this.segmentBytes;
  }

  get oldestSeq(): number | undefined {
    return this.held === 0 ? undefined : this.segments[0]!.firstSeq + this.skipped;
  }

  get newestSeq(): number | undefined {
    if (this.held === 0) return undefined;
    const last = this.segments[this.segments.length - 1]!;
    return last.firstSeq + last.count - 1;
  }

  /** Time given when the oldest record was appended. */
  get oldestTime(): number | undefined {
    return this.held === 0 ? undefined : this.segments[0]!.times[this.skipped];
  }

  get newestTime(): number | undefined {
    if (this.held === 0) return undefined;
    const last = this.segments[this.segments.length - 1]!;
    return last.times[last.count - 1];
  }

  /** Appends the record of `newestSeq + 1` (any seq when empty); the bytes are copied. */
  append(seq: number, record: Uint8Array, time: number): void {
    const newest = this.newestSeq;
    if (newest !== undefined && seq !== newest + 1) throw new RangeError(`seq ${seq} does not follow ${newest}`);
    let last = this.segments[this.segments.length - 1];
    if (!last || !last.fits(record.length) || newest === undefined) {
      if (newest === undefined) this.clear();
      last = new Segment(Buffer.allocUnsafeSlow(Math.max(this.segmentSize, record.length)), seq);
      this.segments.push(last);
      this.segmentBytes += last.bytes;
    }
    const before = last.bytes;
    last.append(record, time);
    this.segmentBytes += last.bytes - before;
    this.held++;
  }

  /** The record of `seq`, a view valid until that record is dropped. */
  get(seq: number): Uint8Array | undefined {
    const oldest = this.oldestSeq;
    if (oldest === undefined || seq < oldest || seq > this.newestSeq!) return undefined;
    // Segments hold consecutive seq ranges: binary search on their first seq.
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.segments[mid]!.firstSeq <= seq) lo = mid;
      else hi = mid - 1;
    }
    const segment = this.segments[lo]!;
    return segment.record(seq - segment.firstSeq);
  }

  /** Drops the oldest record and returns it (a view, still readable until it is garbage). */
  dropOldest(): Uint8Array | undefined {
    if (this.held === 0) return undefined;
    const first = this.segments[0]!;
    const record = first.record(this.skipped);
    this.skipped++;
    this.held--;
    if (this.skipped === first.count) {
      this.segments.shift();
      this.segmentBytes -= first.bytes;
      this.skipped = 0;
    }
    return record;
  }

  clear(): void {
    this.segments.length = 0;
    this.skipped = 0;
    this.held = 0;
    this.segmentBytes = 0;
  }
}
