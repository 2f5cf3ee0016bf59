/**
 * The whole path under load, ours against a baseline and certstream-server-go, side by side: the
 * simulator at a chosen entry rate, the server under test following it (child process), N clients
 * in worker threads with a mix of filters. Prints a table (each server, ours' ratios) and writes a
 * JSON report.
 *
 *   npm run bench -- load [--scenario quick|idle-10k|1k-at-2k|1k-domains-at-1k|distinct-10k|ramp|peer-…] [--rate N] [--clients N]
 *     [--channel lite|full|domains-only] [--mix none=0.5,shared=0.2,distinct=0.2,regex=0.1,idle=0]
 *     [--duration S] [--warmup S] [--workers N] [--servers ours,baseline,go] [--max-backpressure BYTES]
 *     [--client ws|lean|sse (lean: raw-socket clients that scan instead of parsing; sse: Server-Sent Events, ours only; default per scenario, else ws)]
 *     [--sth-interval MS (the simulated logs' tree-head interval, default 1000)] [--poll-interval MS] [--fast-poll-interval MS] (ours' head polls: idle, while growing)
 *     [--out FILE (default bench/reports/…)] [--compare OLD.json]
 *
 * `go` is certstream-server-go, built from ../shared/peers/certstream-server-go (skipped with a line
 * when that is absent). It ignores tiled logs, so with it every server runs against RFC 6962 logs only.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { ClientTransport } from './load/client-worker.js';
import { peerDir } from './load/peer.js';
import { SERVER_KINDS, type ServerKind } from './load/processes.js';
import { ramp } from './load/ramp.js';
import { compareTable, rampTable, resultTable, type LoadReport } from './load/report.js';
import { runOne } from './load/run.js';
import { clientSpecs, parseMix, SCENARIOS, type ChannelName, type Scenario } from './load/scenarios.js';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', default: 'quick' },
    rate: { type: 'string' },
    clients: { type: 'string' },
    channel: { type: 'string' },
    mix: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    workers: { type: 'string' },
    servers: { type: 'string' },
    'sth-interval': { type: 'string', default: '1000' },
    'poll-interval': { type: 'string' },
    'fast-poll-interval': { type: 'string' },
    client: { type: 'string' },
    'max-backpressure': { type: 'string', default: String(4 * 1024 * 1024) },
    /** Default: bench/reports/load-<scenario>-<time>.json (git-ignored). */
    out: { type: 'string' },
    compare: { type: 'string' },
    /** Abusive clients beside the measured ones (bench/load/abusers.ts). */
    abuse: { type: 'boolean', default: false },
  },
});

function fail(message: string): never {
  console.error(`bench load: ${message}`);
  process.exit(2);
}

const base = SCENARIOS[values.scenario] ?? fail(`unknown scenario "${values.scenario}" (${Object.keys(SCENARIOS).join(', ')})`);
const number = (text: string | undefined, fallback: number): number => {
  if (text === undefined) return fallback;
  const n = Number(text);
  return Number.isFinite(n) && n >= 0 ? n : fail(`not a number: ${text}`);
};
const scenario: Scenario = {
  rate: number(values.rate, base.rate),
  clients: number(values.clients, base.clients),
  channel: (values.channel as ChannelName | undefined) ?? base.channel,
  mix: values.mix === undefined ? base.mix : parseMix(values.mix),
  warmupSeconds: number(values.warmup, base.warmupSeconds),
  durationSeconds: number(values.duration, base.durationSeconds),
  workers: Math.max(1, number(values.workers, base.workers)),
  client: (values.client ?? base.client ?? 'ws') as ClientTransport,
  ...(base.ramp ? { ramp: true } : {}),
  ...(values.abuse ? { abuse: true } : {}),
};
if (!['ws', 'lean', 'sse'].includes(scenario.client ?? 'ws')) fail('--client takes ws, lean or sse (SSE streams: ours only)');
if (!['lite', 'full', 'domains-only'].includes(scenario.channel)) fail(`unknown channel "${scenario.channel}"`);
let servers = (values.servers ?? base.servers ?? 'ours,baseline').split(',').map((s) => s.trim()) as ServerKind[];
if (servers.some((s) => !SERVER_KINDS.includes(s))) fail(`--servers takes ${SERVER_KINDS.join(', ')}`);
if (servers.includes('go') && !peerDir) {
  console.log('certstream-server-go skipped: ../shared/peers/certstream-server-go is not there');
  servers = servers.filter((s) => s !== 'go');
}
if (servers.includes('go') && Object.entries(scenario.mix).some(([kind, share]) => kind !== 'none' && share > 0)) {
  fail('certstream-server-go has no filters: use an unfiltered scenario (--mix none=1)');
}
// certstream-server-go ignores tiled logs: with it, every server gets the same RFC 6962-only logs.
const simulatorArgs = ['--sth-interval', String(number(values['sth-interval'], 1000)), ...(servers.includes('go') ? ['--tiled-logs', '0'] : [])];
const serverArgs = (['poll-interval', 'fast-poll-interval'] as const).flatMap((flag) => (values[flag] === undefined ? [] : [`--${flag}`, values[flag]]));

