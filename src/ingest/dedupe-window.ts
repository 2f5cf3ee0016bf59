/**
 * Which certificates were already streamed: the first sighting of every certificate key within a
 * time window, in bounded memory. Keys are SHA-256 values, so their first 64 bits are a uniform
 * fingerprint; each entry is that fingerprint plus the first sighting's seq (12 bytes).
 *
 * Entries live in time generations of window/8. The active generation is an open-addressing hash
 * table (linear probing, slots addressed by the fingerprint's top bits); when its span is over it is
 * sealed into a sorted array with a bucket index on the top bits (lookups scan ~4 entries), built by
 * a counting sort in linear time. A sealed generation is dropped once all of it is older than the
 * window, so every first sighting within the window is held. If the entries would pass maxBytes
 * (a burst far above the expected rate), the oldest generation goes early: the span held shrinks
 * and stats() says so (`droppedEarly`, `spanMs`).
 *
 * False positives: a new certificate is taken for a repeat only when its 64-bit fingerprint equals
 * one of the n held, probability n / 2^64 (3.6 M keys: 2e-13 per event).
 */
import { DEFAULT_DEDUPE_WINDOW } from '../config/defaults.js';

export interface DedupeWindowOptions {
  /** How long a first sighting is remembered. */
  windowMs: number;
  /** Bound on the memory of all generations together. */
  maxBytes: number;
}

export interface FirstSighting {
  seq: number;
  precert: boolean;
}

export interface DedupeWindowStats {
  windowMs: number;
  /** Time back from the newest event over which every first sighting is held. */
  spanMs: number;
  keys: number;
  bytes: number;
  generations: number;
  /** Generations dropped before the window was over, to stay within maxBytes. */
  droppedEarly: number;
}

const GENERATIONS = 8;
const BYTES_PER_SLOT = 12;
const TWO_32 = 4294967296;
/** A slot holds (seq - baseSeq) * 2 + precert bit, plus 1 so that 0 marks an empty slot. */
const MAX_SEQ_OFFSET = 0x7ffffffe;
const INITIAL_CAPACITY = 1024;
const MAX_LOAD = 0.75;

function encodeSlot(offset: number, precert: boolean): number {
  return offset * 2 + (precert ? 1 : 0) + 1;
}

/** Common to both generation forms: the seqs they hold are offsets from baseSeq. */
abstract class Generation {
  lastMs: number;
  constructor(
    readonly baseSeq: number,
    readonly firstMs: number,
  ) {
    this.lastMs = firstMs;
  }

  abstract get size(): number;
  abstract get bytes(): number;
  /** The slot value for this fingerprint, 0 when absent. */
  abstract slot(hi: number, lo: number): number;

  sighting(slot: number): FirstSighting {
    return { seq: this.baseSeq + Math.floor((slot - 1) / 2), precert: ((slot - 1) & 1) === 1 };
  }
}

class ActiveGeneration extends Generation {
  hi: Uint32Array;
  lo: Uint32Array;
  slots: Uint32Array;
  count = 0;

  constructor(baseSeq: number, firstMs: number, capacity: number) {
    super(baseSeq, firstMs);
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.slots = new Uint32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  get bytes(): number {
    return this.slots.length * BYTES_PER_SLOT;
  }

  private position(hi: number, lo: number): number {
    const capacity = this.slots.length;
    let i = Math.floor((hi / TWO_32) * capacity);
    while (this.slots[i] !== 0 && (this.hi[i] !== hi || this.lo[i] !== lo)) i = i + 1 === capacity ? 0 : i + 1;
    return i;
  }

  slot(hi: number, lo: number): number {
    return this.slots[this.position(hi, lo)]!;
  }

  insert(hi: number, lo: number, slot: number): void {
    if (this.count + 1 > this.slots.length * MAX_LOAD) this.grow();
    const i = this.position(hi, lo);
    this.hi[i] = hi;
    this.lo[i] = lo;
    this.slots[i] = slot;
    this.count++;
  }

  private grow(): void {
    const { hi, lo, slots } = this;
    const capacity = slots.length * 2;
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
    this.slots = new Uint32Array(capacity);
    this.count = 0;
    for (let i = 0; i < slots.length; i++) if (slots[i] !== 0) this.insert(hi[i]!, lo[i]!, slots[i]!);
  }
}

class SealedGeneration extends Generation {
  private readonly hi: Uint32Array;
  private readonly lo: Uint32Array;
  private readonly slots: Uint32Array;
  /** bucketStart[b] .. bucketStart[b + 1]: the entries whose top `bits` bits are b. */
  private readonly bucketStart: Uint32Array;
  private readonly shift: number;

