/**
 * Memory of the de-duplication window at a steady rate for longer than the window: every event a new
 * certificate (the worst case: repeats add no keys), stream time advancing 1/rate s per event.
 * Reports the window's own bytes and the process's ArrayBuffer memory as the window fills and turns
 * over, and the time per event.
 *
 *   npm run bench -- dedupe [--rate 1000] [--window-minutes 60] [--run-minutes 75]
 */
import { randomBytes } from 'node:crypto';
import { DEFAULT_DEDUPE_WINDOW } from '../src/config/defaults.js';
import { DedupeWindow } from '../src/ingest/dedupe-window.js';
import { parseBenchArgs } from './options.js';

const values = parseBenchArgs({
  name: 'dedupe',
  summary: 'memory of the de-duplication window at a steady rate of new certificates, for longer than the window',
  options: {
    rate: { type: 'number', default: 1000, min: 1, description: 'new certificates per second of stream time' },
    'window-minutes': { type: 'number', default: DEFAULT_DEDUPE_WINDOW.windowMs / 60_000, description: 'the window' },
    'run-minutes': { type: 'number', default: 75, description: 'minutes of stream time to run' },
  },
});
const rate = values.rate;
const windowMinutes = values['window-minutes'];
const runMinutes = values['run-minutes'];
const MiB = 1024 * 1024;

const window = new DedupeWindow({ ...DEFAULT_DEDUPE_WINDOW, windowMs: windowMinutes * 60_000 });
const total = Math.round(rate * runMinutes * 60);
const chunk = randomBytes(8 * 1_000_000 + 24);
const arrayBuffersBefore = process.memoryUsage().arrayBuffers;
console.log(`node ${process.version}: ${rate}/s, window ${windowMinutes} min (cap ${DEFAULT_DEDUPE_WINDOW.maxBytes / MiB} MiB), ${runMinutes} min of stream time`);
console.log(`${'stream min'.padStart(10)}${'keys'.padStart(11)}${'window MiB'.padStart(12)}${'span min'.padStart(10)}${'ArrayBuffers MiB'.padStart(18)}${'ns/event'.padStart(10)}`);
let last = performance.now();
let peak = 0;
for (let i = 0; i < total; i++) {
  // Fresh random fingerprints every million events; only the first 8 bytes of a key are read.
  if (i % 1_000_000 === 0 && i > 0) chunk.set(randomBytes(8 * 1_000_000), 0);
  const at = (i % 1_000_000) * 8;
  window.see(chunk.subarray(at, at + 32), i + 1, false, (i * 1000) / rate);
  if (i % 1000 === 0) peak = Math.max(peak, window.stats().bytes);
  if ((i + 1) % (rate * 300) === 0) {
    const s = window.stats();
    const now = performance.now();
    const ab = (process.memoryUsage().arrayBuffers - arrayBuffersBefore) / MiB;
    console.log(
      `${((i + 1) / rate / 60).toFixed(0).padStart(10)}${String(s.keys).padStart(11)}${(s.bytes / MiB).toFixed(1).padStart(12)}${(s.spanMs / 60_000).toFixed(1).padStart(10)}` +
        `${ab.toFixed(1).padStart(18)}${(((now - last) * 1e6) / (rate * 300)).toFixed(0).padStart(10)}`,
    );
    last = now;
  }
}
const s = window.stats();
console.log(`peak window bytes ${(peak / MiB).toFixed(1)} MiB; dropped early ${s.droppedEarly}; final span ${(s.spanMs / 60_000).toFixed(1)} min`);
