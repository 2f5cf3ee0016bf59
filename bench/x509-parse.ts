/**
 * Certificate parsing cost per approach, over the real fixture certificates (CT precertificates,
 * roots, leaves). Run: npm run bench -- parse [--seconds-per-row 2] [--against <module>]
 *
 *   custom walker   parseCertificate: the full CertStream object (hashes and base64 included)
 *   node:crypto     X509Certificate + the fields it offers + our walker for the extensions it lacks
 *                   (no conversion of its strings to CertStream's shapes), and its constructor alone
 *   pkijs           Certificate.fromBER alone (no output at all)
 *
 * The node:crypto and pkijs rows do less than the full job, so they are lower bounds of those
 * approaches; if they are slower than the custom walker, the choice is made.
 *
 * `--against <dist/src/x509/index.js of another build>` instead compares that build's
 * parseCertificate with this one's, interleaved (A, B, A, B...) over the same certificates, in CPU
 * time per certificate: the fair before/after figure on a machine whose load changes by the minute.
 */
import { X509Certificate, hash } from 'node:crypto';
import { resolve } from 'node:path';
import * as pkijs from 'pkijs';
import { CertCache, parseCertificate } from '../src/x509/index.js';
import { DerReader, Tag, contextTag } from '../src/x509/der.js';
import { parseExtensions } from '../src/x509/extensions.js';
import { sharedFixtures } from '../test/support/fixtures.js';
import { parsableFixtureCerts } from '../test/x509/fixture-certs.js';
import { parseBenchArgs } from './options.js';

const values = parseBenchArgs({
  name: 'parse',
  summary: 'certificate parsing: our DER walker vs node:crypto vs pkijs (µs per certificate)',
  options: {
    'seconds-per-row': { type: 'number', default: 2, description: 'time spent measuring each row' },
    against: { type: 'string', valueName: 'module', description: "compare with another build's dist/src/x509/index.js instead, interleaved, in CPU time" },
  },
});
const againstModule = values.against;
const secondsPerRow = values['seconds-per-row'];

interface Row {
  readonly approach: string;
  readonly corpus: string;
  readonly microsPerCert: number;
}

/** Average µs per certificate of `work` over `certs`, repeating passes for about `seconds`. */
function measure(certs: readonly Uint8Array[], work: (der: Uint8Array) => unknown, seconds: number): number {
  let sink = 0;
  for (const der of certs) sink += work(der) === undefined ? 0 : 1; // warm-up pass: JIT and caches
  let parsed = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() - start < budget) {
    for (const der of certs) sink += work(der) === undefined ? 0 : 1;
    parsed += certs.length;
  }
  const elapsedNs = Number(process.hrtime.bigint() - start);
  if (sink < 0) console.log(sink); // keeps the results observable to the optimizer
  return elapsedNs / 1000 / parsed;
}

/** Our walker over the extensions only; the TBS fields before them are skipped, not decoded. */
function walkExtensionsOnly(der: Uint8Array): unknown {
  const reader = new DerReader(der);
  reader.expect(0, der.length, Tag.SEQUENCE, 'Certificate');
  reader.expect(reader.start, reader.end, Tag.SEQUENCE, 'tbsCertificate');
  const tbsEnd = reader.end;
  for (let p = reader.start; p < tbsEnd; ) {
    p = reader.read(p, tbsEnd);
    if (reader.tag === contextTag(3, true)) {
      reader.expect(reader.start, reader.end, Tag.SEQUENCE, 'Extensions');
      return parseExtensions(reader, reader.start, reader.end, []);
    }
  }
  return null;
}

function viaNodeCrypto(der: Uint8Array): unknown {
  const x = new X509Certificate(der);
  return [
    x.subject,
    x.issuer,
    x.subjectAltName,
    x.infoAccess,
    x.serialNumber,
    x.validFrom,
    x.validTo,
    x.fingerprint,
    x.fingerprint256,
    x.ca,
    x.raw.toString('base64'),
    walkExtensionsOnly(der),
  ];
}

function hashesAndBase64(der: Uint8Array): unknown {
  const view = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  return [hash('sha1', der, 'buffer'), hash('sha256', der, 'buffer'), view.toString('base64')];
}

