/**
 * Footprint: what a new user's server costs in memory, side by side in one run on one simulator.
 * `certstream-ts serve` with its defaults (as `npm start` runs it), the same with `--history-memory 0`
 * (no resume), and certstream-server-go (built from ../shared; skipped with a line when absent), each
 * with the same number of lite clients, for many minutes. Samples every server's RSS from /proc and
 * counts what its clients receive (messages, bytes: the average lite message size).
 *
 *   npm run bench -- footprint [--minutes 30] [--rate 500] [--clients 100] [--servers ours,ours-no-history,go]
 *     [--sample-seconds 10] [--out FILE (default bench/reports/footprint-<time>.json)]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CLI } from '../test/support/process.js';
import { freePort } from '../test/support/free-port.js';
import type { FootprintCounts, FootprintWorkerInput } from './footprint-worker.js';
import { peerDir, startPeerProcess } from './load/peer.js';
import { startSimulatorProcess } from './load/processes.js';
import { benchUsageError, parseBenchArgs } from './options.js';

const SERVERS = ['ours', 'ours-no-history', 'go'] as const;
type ServerName = (typeof SERVERS)[number];
const MiB = 1024 * 1024;

const values = parseBenchArgs({
  name: 'footprint',
  summary: 'RSS of `serve` with its defaults, without history, and of certstream-server-go, side by side',
  options: {
    minutes: { type: 'number', default: 30, description: 'how long every server runs' },
    rate: { type: 'number', default: 500, description: 'simulated entries per second' },
    clients: { type: 'number', default: 100, description: 'lite clients per server' },
    servers: { type: 'string', default: SERVERS.join(','), valueName: 'list', description: `servers to run, comma-separated (${SERVERS.join(', ')})` },
    'sample-seconds': { type: 'number', default: 10, min: 1, description: 'seconds between RSS samples' },
    out: { type: 'string', valueName: 'file', description: 'report file (default bench/reports/footprint-<time>.json)' },
  },
});
const minutes = values.minutes;
const clients = values.clients;
const sampleSeconds = values['sample-seconds'];
const wanted = values.servers.split(',').map((s) => s.trim()) as ServerName[];
for (const name of wanted) {
  if (!SERVERS.includes(name)) benchUsageError('footprint', `unknown server ${name}; choose from ${SERVERS.join(', ')}`);
}

/** Resident set size of a process now, from /proc (any process: ours or the Go peer). */
function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

interface RunningServer {
  name: ServerName;
  pid: number;
  port: number;
  stop(): void;
}

/** The node flags of `npm start` (package.json's start script), so the server runs as a user starts it. */
function startScriptNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
  return pkg.scripts.start.split(/\s+/).filter((word) => word.startsWith('--'));
}

