/**
 * The whole path under load, ours against a baseline and certstream-server-go, side by side: the
 * simulator at a chosen entry rate, the server under test following it (child process), N clients
 * in worker threads with a mix of filters. Prints a table (each server, ours' ratios) and writes a
 * JSON report.
 *
 *   npm run bench -- load [options]     (--help lists them, with their defaults)
 *
 * `go` is certstream-server-go, built from ../shared/peers/certstream-server-go (skipped with a line
 * when that is absent). It ignores tiled logs, so with it every server runs against RFC 6962 logs only.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { cpus, loadavg } from 'node:os';
import type { ClientTransport } from './load/client-worker.js';
import { peerDir } from './load/peer.js';
import { SERVER_KINDS, type ServerKind } from './load/processes.js';
import { ramp } from './load/ramp.js';
import { compareTable, rampTable, resultTable, type LoadReport } from './load/report.js';
import { runOne } from './load/run.js';
import { benchUsageError, parseBenchArgs } from './options.js';
import { clientSpecs, parseMix, SCENARIOS, type ChannelName, type Scenario } from './load/scenarios.js';

const values = parseBenchArgs({
  name: 'load',
  summary: 'the whole path under load: simulator, the server under test (child process) and N clients in worker threads; ours vs a `ws` baseline and certstream-server-go',
  options: {
    scenario: { type: 'string', default: 'quick', choices: Object.keys(SCENARIOS), description: 'preset of the options below' },
    rate: { type: 'number', description: "simulated entries per second (default: the scenario's)" },
    clients: { type: 'number', description: "clients (default: the scenario's)" },
    channel: { type: 'string', choices: ['lite', 'full', 'domains-only'], description: "the clients' channel (default: the scenario's)" },
    mix: { type: 'string', valueName: 'kind=share,...', description: 'filter mix, e.g. none=0.5,shared=0.2,distinct=0.2,regex=0.1,idle=0' },
    duration: { type: 'number', valueName: 'seconds', description: 'measured seconds per server' },
    warmup: { type: 'number', valueName: 'seconds', description: 'warm-up seconds per server' },
    workers: { type: 'number', min: 1, description: 'worker threads running the clients' },
    servers: { type: 'string', valueName: 'list', description: `servers to run, comma-separated (${SERVER_KINDS.join(', ')})` },
    'sth-interval': { type: 'number', default: 1000, valueName: 'ms', description: "the simulated logs' tree-head interval" },
    'poll-interval': { type: 'number', valueName: 'ms', description: "ours' head poll interval of an idle log (default: serve's)" },
    'fast-poll-interval': { type: 'number', valueName: 'ms', description: "ours' head poll interval while a log grows (default: serve's)" },
    client: { type: 'string', choices: ['ws', 'lean', 'sse'], description: 'client kind: lean = raw sockets that scan instead of parsing; sse = Server-Sent Events, ours only' },
    'max-backpressure': { type: 'number', default: 4 * 1024 * 1024, valueName: 'bytes', description: 'unsent bytes per client before a server evicts it' },
    out: { type: 'string', valueName: 'file', description: 'report file (default bench/reports/load-<scenario>-<time>.json)' },
    compare: { type: 'string', valueName: 'old.json', description: 'print the change since an earlier report' },
    abuse: { type: 'boolean', description: 'abusive clients beside the measured ones (bench/load/abusers.ts)' },
  },
});
const fail = (message: string): never => benchUsageError('load', message);

const base = SCENARIOS[values.scenario]!;
const scenario: Scenario = {
  rate: values.rate ?? base.rate,
  clients: values.clients ?? base.clients,
  channel: (values.channel as ChannelName | undefined) ?? base.channel,
  mix: values.mix === undefined ? base.mix : parseMix(values.mix),
  warmupSeconds: values.warmup ?? base.warmupSeconds,
  durationSeconds: values.duration ?? base.durationSeconds,
  workers: Math.max(1, values.workers ?? base.workers),
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
const simulatorArgs = ['--sth-interval', String(values['sth-interval']), ...(servers.includes('go') ? ['--tiled-logs', '0'] : [])];
const serverArgs = (['poll-interval', 'fast-poll-interval'] as const).flatMap((flag) => (values[flag] === undefined ? [] : [`--${flag}`, String(values[flag])]));

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
const maxBackpressure = values['max-backpressure'];
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