/** CPU µs per certificate of `work` over `certs`, for about `seconds` of wall time. */
function cpuMicrosPerCert(certs: readonly Uint8Array[], work: (der: Uint8Array) => unknown, seconds: number): number {
  for (const der of certs) work(der);
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  let parsed = 0;
  while (process.hrtime.bigint() - start < BigInt(Math.round(seconds * 1e9))) {
    for (const der of certs) work(der);
    parsed += certs.length;
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / parsed;
}

const ROUNDS = 20;

/** Interleaved rounds of another build's parseCertificate (A) and ours (B); prints medians. */
async function compareAgainst(path: string, allCerts: readonly Uint8Array[], allPrecerts: readonly Uint8Array[]): Promise<void> {
  const other = (await import(resolve(path))) as { parseCertificate: (der: Uint8Array) => unknown };
  // Only what both builds parse (an older build may drop a few odd certificates).
  const parsesInBoth = (der: Uint8Array): boolean => {
    try {
      other.parseCertificate(der);
      return true;
    } catch {
      return false;
    }
  };
  const certs = allCerts.filter(parsesInBoth);
  const precerts = allPrecerts.filter(parsesInBoth);
  console.log(`compared on the ${certs.length} certificates (${precerts.length} precertificates) both builds parse`);
  const ours = (der: Uint8Array): unknown => parseCertificate(der);
  const rows = { 'A all': [] as number[], 'B all': [] as number[], 'A precerts': [] as number[], 'B precerts': [] as number[] };
  const other2 = (der: Uint8Array): unknown => other.parseCertificate(der);
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which build goes first, so neither always runs right after the other.
    const order: ['A' | 'B', (der: Uint8Array) => unknown][] = round % 2 === 0 ? [['A', other2], ['B', ours]] : [['B', ours], ['A', other2]];
    for (const [build, work] of order) rows[`${build} all`].push(cpuMicrosPerCert(certs, work, secondsPerRow / 4));
    for (const [build, work] of order) rows[`${build} precerts`].push(cpuMicrosPerCert(precerts, work, secondsPerRow / 8));
  }
  // Other processes only ever add time, so the minimum is the least disturbed round.
  const sorted = (values: number[]): number[] => [...values].sort((a, b) => a - b);
  const min = (values: number[]): number => sorted(values)[0]!;
  const median = (values: number[]): number => sorted(values)[values.length >> 1]!;
  console.log(`A = ${path}\nB = this build; CPU µs per certificate over ${ROUNDS} interleaved rounds\n`);
  console.log(`${''.padEnd(12)} ${'min'.padStart(7)} ${'median'.padStart(7)}`);
  for (const [name, values] of Object.entries(rows)) console.log(`${name.padEnd(12)} ${min(values).toFixed(2).padStart(7)} ${median(values).toFixed(2).padStart(7)}`);
  const ratio = (b: number[], a: number[]): string => `${(min(b) / min(a)).toFixed(3)} (min), ${(median(b) / median(a)).toFixed(3)} (median)`;
  console.log(`\nB/A: all ${ratio(rows['B all'], rows['A all'])}; precerts ${ratio(rows['B precerts'], rows['A precerts'])}`);
}

function opensslReads(der: Uint8Array): boolean {
  try {
    new X509Certificate(der);
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  if (sharedFixtures.missing) {
    console.log(`x509-parse benchmark skipped: ${sharedFixtures.missing}`);
    return;
  }
  // Only what OpenSSL reads too, so every row parses the same certificates.
  const parsable = parsableFixtureCerts().filter(({ der }) => opensslReads(der));
  const all = parsable.map(({ der }) => der);
  const precerts = parsable.filter(({ label }) => label.startsWith('navigli2025h2 tile')).map(({ der }) => der);
  const averageSize = Math.round(all.reduce((n, der) => n + der.length, 0) / all.length);
  console.log(`corpus: ${all.length} real certificates (avg ${averageSize} bytes), ${precerts.length} of them CT precertificates`);
  console.log(`node ${process.version}, ${secondsPerRow}s per row\n`);
  if (againstModule !== undefined) {
    await compareAgainst(againstModule, all, precerts);
    return;
  }

  const rows: Row[] = [];
  const add = (approach: string, corpus: string, certs: readonly Uint8Array[], work: (der: Uint8Array) => unknown, seconds = secondsPerRow): void => {
    rows.push({ approach, corpus, microsPerCert: measure(certs, work, seconds) });
  };

  add('custom walker (parseCertificate)', 'all', all, parseCertificate);
  add('custom walker (parseCertificate)', 'precerts', precerts, parseCertificate);
  add('  of which sha1 + sha256 + base64', 'all', all, hashesAndBase64);
  add('node:crypto X509Certificate + walker for extensions', 'all', all, viaNodeCrypto);
  add('node:crypto X509Certificate + walker for extensions', 'precerts', precerts, viaNodeCrypto);
  add('  node:crypto X509Certificate constructor alone', 'all', all, (der) => new X509Certificate(der));
  // pkijs is far slower; a slice of the corpus keeps the run short.
  add('pkijs Certificate.fromBER alone', 'all (every 10th)', all.filter((_, i) => i % 10 === 0), (der) => pkijs.Certificate.fromBER(der));
  add('pkijs Certificate.fromBER alone', 'precerts (every 10th)', precerts.filter((_, i) => i % 10 === 0), (der) => pkijs.Certificate.fromBER(der));

  // The issuer cache: a hit costs the SHA-256 of the DER plus a Map lookup.
  const cache = new CertCache(all.length);
  for (const der of all) cache.get(der);
  add('CertCache.get, hit', 'all', all, (der) => cache.get(der));

  const width = Math.max(...rows.map((r) => r.approach.length));
  console.log(`${'approach'.padEnd(width)}  ${'corpus'.padEnd(22)}  ${'µs/cert'.padStart(9)}  ${'certs/s'.padStart(10)}`);
  for (const row of rows) {
    const perSecond = Math.round(1e6 / row.microsPerCert).toLocaleString('en-US');
    console.log(`${row.approach.padEnd(width)}  ${row.corpus.padEnd(22)}  ${row.microsPerCert.toFixed(2).padStart(9)}  ${perSecond.padStart(10)}`);
  }
  const stats = cache.stats();
  console.log(`\ncache after the run: ${stats.hits} hits, ${stats.misses} misses, ${stats.size} entries`);
}

await main();
