/**
 * Micro-benchmark of the per-entry hot paths not covered by parse/match: decoding a get-entries
 * item and a data-tile record, building the event, and serializing it per channel. Inputs come
 * from the simulator's certificate factory (so it runs without the shared fixtures).
 *
 *   npm run bench -- hot [--seconds-per-row 1]
 */
import { decodeDataTile, decodeRfc6962Entry, encodeMerkleTreeLeaf, encodePrecertExtraData, encodeTileLeaf, leafIndexExtension } from '../src/ct/leaf.js';
import type { LogDescriptor } from '../src/ct/log-list.js';
import { randomBytes } from 'node:crypto';
import { buildEvent } from '../src/ingest/event.js';
import { Deduplicator } from '../src/ingest/dedupe.js';
import { DEFAULT_DEDUPE_WINDOW } from '../src/config/defaults.js';
import { certificateKey, tbsCertificateKey } from '../src/x509/cert-key.js';
import { EventHistory } from '../src/router/history.js';
import { serializeDomains, serializeFull, serializeLite } from '../src/protocol/wire.js';
import { CertFactory } from '../src/sim/cert-factory.js';
import { CertCache, parseCertificate } from '../src/x509/index.js';
import { parseBenchArgs } from './options.js';

const { 'seconds-per-row': secondsPerRow } = parseBenchArgs({
  name: 'hot',
  summary: 'leaf and tile decoding, event building, serialization per channel (ns per operation)',
  options: { 'seconds-per-row': { type: 'number', default: 1, description: 'time spent measuring each row' } },
});
const factory = await CertFactory.create({ seed: 'hot-paths' });
const certs = Array.from({ length: 256 }, () => factory.precertificate());
const finals = certs.map((c) => c.finalCertificate!().der);

const items = certs.map((c, i) => ({
  leafInput: encodeMerkleTreeLeaf({ timestamp: 1e12 + i, kind: 'precert', signedEntry: c.precert!.tbs, issuerKeyHash: c.precert!.issuerKeyHash, extensions: new Uint8Array(0) }),
  extraData: encodePrecertExtraData(c.der, c.chain.map((x) => x.der)),
}));
const jsonItems = items.map((i) => ({ leaf_input: Buffer.from(i.leafInput).toString('base64'), extra_data: Buffer.from(i.extraData).toString('base64') }));
const tile = Buffer.concat(
  certs.map((c, i) =>
    encodeTileLeaf({
      entry: { timestamp: 1e12 + i, kind: 'precert', signedEntry: c.precert!.tbs, issuerKeyHash: c.precert!.issuerKeyHash, extensions: leafIndexExtension(i) },
      preCertificate: c.der,
      chainFingerprints: c.chain.map((x) => x.fingerprint),
    }),
  ),
);
const log: LogDescriptor = { id: 'bench', name: 'Bench log', operator: 'bench', api: 'rfc6962', url: 'https://bench.example/', key: new Uint8Array(0), mmdSeconds: 86400 };
const cache = new CertCache(1000);
const events = items.map((it, i) => {
  const entry = decodeRfc6962Entry(i, it.leafInput, it.extraData);
  return buildEvent(log, entry, parseCertificate(entry.leafDer), entry.chainDers.map((d) => cache.get(d)), i + 1, Date.now());
});

/** A history that keeps dropping (as a full one does): each push encodes, copies and frees. */
const history = new EventHistory({ maxEvents: 10_000, maxAgeMs: Number.MAX_SAFE_INTEGER, maxBytes: 4 * 1024 * 1024 });
let nextSeq = 1;

/** Runs `op` over the inputs for about `secondsPerRow` and returns ns per operation. */
function measure(op: (i: number) => unknown): number {
  let sink = 0;
  for (let i = 0; i < 2_000; i++) sink ^= op(i % 256) === undefined ? 0 : 1; // warm up the JIT
  const deadline = performance.now() + secondsPerRow * 1000;
  let n = 0;
  const start = performance.now();
  while (performance.now() < deadline) {
    for (let k = 0; k < 256; k++) sink ^= op(k) === undefined ? 0 : 1;
    n += 256;
  }
  if (sink === 42) console.log('');
  return ((performance.now() - start) * 1e6) / n;
}

/** A window already holding 1 M first sightings (1,000/s over ~17 min), fed new keys at 1 ms of stream time each. */
const dedupe = new Deduplicator(DEFAULT_DEDUPE_WINDOW);
/** Uniform keys (only the first 8 bytes are read): views 8 bytes apart into one random pool. */
const POOL_KEYS = 4_000_000;
const keyPool = randomBytes(POOL_KEYS * 8 + 24);
let keyAt = 0;
const freshKey = (): Buffer => keyPool.subarray((keyAt % POOL_KEYS) * 8, (keyAt++ % POOL_KEYS) * 8 + 32);
const probe = { ...events[0]! };
const markFresh = (seq: number): void => {
  probe.certKey = freshKey();
  probe.seq = seq;
  dedupe.mark(probe, seq);
};
let dedupeSeq = 1;
for (; dedupeSeq <= 1_000_000; dedupeSeq++) markFresh(dedupeSeq);
const rows: [string, number][] = [
  ['get-entries item: base64 + MerkleTreeLeaf + extra_data', measure((i) => decodeRfc6962Entry(i, Buffer.from(jsonItems[i]!.leaf_input, 'base64'), Buffer.from(jsonItems[i]!.extra_data, 'base64')))],
  // One whole-tile decode every 256 operations: the figure is per record.
  ['data tile record (a 256-record tile, per record)', measure((i) => (i === 0 ? decodeDataTile(tile) : 0))],
  ['decode + leaf parse + cached chain + event build', measure((i) => {
    const entry = decodeRfc6962Entry(i, items[i]!.leafInput, items[i]!.extraData);
    return buildEvent(log, entry, parseCertificate(entry.leafDer), entry.chainDers.map((d) => cache.get(d)), i, 0);
  })],
  ['cert key: precert, from the log TBS (one hash)', measure((i) => tbsCertificateKey(certs[i]!.precert!.tbs))],
  ['cert key: final certificate (SCT list left out)', measure((i) => certificateKey(finals[i]!))],
  ['dedupe: mark a new certificate (1 M+ keys held, 1 ms apart)', measure(() => markFresh(dedupeSeq++))],
  ['serialize full', measure((i) => serializeFull(events[i]!))],
  ['serialize lite', measure((i) => serializeLite(events[i]!))],
  ['serialize domains-only', measure((i) => serializeDomains(events[i]!))],
  ['keep in the resume history (record, copy, drop oldest)', measure((i) => history.push({ ...events[i]!, seq: nextSeq++ }))],
  ['rebuild from the history, lite (parse + serialize)', measure(() => history.get(nextSeq - 1 - ((nextSeq * 7) % 1000))!.message('lite'))],
];
console.log(`node ${process.version}, ${secondsPerRow}s per row, 256 generated precertificates with chains\n`);
console.log(`${'operation'.padEnd(58)}${'ns/op'.padStart(10)}`);
for (const [name, ns] of rows) console.log(`${name.padEnd(58)}${ns.toFixed(0).padStart(10)}`);
