/**
 * Memory per event kept in the resume history, and what it costs to keep and to rebuild one, for
 * the ways of keeping it that were measured before choosing (src/router/history.ts):
 *
 *   compact     what the server does: EventHistory, a record per event (leaf DER, a few fields,
 *               references to the chain and the log) in off-heap segments; rebuilt by parsing again
 *   objects     what it did before: the CertEvent objects themselves (serialized once per channel
 *               first, as live delivery does, which flattens the parser's strings)
 *   compressed  each channel's message built once and kept deflated (lite and full; domains plain)
 *
 * Events are built as the ingest builds them (simulator certificates, half precertificates, half
 * final certificates with embedded SCTs; decode, parse, cached chain, event), with a full GC before
 * and after. Heap and off-heap (ArrayBuffer) growth are both counted.
 *
 *   npm run bench -- history [--events 50000] [--mode compact|objects|compressed|all]
 */
import { fork } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { decodeRfc6962Entry, encodeMerkleTreeLeaf, encodePrecertExtraData } from '../src/ct/leaf.js';
import type { LogDescriptor } from '../src/ct/log-list.js';
import { buildEvent, type CertEvent } from '../src/ingest/event.js';
import { EventHistory } from '../src/router/history.js';
import { serializeDomains, serializeFull, serializeLite } from '../src/protocol/wire.js';
import { CertFactory } from '../src/sim/cert-factory.js';
import { CertCache, parseCertificate } from '../src/x509/index.js';
import { parseBenchArgs } from './options.js';

const MODES = ['compact', 'objects', 'compressed'] as const;
type Mode = (typeof MODES)[number];
const values = parseBenchArgs({
  name: 'history',
  summary: 'memory per event kept in the resume history, and the cost of keeping and rebuilding one, per way of keeping it',
  options: {
    events: { type: 'number', default: 50_000, min: 1, description: 'events kept per mode' },
    mode: { type: 'string', default: 'all', choices: [...MODES, 'all'], description: 'way of keeping them (all: each in its own process)' },
  },
});
const events = values.events;
const modeArg = values.mode;

