/**
 * Seedable pseudo-random numbers for the simulator. A seed makes generated names, serials and entry
 * mixes reproducible across runs (tests); without one the generator is seeded from the OS.
 * Not for secrets: sfc32 is fast and well distributed, not cryptographic.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface Rng {
  /** Uniform in [0, 1). */
  next(this: void): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Uniform integer in [min, max] (both inclusive). */
  between(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Picks by weight: entries are [value, weight]. */
  weighted<T>(items: readonly (readonly [T, number])[]): T;
  bytes(n: number): Uint8Array;
}

/** Derives four 32-bit state words from any seed by hashing it (so "1" and "2" diverge at once). */
function seedWords(seed: number | string | undefined): Uint32Array {
  const material = seed === undefined ? randomBytes(16) : createHash('sha256').update(String(seed)).digest();
  return new Uint32Array([
    material.readUInt32BE(0),
    material.readUInt32BE(4),
    material.readUInt32BE(8),
    material.readUInt32BE(12),
  ]);
}

export function createRng(seed?: number | string): Rng {
  const s = seedWords(seed);
  let a = s[0]!;
  let b = s[1]!;
  let c = s[2]!;
  let d = s[3]!;
  const nextU32 = (): number => {
    // sfc32 (Chris Doty-Humphrey's Small Fast Counting generator)
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Discard the first outputs: sfc32 mixes poorly right after seeding.
  for (let i = 0; i < 12; i++) nextU32();

  const rng: Rng = {
    next: () => nextU32() / 4294967296,
    int: (n) => Math.floor(rng.next() * n),
    between: (min, max) => min + rng.int(max - min + 1),
    chance: (p) => rng.next() < p,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[rng.int(items.length)]!;
    },
    weighted: <T>(items: readonly (readonly [T, number])[]): T => {
      const total = items.reduce((sum, [, w]) => sum + w, 0);
      let roll = rng.next() * total;
      for (const [value, weight] of items) {
        roll -= weight;
        if (roll < 0) return value;
      }
      const last = items[items.length - 1];
      if (!last) throw new RangeError('weighted pick from an empty list');
      return last[0];
    },
    bytes: (n) => {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i += 4) {
        let v = nextU32();
        for (let j = i; j < Math.min(n, i + 4); j++) {
          out[j] = v & 0xff;
          v >>>= 8;
        }
      }
      return out;
    },
  };
  return rng;
}
