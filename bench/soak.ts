/**
 * Soak: ours under steady load with churning clients for a long time (default 30 minutes at 1,000
 * entries/s), sampling the server's memory every 10 s, to see whether it levels off. Verdict:
 * "levels off" when the RSS grows by less than LEVEL_OFF_PERCENT over the last third of the run
 * (the event history, the largest cache, fills in its first few minutes: 200,000 events at 1,000/s).
 *
 *   npm run bench -- soak [--minutes 30] [--rate 1000] [--population 100] [--churn 5] [--steady 3]
 *     [--sample-seconds 10] [--out FILE (default bench/reports/soak-<time>.json)]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { ChurnClients, type ChurnStats } from './load/churn.js';
import { startServerProcess, startSimulatorProcess } from './load/processes.js';
import { parseBenchArgs } from './options.js';

/** The largest RSS growth over the last third that still counts as levelled off. */
const LEVEL_OFF_PERCENT = 5;
const MiB = 1024 * 1024;

const values = parseBenchArgs({
  name: 'soak',
  summary: 'ours for a long run with churning clients, sampling its memory to see whether it levels off',
  options: {
    minutes: { type: 'number', default: 30, description: 'length of the run' },
    rate: { type: 'number', default: 1000, description: 'simulated entries per second' },
    population: { type: 'number', default: 100, description: 'churning clients connected at a time' },
    churn: { type: 'number', default: 5, description: 'churning clients replaced per second' },
    steady: { type: 'number', default: 3, description: 'clients connected for the whole run' },
    'sample-seconds': { type: 'number', default: 10, min: 1, description: 'seconds between memory samples' },
    out: { type: 'string', valueName: 'file', description: 'report file (default bench/reports/soak-<time>.json)' },
  },
});
const minutes = values.minutes;
const sampleSeconds = values['sample-seconds'];

export interface SoakSample {
  seconds: number;
  rssMiB: number;
  heapUsedMiB: number;
  externalMiB: number;
  entries: number;
  clients: number;
}

export interface SoakReport {
  version: 1;
  kind: 'soak';
  date: string;
  options: { minutes: number; rate: number; population: number; churnPerSecond: number; steady: number };
  machine: { cpus: number; node: string; loadAverageBefore: number[]; loadAverageAfter: number[] };
  samples: SoakSample[];
  clients: ChurnStats;
  /** RSS growth over the last third of the run, % (mean of its last 3 samples over its first 3). */
  lastThirdGrowthPercent: number;
  levelsOff: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const loadAverageBefore = loadavg();
const sim = await startSimulatorProcess(['--rate', String(values.rate), '--seed', 'soak']);
const server = await startServerProcess('ours', sim.logListUrl, 4 * MiB);
const churn = new ChurnClients({ host: '127.0.0.1', port: server.port, population: values.population, perTick: values.churn, steady: values.steady });
const samples: SoakSample[] = [];
try {
  await churn.start();
  console.log(`soak: ${minutes} min at ${values.rate} entries/s, ${values.steady} steady + ${values.population} churning clients (${values.churn} replaced per second)`);
  console.log('minute  RSS MiB  heap MiB  external MiB  entries  clients');
  const startMs = Date.now();
  let nextSampleMs = startMs;
  while (Date.now() - startMs < minutes * 60_000) {
    if (Date.now() >= nextSampleMs) {
      const stats = await server.stats();
      const sample: SoakSample = {
        seconds: Math.round((Date.now() - startMs) / 1000),
        rssMiB: stats.rssBytes / MiB,
        heapUsedMiB: stats.heapUsedBytes / MiB,
        externalMiB: stats.externalBytes / MiB,
        entries: stats.entries,
        clients: churn.connected,
      };
      samples.push(sample);
      console.log(
        `${(sample.seconds / 60).toFixed(1).padStart(6)}  ${sample.rssMiB.toFixed(1).padStart(7)}  ${sample.heapUsedMiB.toFixed(1).padStart(8)}  ` +
          `${sample.externalMiB.toFixed(1).padStart(12)}  ${String(sample.entries).padStart(7)}  ${String(sample.clients).padStart(7)}`,
      );
      nextSampleMs += sampleSeconds * 1000;
    }
    await churn.tick();
    await sleep(1000);
  }
} finally {
  churn.stop();
  server.stop();
  sim.stop();
}

const lastThird = samples.filter((s) => s.seconds >= (minutes * 60 * 2) / 3);
const mean = (xs: SoakSample[]): number => xs.reduce((sum, s) => sum + s.rssMiB, 0) / Math.max(1, xs.length);
const growth = lastThird.length < 6 ? NaN : (mean(lastThird.slice(-3)) / mean(lastThird.slice(0, 3)) - 1) * 100;
const report: SoakReport = {
  version: 1,
  kind: 'soak',
  date: new Date().toISOString(),
  options: { minutes, rate: values.rate, population: values.population, churnPerSecond: values.churn, steady: values.steady },
  machine: { cpus: cpus().length, node: process.version, loadAverageBefore, loadAverageAfter: loadavg() },
  samples,
  clients: churn.stats,
  lastThirdGrowthPercent: growth,
  levelsOff: growth < LEVEL_OFF_PERCENT,
};
console.log('\nRSS per minute (MiB): ' + samples.filter((s) => s.seconds % 60 < sampleSeconds).map((s) => `${Math.round(s.seconds / 60)}: ${s.rssMiB.toFixed(0)}`).join(', '));
console.log(`clients: ${JSON.stringify(churn.stats)}`);
const verdict = Number.isNaN(growth) ? 'no verdict: too few samples' : report.levelsOff ? 'levels off' : 'DOES NOT level off';
console.log(`RSS over the last third: ${growth.toFixed(1)}% -> ${verdict} (threshold ${LEVEL_OFF_PERCENT}%)`);
const out = values.out ?? `bench/reports/soak-${report.date.replace(/[:.]/g, '-')}.json`;
await mkdir(dirname(out), { recursive: true });
await writeFile(out, JSON.stringify(report, null, 2) + '\n');
console.log(`report written to ${out}`);