if (modeArg === 'all') {
  // One process per mode, so that each starts from the same heap.
  console.log(`history memory, ${events.toLocaleString('en-US')} events per mode; node ${process.version}`);
  for (const mode of MODES) {
    await new Promise<void>((resolve, reject) => {
      const child = fork(process.argv[1]!, ['--events', String(events), '--mode', mode], { stdio: 'inherit' });
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${mode} exited with ${code}`))));
    });
  }
  process.exit(0);
}
const mode = modeArg as Mode;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const factory = await CertFactory.create({ seed: 'history-memory' });
const log: LogDescriptor = { id: 'bench', name: 'Bench log 2026h1', operator: 'bench', api: 'rfc6962', url: 'https://ct.bench.example/2026h1/', key: new Uint8Array(0), mmdSeconds: 86400 };
const cache = new CertCache(1000);

/** One event as the ingest makes it; the certificate factory's objects are dropped right after. */
function makeEvent(i: number): CertEvent {
  const cert = i % 2 === 0 ? factory.precertificate() : factory.certificate();
  const leafInput = cert.precert
    ? encodeMerkleTreeLeaf({ timestamp: 1e12 + i, kind: 'precert', signedEntry: cert.precert.tbs, issuerKeyHash: cert.precert.issuerKeyHash, extensions: new Uint8Array(0) })
    : encodeMerkleTreeLeaf({ timestamp: 1e12 + i, kind: 'x509', signedEntry: cert.der, extensions: new Uint8Array(0) });
  const extraData = cert.precert ? encodePrecertExtraData(cert.der, cert.chain.map((c) => c.der)) : encodeChain(cert.chain.map((c) => c.der));
  const entry = decodeRfc6962Entry(1_000_000 + i, leafInput, extraData);
  return buildEvent(log, entry, parseCertificate(entry.leafDer), entry.chainDers.map((d) => cache.get(d)), i + 1, Date.now());
}

/** extra_data of an x509 entry: a 24-bit-length list of 24-bit-length certificates. */
function encodeChain(ders: Uint8Array[]): Uint8Array {
  const u24 = (n: number): Buffer => Buffer.of(n >> 16, (n >> 8) & 0xff, n & 0xff);
  const body = Buffer.concat(ders.flatMap((d) => [u24(d.length), Buffer.from(d)]));
  return Buffer.concat([u24(body.length), body]);
}

/** A way of keeping events: keep one, and rebuild the lite message of a kept one. */
interface Store {
  keep(event: CertEvent): void;
  liteOf(seq: number): string;
  /** What the store itself accounts for, when it does. */
  accounted?(): number;
}

function compactStore(): Store {
  const history = new EventHistory({ maxEvents: events, maxAgeMs: Number.MAX_SAFE_INTEGER, maxBytes: Number.MAX_SAFE_INTEGER });
  return { keep: (e) => history.push(e), liteOf: (seq) => history.get(seq)!.message('lite'), accounted: () => history.bytes };
}

function objectStore(): Store {
  const kept: CertEvent[] = [];
  return {
    keep: (e) => {
      for (const serialize of [serializeFull, serializeLite, serializeDomains]) serialize(e);
      kept.push(e);
    },
    liteOf: (seq) => serializeLite(kept[seq - 1]!),
  };
}

function compressedStore(): Store {
  const kept: { lite: Buffer; full: Buffer; domains: string }[] = [];
  return {
    keep: (e) => kept.push({ lite: deflateRawSync(serializeLite(e), { level: 1 }), full: deflateRawSync(serializeFull(e), { level: 1 }), domains: serializeDomains(e) }),
    liteOf: (seq) => inflateRawSync(kept[seq - 1]!.lite).toString('utf8'),
  };
}

const store = { compact: compactStore, objects: objectStore, compressed: compressedStore }[mode]();

// Warm up (issuers in the cert cache, JIT), so the baseline holds everything but the kept events.
const warm = Array.from({ length: 200 }, (_, i) => makeEvent(i));
for (const e of warm) for (const serialize of [serializeFull, serializeLite, serializeDomains]) serialize(e);
const built = Array.from({ length: 2_000 }, (_, i) => makeEvent(i));
gc();
const before = process.memoryUsage();
let keepSeconds = 0;
let liteBytes = 0;
for (let i = 0; i < events; i++) {
  const event = makeEvent(i);
  // Live delivery serializes each channel once whatever the store; only the store's own work is timed.
  const t = performance.now();
  store.keep(event);
  keepSeconds += (performance.now() - t) / 1000;
}
gc();
const after = process.memoryUsage();
// Rebuild rate: what a replay pays per event it sends.
const rebuildStart = performance.now();
const rebuilds = Math.min(events, 20_000);
for (let seq = 1; seq <= rebuilds; seq++) liteBytes += store.liteOf(seq).length;
const rebuildMicros = ((performance.now() - rebuildStart) * 1000) / rebuilds;

const perEvent = (key: 'heapUsed' | 'rss' | 'arrayBuffers'): number => (after[key] - before[key]) / events;
const total = perEvent('heapUsed') + Math.max(0, perEvent('arrayBuffers'));
console.log(
  `${mode.padEnd(10)} heap ${perEvent('heapUsed').toFixed(0).padStart(5)} B + off-heap ${perEvent('arrayBuffers').toFixed(0).padStart(5)} B` +
    ` = ${total.toFixed(0).padStart(5)} B per event (RSS ${perEvent('rss').toFixed(0)} B);` +
    ` keep ${((keepSeconds * 1e6) / events).toFixed(2)} µs, rebuild lite ${rebuildMicros.toFixed(1)} µs per event;` +
    ` 256 MiB holds ~${Math.floor((256 * 1024 * 1024) / total).toLocaleString('en-US')} events` +
    ` (avg lite ${(liteBytes / rebuilds).toFixed(0)} B, leaf DER ${(built.reduce((n, e) => n + e.leafDer.length, 0) / built.length).toFixed(0)} B` +
    `${store.accounted ? `; the store accounts ${(store.accounted() / events).toFixed(0)} B per event` : ''})`,
);