const old = values.compare === undefined ? undefined : (JSON.parse(await readFile(values.compare, 'utf8')) as LoadReport);

// The progress line is rewritten in place on a terminal, one line per update otherwise.
const progress = (line: string): void => {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${line}`);
  else console.error(line);
};

const report: LoadReport = {
  version: 1,
  date: new Date().toISOString(),
  scenarioName: values.scenario,
  scenario,
  simulatorArgs,
  machine: { cpus: cpus().length, node: process.version, loadAverageBefore: loadavg() },
  results: {},
};
console.log(
  `scenario ${values.scenario}: ${scenario.rate} entries/s, ${scenario.clients} ${scenario.channel} clients ` +
    `(${Object.entries(scenario.mix).map(([k, v]) => `${k} ${v}`).join(', ')}) in ${scenario.workers} workers ` +
    `(${scenario.client} clients), ${scenario.warmupSeconds} s warm-up + ${scenario.durationSeconds} s measured per server; ` +
    `servers ${servers.join(', ')}; simulate ${simulatorArgs.join(' ')}`,
);
const clients = clientSpecs(scenario);
const maxBackpressure = Number(values['max-backpressure']);
for (const kind of servers) {
  if (scenario.ramp) {
    const result = await ramp(kind, scenario, clients, maxBackpressure, progress);
    (report.ramp ??= {})[kind] = result;
    const lastPassed = result.steps.filter((s) => s.passed).at(-1);
    if (lastPassed) report.results[kind] = lastPassed.figures;
  } else {
    report.results[kind] = await runOne({ kind, scenario, clients, maxBackpressure, simulatorArgs, serverArgs, progress });
  }
}
if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
// Others may share the machine: the 1/5/15-minute load averages say how busy it was.
report.machine.loadAverageAfter = loadavg();
const loads = (l: number[] | undefined): string => (l ?? []).map((x) => x.toFixed(2)).join(' ');
console.log(`load average before ${loads(report.machine.loadAverageBefore)}, after ${loads(report.machine.loadAverageAfter)}`);

if (report.ramp) console.log(rampTable(report.ramp) + '\n\nat the highest passing rate:');
console.log(resultTable(report));
for (const [kind, figures] of Object.entries(report.results)) {
  if (figures.abuse) console.log(`abusive clients against ${kind}: ${JSON.stringify(figures.abuse)}`);
}
const out = values.out ?? `bench/reports/load-${values.scenario}-${report.date.replace(/[:.]/g, '-')}.json`;
await mkdir(dirname(out), { recursive: true });
await writeFile(out, JSON.stringify(report, null, 2) + '\n');
console.log(`report written to ${out}`);
if (old) {
  console.log(`\nchange since ${values.compare} (${old.date}, scenario ${old.scenarioName}):`);
  console.log(compareTable(old, report));
}
