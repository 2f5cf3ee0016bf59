/**
 * One load test run against one server: simulator, server under test, client workers; a warm-up,
 * then a measurement window whose figures are returned.
 */
import { Worker } from 'node:worker_threads';
import type { ClientSpec, ClientTotals, WorkerCommand, WorkerEvent, WorkerInput } from './client-worker.js';
import { Abusers, type AbuseStats } from './abusers.js';
import { endToEndLatency } from './end-to-end.js';
import { emptyHistogram, merge, percentile } from './histogram.js';
import { startServerProcess, startSimulatorProcess, type ServerKind } from './processes.js';
import type { Scenario } from './scenarios.js';

export interface RunFigures {
  entriesPerSecond: number;
  messagesPerSecond: number;
  megabytesPerSecond: number;
  latencyP50Ms: number | null;
  /** Latency seen by one extra unfiltered client in a worker of its own (no queueing behind other sockets). */
  probeLatencyP50Ms: number | null;
  probeLatencyP99Ms: number | null;
  latencyP90Ms: number | null;
  latencyP99Ms: number | null;
  latencyMaxMs: number | null;
  /**
   * The probe client's end-to-end latency: from the entry's own timestamp (set by the log when it
   * appended the entry) to receipt. It includes the wait for the log's next tree head.
   */
  endToEndP50Ms: number | null;
  endToEndP90Ms: number | null;
  endToEndP99Ms: number | null;
  endToEndMaxMs: number | null;
  /** Server CPU time over the window / wall time, % of one core. */
  serverCpuPercent: number;
  /** Server CPU time per message delivered (to the clients and the probe), µs. */
  serverCpuMicrosPerMessage: number | null;
  serverPeakRssMiB: number;
  /** CPU of the bench process (the client workers, almost all of it), % of one core. */
  clientCpuPercent: number;
  /** The simulator process's CPU over the window, % of one core (null without /proc). */
  simulatorCpuPercent: number | null;
  clientsConnected: number;
  connectFailures: number;
  backpressureCloses: number;
  otherCloses: number;
  lostMessages: number;
  /** Messages the server itself says it dropped for clients that could not keep up (certstream-server-go's skipped_certs). */
  serverReportedDrops: number | null;
  outOfOrder: number;
  /** Filtered clients: matching certificates (per an unfiltered client, matched in JS) they missed, of those checked. */
  missedMatches: number;
  checkedMatches: number;
  /** With --abuse: what the abusive clients did and how the server closed them. */
  abuse?: AbuseStats;
}

const WORKER_FILE = new URL('./client-worker.js', import.meta.url);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

class ClientWorker {
  readonly worker: Worker;
  messages = 0;
  private readonly waiting = new Map<WorkerEvent['type'], (event: WorkerEvent) => void>();

  constructor(input: WorkerInput) {
    this.worker = new Worker(WORKER_FILE, { workerData: input });
    this.worker.on('message', (event: WorkerEvent) => {
      if (event.type === 'progress') this.messages = event.messages;
      this.waiting.get(event.type)?.(event);
      this.waiting.delete(event.type);
    });
    this.worker.on('error', (err) => console.error('client worker failed:', err));
  }

  next<T extends WorkerEvent['type']>(type: T): Promise<Extract<WorkerEvent, { type: T }>> {
    return new Promise((resolve) => this.waiting.set(type, resolve as (event: WorkerEvent) => void));
  }

  send(command: WorkerCommand): void {
    this.worker.postMessage(command);
  }
}

export interface RunOptions {
  kind: ServerKind;
  scenario: Scenario;
  clients: ClientSpec[];
  maxBackpressure: number;
  /** More `simulate` flags (tree-head interval, RFC 6962 logs only). */
  simulatorArgs?: readonly string[];
  /** More flags for ours and the baseline (e.g. --poll-interval). */
  serverArgs?: readonly string[];
  /** Called about every second with a one-line status. */
  progress: (line: string) => void;
}

