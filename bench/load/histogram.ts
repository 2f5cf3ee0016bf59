/**
 * A latency histogram with exponential buckets (2% wide, from 10 µs up), small enough to send from
 * a worker by postMessage and merge, precise enough for p50/p90/p99 (±1%).
 */
const SMALLEST_MS = 0.01;
const GROWTH = 1.02;
const BUCKETS = 1200; // 0.01 ms × 1.02^1200 ≈ 200,000 s: nothing is clamped in practice

export interface Histogram {
  counts: number[];
  count: number;
  maxMs: number;
}

export function emptyHistogram(): Histogram {
  return { counts: new Array<number>(BUCKETS).fill(0), count: 0, maxMs: 0 };
}

function bucketOf(ms: number): number {
  if (ms <= SMALLEST_MS) return 0;
  return Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / SMALLEST_MS) / Math.log(GROWTH)));
}

export function record(h: Histogram, ms: number): void {
  const value = Math.max(0, ms);
  h.counts[bucketOf(value)]!++;
  h.count++;
  if (value > h.maxMs) h.maxMs = value;
}

export function merge(into: Histogram, from: Histogram): void {
  for (let i = 0; i < BUCKETS; i++) into.counts[i]! += from.counts[i]!;
  into.count += from.count;
  into.maxMs = Math.max(into.maxMs, from.maxMs);
}

/** The upper bound of the bucket holding the p-th percentile (p in 0..100), or null when empty. */
export function percentile(h: Histogram, p: number): number | null {
  if (h.count === 0) return null;
  const rank = Math.ceil((p / 100) * h.count);
  let seen = 0;
  for (let i = 0; i < BUCKETS; i++) {
    seen += h.counts[i]!;
    if (seen >= rank) return Math.min(h.maxMs, SMALLEST_MS * GROWTH ** i);
  }
  return h.maxMs;
}
