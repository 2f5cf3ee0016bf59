/**
 * The cluster's costs on a real nats-server (Debian's, as in the tests): what one ingester can
 * publish, what one edge can take in (decode, history, routing; no clients), and what the NATS
 * server spends per edge it feeds. These are the figures behind the scaling notes in the README.
 *
 *   npm run build && node dist/bench/cluster.js [--entries N] [--edges N]
 */
import { cpus } from 'node:os';
import { EdgeFeed } from '../src/cluster/edge-feed.js';
import { encodeEnvelope } from '../src/cluster/envelope.js';
import { connectCluster, DEFAULT_CLUSTER_OPTIONS, type ClusterConnection } from '../src/cluster/nats.js';
import { StreamPublisher } from '../src/cluster/publisher.js';
import type { LogDescriptor } from '../src/ct/log-list.js';
import type { CertEvent } from '../src/ingest/event.js';
import { Ingest } from '../src/ingest/ingest.js';
import { StreamServer } from '../src/server/server.js';
import { startSimulator } from '../src/sim/simulator.js';
import { silentLogger } from '../src/util/logger.js';
import { startNatsServer } from '../test/support/nats-server.js';
import { procCpuSeconds } from './load/processes.js';
import { parseBenchArgs } from './options.js';

const values = parseBenchArgs({
  name: 'cluster',
  summary: 'publish, edge intake and NATS cost per entry on a real nats-server (needs nats-server on PATH)',
  options: {
    entries: { type: 'number', default: 20_000, min: 4, description: 'events read from the simulator and published' },
    edges: { type: 'number', default: 4, min: 1, description: 'edges reading the stream at once' },
  },
});
const total = values.entries;
const edgeCount = values.edges;
const LOGS = 4;

/** Real events: the simulator's logs read by the real ingest from index 0. */
async function makeEvents(): Promise<{ event: CertEvent; log: LogDescriptor }[]> {
  const sim = await startSimulator({ rfc6962Logs: LOGS / 2, tiledLogs: LOGS / 2, initialEntries: Math.ceil(total / LOGS), seed: 'cluster-bench' });
  const events: { event: CertEvent; log: LogDescriptor }[] = [];
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const fromStart = { get: () => 0, set: () => undefined, flush: () => Promise.resolve() };
  const ingest = new Ingest({ logList: sim.logListUrl, cursors: fromStart, follower: { maxCatchUp: Number.MAX_SAFE_INTEGER } });
  ingest.onEvent((event, log) => {
    if (events.length < total) events.push({ event, log });
    if (events.length === total) done();
  });
  await ingest.start();
  await finished;
  await ingest.stop();
  await sim.close();
  return events;
}

function cpuSince(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

const round = (n: number, digits = 0): number => Number(n.toFixed(digits));

const events = await makeEvents();
const envelopeBytes = events.reduce((n, e) => n + encodeEnvelope(e.event).length, 0);
const nats = await startNatsServer();
const connect = (name: string): Promise<ClusterConnection> =>
  connectCluster({ ...DEFAULT_CLUSTER_OPTIONS, servers: nats.url, clientName: name }, silentLogger);
try {
  // Publish: one ingester, every event with its Nats-Msg-Id, until all are acknowledged.
  const ingester = await connect('bench ingester');
  const publisher = new StreamPublisher(ingester.js, ingester.names, silentLogger);
  let natsCpu = procCpuSeconds(nats.pid) ?? 0;
  let cpu = process.cpuUsage();
  let wall = performance.now();
  for (const { event, log } of events) publisher.publish(event, log);
  await publisher.settled();
  const publishSeconds = (performance.now() - wall) / 1000;
  const publish = {
    entriesPerSecond: round(total / publishSeconds),
    ingesterCpuMicrosPerEntry: round((cpuSince(cpu) / total) * 1e6, 1),
    natsCpuMicrosPerEntry: round((((procCpuSeconds(nats.pid) ?? 0) - natsCpu) / total) * 1e6, 1),
    stored: publisher.stats.published,
  };
  // The same events again, as a redundant ingester would send them: all dropped as duplicates.
  for (const { event, log } of events) publisher.publish(event, log);
  await publisher.settled();
  const duplicatesDropped = publisher.stats.duplicates;
  await ingester.close();

  /** `count` edges read the whole stream at once; each routes into a server without clients. */
  async function readAll(count: number) {
    const connections = await Promise.all(Array.from({ length: count }, (_, i) => connect(`bench edge ${i}`)));
    const servers = connections.map(() => new StreamServer({ host: '127.0.0.1', port: 0, historyMaxEvents: total, status: () => [] }));
    const feeds = connections.map((c, i) => new EdgeFeed(c, (e, at) => servers[i]!.publish(e, at), silentLogger));
    natsCpu = procCpuSeconds(nats.pid) ?? 0;
    cpu = process.cpuUsage();
    wall = performance.now();
    await Promise.all(feeds.map((f) => f.start(total)));
    const seconds = (performance.now() - wall) / 1000;
    const result = {
      edges: count,
      entriesPerSecondPerEdge: round(total / seconds),
      edgeCpuMicrosPerEntry: round((cpuSince(cpu) / (total * count)) * 1e6, 1),
      natsCpuMicrosPerEntryPerEdge: round((((procCpuSeconds(nats.pid) ?? 0) - natsCpu) / (total * count)) * 1e6, 1),
      received: feeds.map((f) => f.stats.received),
    };
    for (const f of feeds) f.stop();
    await Promise.all(connections.map((c) => c.close()));
    return result;
  }

  const edges = [await readAll(1), await readAll(edgeCount)];
  console.log(
    JSON.stringify(
      {
        machine: `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`,
        entries: total,
        meanEnvelopeBytes: round(envelopeBytes / total),
        publish,
        duplicatesDropped,
        edges,
      },
      null,
      2,
    ),
  );
} finally {
  await nats.stop();
}