  constructor(active: ActiveGeneration) {
    super(active.baseSeq, active.firstMs);
    this.lastMs = active.lastMs;
    const n = active.count;
    const bits = Math.min(20, Math.max(4, Math.ceil(Math.log2(Math.max(1, n / 4)))));
    this.shift = 32 - bits;
    const buckets = 1 << bits;
    this.bucketStart = new Uint32Array(buckets + 1);
    this.hi = new Uint32Array(n);
    this.lo = new Uint32Array(n);
    this.slots = new Uint32Array(n);
    // Counting sort by bucket; order inside a bucket does not matter (it is scanned).
    for (let i = 0; i < active.slots.length; i++) if (active.slots[i] !== 0) this.bucketStart[(active.hi[i]! >>> this.shift) + 1]!++;
    for (let b = 0; b < buckets; b++) this.bucketStart[b + 1]! += this.bucketStart[b]!;
    const fill = this.bucketStart.slice(0, buckets);
    for (let i = 0; i < active.slots.length; i++) {
      if (active.slots[i] === 0) continue;
      const at = fill[active.hi[i]! >>> this.shift]!++;
      this.hi[at] = active.hi[i]!;
      this.lo[at] = active.lo[i]!;
      this.slots[at] = active.slots[i]!;
    }
  }

  get size(): number {
    return this.slots.length;
  }

  get bytes(): number {
    return this.slots.length * BYTES_PER_SLOT + this.bucketStart.length * 4;
  }

  slot(hi: number, lo: number): number {
    const b = hi >>> this.shift;
    for (let i = this.bucketStart[b]!, end = this.bucketStart[b + 1]!; i < end; i++) {
      if (this.hi[i] === hi && this.lo[i] === lo) return this.slots[i]!;
    }
    return 0;
  }
}

export class DedupeWindow {
  private active: ActiveGeneration | null = null;
  /** Oldest first. */
  private sealed: SealedGeneration[] = [];
  private droppedEarly = 0;
  private newestMs = 0;
  private readonly generationMs: number;

  constructor(private readonly options: DedupeWindowOptions = DEFAULT_DEDUPE_WINDOW) {
    this.generationMs = Math.max(1, options.windowMs / GENERATIONS);
  }

  /**
   * The first sighting of `key` within the window, or undefined when this is it (it is then
   * remembered as seq). `nowMs` must not go back much; seqs must grow.
   */
  see(key: Uint8Array, seq: number, precert: boolean, nowMs: number): FirstSighting | undefined {
    const hi = ((key[0]! << 24) | (key[1]! << 16) | (key[2]! << 8) | key[3]!) >>> 0;
    const lo = ((key[4]! << 24) | (key[5]! << 16) | (key[6]! << 8) | key[7]!) >>> 0;
    this.advance(nowMs);
    const active = this.activeFor(seq, nowMs);
    let slot = active.slot(hi, lo);
    if (slot !== 0) return active.sighting(slot);
    for (let g = this.sealed.length - 1; g >= 0; g--) {
      slot = this.sealed[g]!.slot(hi, lo);
      if (slot !== 0) return this.sealed[g]!.sighting(slot);
    }
    active.insert(hi, lo, encodeSlot(seq - active.baseSeq, precert));
    active.lastMs = this.newestMs;
    this.enforceBytes();
    return undefined;
  }

  /** Forgets everything (the seq numbering started over). */
  clear(): void {
    this.active = null;
    this.sealed = [];
  }

  stats(): DedupeWindowStats {
    const generations = [...this.sealed, ...(this.active ? [this.active] : [])];
    const oldest = generations[0];
    return {
      windowMs: this.options.windowMs,
      spanMs: oldest ? Math.min(this.options.windowMs, this.newestMs - oldest.firstMs) : 0,
      keys: generations.reduce((n, g) => n + g.size, 0),
      bytes: generations.reduce((n, g) => n + g.bytes, 0),
      generations: generations.length,
      droppedEarly: this.droppedEarly,
    };
  }

  /** Moves time on: drops the generations wholly older than the window. */
  private advance(nowMs: number): void {
    if (nowMs > this.newestMs) this.newestMs = nowMs;
    const horizon = this.newestMs - this.options.windowMs;
    while (this.sealed.length > 0 && this.sealed[0]!.lastMs < horizon) this.sealed.shift();
  }

  /** The active generation, sealing the current one when its span is over or its seqs run out. */
  private activeFor(seq: number, nowMs: number): ActiveGeneration {
    const current = this.active;
    if (current && nowMs - current.firstMs < this.generationMs && seq - current.baseSeq <= MAX_SEQ_OFFSET) return current;
    if (current) this.sealed.push(new SealedGeneration(current));
    // Sized for as many keys as the last generation had, so it seldom grows.
    const expected = current ? current.count : 0;
    let capacity = INITIAL_CAPACITY;
    while (capacity * MAX_LOAD < expected) capacity *= 2;
    this.active = new ActiveGeneration(seq, Math.max(nowMs, this.newestMs), capacity);
    this.advance(nowMs);
    return this.active;
  }

  private enforceBytes(): void {
    let bytes = this.active!.bytes;
    for (const g of this.sealed) bytes += g.bytes;
    while (bytes > this.options.maxBytes && this.sealed.length > 0) {
      bytes -= this.sealed.shift()!.bytes;
      this.droppedEarly++;
    }
    // The active generation alone is over: start a new one (the next event does).
    if (bytes > this.options.maxBytes) {
      this.active = null;
      this.droppedEarly++;
    }
  }
}