export async function runOne({ kind, scenario, clients, maxBackpressure, simulatorArgs = [], serverArgs = [], progress }: RunOptions): Promise<RunFigures> {
  // The same seed gives every server the same entries.
  const sim = await startSimulatorProcess(['--rate', String(scenario.rate), '--seed', 'load-bench', ...simulatorArgs]);
  const stops: (() => void)[] = [sim.stop];
  try {
    const server = await startServerProcess(kind, sim.logListUrl, maxBackpressure, progress, serverArgs);
    stops.unshift(server.stop);
    const seqless = kind === 'go';
    const workers: ClientWorker[] = [];
    for (let w = 0; w < scenario.workers; w++) {
      const share = clients.filter((_, i) => i % scenario.workers === w);
      workers.push(new ClientWorker({ base: `ws://127.0.0.1:${server.port}`, transport: scenario.client ?? 'ws', clients: share, seqless }));
    }
    // The probe measures delivery latency without waiting behind the parsing of other clients' messages,
    // and end-to-end latency from the certificates' logs and indexes.
    const probe = new ClientWorker({
      base: `ws://127.0.0.1:${server.port}`,
      transport: scenario.client ?? 'ws',
      clients: [{ path: '/', contiguous: true, receipts: true }],
      seqless,
    });
    const everyWorker = [...workers, probe];
    stops.unshift(() => everyWorker.forEach((w) => void w.worker.terminate()));
    progress(`${kind}: connecting ${clients.length} clients`);
    const [probeConnected, ...connected] = await Promise.all([probe, ...workers].map((w) => w.next('connected')));
    if (probeConnected?.open !== 1) throw new Error('the latency probe client could not connect');
    const open = connected.reduce((n, c) => n + c.open, 0);
    const abusers = scenario.abuse ? new Abusers('127.0.0.1', server.port) : null;
    if (abusers) {
      await abusers.start();
      stops.unshift(() => abusers.stop());
    }
    const failed = connected.reduce((n, c) => n + c.failed, 0);

    for (let s = scenario.warmupSeconds; s > 0; s--) {
      progress(`${kind}: ${open} clients connected, warming up ${s} s`);
      await sleep(1000);
    }
    everyWorker.forEach((w) => w.send({ type: 'measure', on: true }));
    const startDrops = await server.drops?.();
    const startStats = await server.stats();
    const startCpu = process.cpuUsage();
    const startSimCpu = sim.cpuSeconds();
    const startMs = Date.now();
    for (let s = 1; s <= scenario.durationSeconds; s++) {
      await sleep(1000);
      const messages = workers.reduce((n, w) => n + w.messages, 0);
      progress(`${kind}: ${s}/${scenario.durationSeconds} s, ${Math.round(messages / s).toLocaleString('en-US')} messages/s`);
    }
    everyWorker.forEach((w) => w.send({ type: 'measure', on: false }));
    const endStats = await server.stats();
    const endDrops = await server.drops?.();
    const clientCpu = process.cpuUsage(startCpu);
    const endSimCpu = sim.cpuSeconds();
    const seconds = (Date.now() - startMs) / 1000;
    const [probeReport, ...reports] = await Promise.all(
      [probe, ...workers].map((w) => {
        const r = w.next('report');
        w.send({ type: 'report' });
        return r;
      }),
    );

    const totals: ClientTotals = { messages: 0, bytes: 0, lost: 0, outOfOrder: 0, missedMatches: 0, checkedMatches: 0, backpressureCloses: 0, otherCloses: 0, latency: emptyHistogram(), receipts: [] };
    for (const { totals: t } of reports) {
      totals.messages += t.messages;
      totals.bytes += t.bytes;
      totals.lost += t.lost;
      totals.outOfOrder += t.outOfOrder;
      totals.missedMatches += t.missedMatches;
      totals.checkedMatches += t.checkedMatches;
      totals.backpressureCloses += t.backpressureCloses;
      totals.otherCloses += t.otherCloses;
      merge(totals.latency, t.latency);
    }
    const serverCpuMicros = endStats.cpuUserMicros + endStats.cpuSystemMicros - startStats.cpuUserMicros - startStats.cpuSystemMicros;
    const endToEnd = probeReport ? await endToEndLatency(sim.url, probeReport.totals.receipts) : emptyHistogram();
    const delivered = totals.messages + (probeReport?.totals.messages ?? 0);
    return {
      entriesPerSecond: (endStats.entries - startStats.entries) / seconds,
      messagesPerSecond: totals.messages / seconds,
      megabytesPerSecond: totals.bytes / seconds / 1e6,
      latencyP50Ms: percentile(totals.latency, 50),
      probeLatencyP50Ms: probeReport ? percentile(probeReport.totals.latency, 50) : null,
      probeLatencyP99Ms: probeReport ? percentile(probeReport.totals.latency, 99) : null,
      latencyP90Ms: percentile(totals.latency, 90),
      latencyP99Ms: percentile(totals.latency, 99),
      latencyMaxMs: totals.latency.count === 0 ? null : totals.latency.maxMs,
      endToEndP50Ms: percentile(endToEnd, 50),
      endToEndP90Ms: percentile(endToEnd, 90),
      endToEndP99Ms: percentile(endToEnd, 99),
      endToEndMaxMs: endToEnd.count === 0 ? null : endToEnd.maxMs,
      serverCpuPercent: serverCpuMicros / 1e4 / seconds,
      serverCpuMicrosPerMessage: delivered === 0 ? null : serverCpuMicros / delivered,
      serverPeakRssMiB: endStats.maxRssKiB / 1024,
      clientCpuPercent: (clientCpu.user + clientCpu.system) / 1e4 / seconds,
      simulatorCpuPercent: startSimCpu === null || endSimCpu === null ? null : ((endSimCpu - startSimCpu) * 100) / seconds,
      clientsConnected: open,
      connectFailures: failed,
      backpressureCloses: totals.backpressureCloses,
      otherCloses: totals.otherCloses,
      lostMessages: totals.lost,
      serverReportedDrops: startDrops === undefined || endDrops === undefined ? null : endDrops - startDrops,
      outOfOrder: totals.outOfOrder,
      missedMatches: totals.missedMatches,
      checkedMatches: totals.checkedMatches,
      ...(abusers ? { abuse: abusers.stats } : {}),
    };
  } finally {
    for (const stop of stops) stop();
    await sleep(500); // let the children exit before the next run takes the CPU
  }
}
