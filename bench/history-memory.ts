/**
 * Memory per event kept in the resume history (src/router/history.ts): fills an EventHistory with
 * events built the way the ingest builds them (simulator certificates, half precertificates, half
 * final certificates with embedded SCTs; decode, parse, cached chain, event) and reports the V8
 * heap and RSS growth per kept event, after a full GC.
 *
 *   node dist/bench/history-memory.js [events (default 50000)] [ring size (default 200000)] [serialized|raw]
 */
import { LocalEvent } from '../src/router/routed-event.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { decodeRfc6962Entry, encodeMerkleTreeLeaf, encodePrecertExtraData } from '../src/ct/leaf.js';
import type { LogDescriptor } from '../src/ct/log-list.js';
import { buildEvent } from '../src/ingest/event.js';
import { EventHistory } from '../src/router/history.js';
import { serializeDomains, serializeFull, serializeLite } from '../src/server/messages.js';
import { CertFactory } from '../src/sim/cert-factory.js';
import { CertCache, parseCertificate } from '../src/x509/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const events = Number(process.argv[2] ?? 50_000);
const ringSize = Number(process.argv[3] ?? 200_000);
/**
 * `serialized` (default): each event is serialized once per channel before it is kept, as the
 * server does when clients are connected; that flattens the parser's concatenated strings (V8
 * cons strings), which otherwise roughly double the event's size. `raw`: kept as built.
 */
const serialized = (process.argv[4] ?? 'serialized') === 'serialized';
const MiB = 1024 * 1024;

const factory = await CertFactory.create({ seed: 'history-memory' });
const log: LogDescriptor = { id: 'bench', name: 'Bench log 2026h1', operator: 'bench', api: 'rfc6962', url: 'https://ct.bench.example/2026h1/', key: new Uint8Array(0), mmdSeconds: 86400 };
const cache = new CertCache(1000);

/** One event as the ingest makes it; the certificate factory's objects are dropped right after. */
function makeEvent(i: number): ReturnType<typeof buildEvent> {
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

// Warm up (issuers in the cert cache, JIT), so the baseline holds everything but the kept events.
for (let i = 0; i < 200; i++) makeEvent(i);
const history = new EventHistory({ maxEvents: ringSize, maxAgeMs: Number.MAX_SAFE_INTEGER });
gc();
const before = process.memoryUsage();
const start = performance.now();
for (let i = 0; i < events; i++) {
  const event = makeEvent(i);
  if (serialized) for (const serialize of [serializeFull, serializeLite, serializeDomains]) serialize(event);
  history.push(new LocalEvent(event));
}
const seconds = (performance.now() - start) / 1000;
gc();
const after = process.memoryUsage();

const kept = history.size;
const perEvent = (key: 'heapUsed' | 'rss' | 'external' | 'arrayBuffers'): number => (after[key] - before[key]) / kept;
const sample = (history.tail(1)[0] as LocalEvent).event;
console.log(
  `node ${process.version}; ${kept.toLocaleString('en-US')} events kept in a ${ringSize.toLocaleString('en-US')}-slot history ` +
    `(${serialized ? 'serialized per channel first' : 'raw'}; built in ${seconds.toFixed(1)} s)`,
);
console.log(`sample event: ${sample.leaf_cert.all_domains.length} domains, as_der ${sample.leaf_cert.as_der.length} chars, lite JSON ${JSON.stringify({ ...sample, leaf_cert: { ...sample.leaf_cert, as_der: undefined } }).length} bytes`);
console.log(`heap used per event: ${perEvent('heapUsed').toFixed(0)} bytes; external ${perEvent('external').toFixed(0)} bytes; RSS ${perEvent('rss').toFixed(0)} bytes`);
const fullHistory = (perEvent('heapUsed') + Math.max(0, perEvent('external'))) * ringSize;
console.log(`at ${ringSize.toLocaleString('en-US')} events: ~${(fullHistory / MiB).toFixed(0)} MiB of heap (+ external)`);
console.log(`heap after: ${(after.heapUsed / MiB).toFixed(1)} MiB, RSS after: ${(after.rss / MiB).toFixed(1)} MiB`);