/** `certstream-ts serve` exactly as `npm start` runs it, plus the flags given; resolves once it answers /healthz. */
async function startServe(name: ServerName, logListUrl: string, extra: string[]): Promise<RunningServer> {
  const port = await freePort();
  const stateDir = await mkdtemp(join(tmpdir(), 'certstream-footprint-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [...startScriptNodeFlags(), CLI, 'serve', '--log-list', logListUrl, '--host', '127.0.0.1', '--port', String(port), '--state-dir', stateDir, '--log-level', 'warn', ...extra],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  for (let attempt = 0; ; attempt++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch (err) {
      if (child.exitCode !== null || attempt > 300) throw new Error(`${name} did not start: ${String(err)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { name, pid: child.pid!, port, stop: () => void child.kill('SIGTERM') };
}

class ClientGroup {
  private readonly worker: Worker;
  private pending: ((counts: FootprintCounts) => void) | undefined;

  constructor(port: number) {
    const input: FootprintWorkerInput = { port, path: '/', clients };
    this.worker = new Worker(new URL('./footprint-worker.js', import.meta.url), { workerData: input });
    this.worker.on('message', (counts: FootprintCounts) => this.pending?.(counts));
    this.worker.on('error', (err) => console.error('client worker failed:', err));
  }

  counts(): Promise<FootprintCounts> {
    return new Promise((resolve) => {
      this.pending = resolve;
      this.worker.postMessage('report');
    });
  }

  stop(): Promise<number> {
    return this.worker.terminate();
  }
}

interface Sample {
  seconds: number;
  rssMiB: Record<string, number>;
  /** Ours only: what /healthz says of the process (V8 heap in use, off-heap buffers) and of its history. */
  detail: Record<string, { heapUsedMiB: number; arrayBuffersMiB: number; historyEvents: number; historyMiB: number }>;
}

/** Heap, buffers and history of one of our servers, from its /healthz. */
async function healthDetail(port: number): Promise<Sample['detail'][string] | undefined> {
  try {
    const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as {
      memory: { heapUsed: number; arrayBuffers: number };
      history: { events: number; bytes: number };
    };
    return { heapUsedMiB: health.memory.heapUsed / MiB, arrayBuffersMiB: health.memory.arrayBuffers / MiB, historyEvents: health.history.events, historyMiB: health.history.bytes / MiB };
  } catch {
    return undefined;
  }
}

const loadAverageBefore = loadavg();
const sim = await startSimulatorProcess(['--rate', String(values.rate), '--tiled-logs', '0', '--seed', 'footprint']);
const servers: RunningServer[] = [];
const groups = new Map<string, ClientGroup>();
const samples: Sample[] = [];
try {
  for (const name of wanted) {
    if (name === 'go') {
      if (!peerDir) {
        console.log('go: skipped (no ../shared/peers/certstream-server-go beside the project)');
        continue;
      }
      const peer = await startPeerProcess(sim.logListUrl, (line) => console.log(line));
      servers.push({ name, pid: peer.pid, port: peer.port, stop: peer.stop });
    } else {
      servers.push(await startServe(name, sim.logListUrl, name === 'ours-no-history' ? ['--history-memory', '0'] : []));
    }
  }
  for (const server of servers) groups.set(server.name, new ClientGroup(server.port));
  const names = servers.map((s) => s.name);
  console.log(`footprint: ${minutes} min, simulator at ${values.rate} entries/s (RFC 6962 logs), ${clients} lite clients per server; load ${loadAverageBefore.map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`minute  ${names.map((n) => `${n} RSS MiB`.padStart(24)).join('')}`);
  const startMs = Date.now();
  while (Date.now() - startMs < minutes * 60_000) {
    const sample: Sample = { seconds: Math.round((Date.now() - startMs) / 1000), rssMiB: {}, detail: {} };
    for (const server of servers) {
      sample.rssMiB[server.name] = rssBytes(server.pid) / MiB;
      const detail = server.name === 'go' ? undefined : await healthDetail(server.port);
      if (detail) sample.detail[server.name] = detail;
    }
    samples.push(sample);
    const details = Object.entries(sample.detail).map(
      ([n, d]) => `${n}: heap ${d.heapUsedMiB.toFixed(0)}, buffers ${d.arrayBuffersMiB.toFixed(0)}, history ${d.historyEvents} events ${d.historyMiB.toFixed(0)} MiB`,
    );
    console.log(`${(sample.seconds / 60).toFixed(1).padStart(6)}  ${names.map((n) => sample.rssMiB[n]!.toFixed(1).padStart(24)).join('')}   ${details.join('; ')}`);
    await new Promise((r) => setTimeout(r, sampleSeconds * 1000));
  }
  const results: Record<string, { rssLastThirdMiB: number; rssMaxMiB: number; lastThirdGrowthPercent: number; counts: FootprintCounts; avgLiteBytes: number }> = {};
  for (const server of servers) {
    const counts = await groups.get(server.name)!.counts();
    const series = samples.map((s) => s.rssMiB[server.name]!);
    const lastThird = series.slice(Math.floor((series.length * 2) / 3));
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    results[server.name] = {
      rssLastThirdMiB: mean(lastThird),
      rssMaxMiB: Math.max(...series),
      lastThirdGrowthPercent: lastThird.length >= 6 ? (mean(lastThird.slice(-3)) / mean(lastThird.slice(0, 3)) - 1) * 100 : NaN,
      counts,
      avgLiteBytes: counts.certificates === 0 ? 0 : counts.certificateBytes / counts.certificates,
    };
  }
  const loadAverageAfter = loadavg();
  console.log(`\nserver              RSS last third  RSS max  growth last third  certs/client  avg lite bytes  closed`);
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `${name.padEnd(18)}  ${r.rssLastThirdMiB.toFixed(1).padStart(14)}  ${r.rssMaxMiB.toFixed(1).padStart(7)}  ${r.lastThirdGrowthPercent.toFixed(1).padStart(16)}%` +
        `  ${(r.counts.certificates / clients).toFixed(0).padStart(12)}  ${r.avgLiteBytes.toFixed(0).padStart(14)}  ${String(r.counts.closed).padStart(6)}`,
    );
  }
  console.log(`load average before ${loadAverageBefore.map((l) => l.toFixed(2)).join(' ')}, after ${loadAverageAfter.map((l) => l.toFixed(2)).join(' ')}`);
  const report = {
    version: 1,
    kind: 'footprint',
    date: new Date().toISOString(),
    options: { minutes, rate: values.rate, clients, servers: names },
    machine: { cpus: cpus().length, node: process.version, loadAverageBefore, loadAverageAfter },
    samples,
    results,
  };
  const out = values.out ?? `bench/reports/footprint-${report.date.replace(/[:.]/g, '-')}.json`;
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, JSON.stringify(report, null, 2) + '\n');
  console.log(`report written to ${out}`);
} finally {
  await Promise.all([...groups.values()].map((g) => g.stop()));
  for (const server of servers) server.stop();
  sim.stop();
}
