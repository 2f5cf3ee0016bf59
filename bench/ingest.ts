/**
 * Ingest throughput: the real Ingest (HTTP fetch, JSON/tile decode, certificate parse, event build,
 * serialization for the three channels) catching up on simulated logs served by a separate
 * `certstream-ts simulate` process over loopback. Reports entries/s of wall time and per CPU-second
 * of this process (Node runs the pipeline on one core, so the latter is the one-core figure).
 *
 *   npm run build && node dist/bench/ingest.js [--entries N] [--rfc6962-logs N] [--tiled-logs N]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLogList } from '../src/ct/log-list.js';
import { Ingest } from '../src/ingest/ingest.js';
import { serializeDomains, serializeFull, serializeLite } from '../src/protocol/wire.js';
import { startSimulatorProcess } from './load/processes.js';
import { parseBenchArgs } from './options.js';

const values = parseBenchArgs({
  name: 'ingest',
  summary: 'the real ingest catching up on simulated logs over loopback (entries/s, CPU per entry)',
  options: {
    entries: { type: 'number', default: 20_000, min: 1, description: 'entries in every simulated log' },
    'rfc6962-logs': { type: 'number', default: 3, description: 'simulated RFC 6962 logs' },
    'tiled-logs': { type: 'number', default: 2, description: 'simulated static-ct-api logs' },
    serialize: { type: 'boolean', description: 'also serialize every event for the three channels, as the server does' },
  },
});
const perLog = values.entries;

const generationStart = Date.now();
const sim = await startSimulatorProcess([
  '--rate', '0', '--seed', 'bench', '--initial-entries', String(perLog),
  '--rfc6962-logs', String(values['rfc6962-logs']), '--tiled-logs', String(values['tiled-logs']),
]);
const generationSeconds = (Date.now() - generationStart) / 1000;
const stateDir = await mkdtemp(join(tmpdir(), 'certstream-bench-'));
try {
  // Cursors at 0 make the ingest catch up on everything the logs hold.
  const logs = await loadLogList(sim.logListUrl);
  const cursors = Object.fromEntries(logs.map((l) => [l.id, { next: 0 }]));
  await writeFile(join(stateDir, 'cursors.json'), JSON.stringify({ version: 1, logs: cursors }));

  const total = perLog * logs.length;
  let seen = 0;
  let bytes = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const ingest = new Ingest({
    logList: sim.logListUrl,
    stateDir,
    follower: { maxCatchUp: Number.MAX_SAFE_INTEGER, parallelism: 4, pollIntervalMs: 200 },
  });
  ingest.onEvent((event) => {
    if (values.serialize) bytes += serializeFull(event).length + serializeLite(event).length + serializeDomains(event).length;
    if (++seen === total) done();
  });
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  await ingest.start();
  await finished;
  const wallSeconds = (performance.now() - wallBefore) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const status = ingest.status();
  await ingest.stop();

  const report = {
    machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
    logs: logs.length,
    entries: total,
    serialized: values.serialize,
    simulatorStartSeconds: Number(generationSeconds.toFixed(1)),
    wallSeconds: Number(wallSeconds.toFixed(2)),
    cpuSeconds: Number(cpuSeconds.toFixed(2)),
    entriesPerWallSecond: Math.round(total / wallSeconds),
    entriesPerCpuSecond: Math.round(total / cpuSeconds),
    microsecondsCpuPerEntry: Number(((cpuSeconds / total) * 1e6).toFixed(1)),
    serializedMBytes: Number((bytes / 1e6).toFixed(1)),
    errors: status.map((s) => ({ log: s.name, errors: s.errors, bad: s.badEntries, parse: s.parseErrors })),
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  sim.stop();
  await rm(stateDir, { recursive: true, force: true });
}
