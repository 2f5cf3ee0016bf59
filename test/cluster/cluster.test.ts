/**
 * The cluster on a real NATS JetStream server (Debian's nats-server): two ingesters (real `serve
 * --role ingest` processes) and two edges, fed by the simulator. Every entry reaches a client of
 * each edge exactly once and in seq order, also when an ingester is killed mid-stream; a restarted
 * edge lets its clients resume.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect as connectClient } from '../../src/client/index.js';
import { startClusterRole } from '../../src/app/cluster-roles.js';
import { startSimulator, type Simulator } from '../../src/sim/simulator.js';
import { silentLogger } from '../../src/util/logger.js';
import { startNatsServer, natsServer, type NatsServer } from '../support/nats-server.js';
import { runCli, type CliProcess } from '../support/process.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { waitFor, waitForAsync } from '../support/wait.js';
import { appendEndMarkers } from '../support/serve-process.js';
import { connectRecording, type RecordingClient } from '../support/ws-client.js';
import { skipWithout } from '../support/requirements.js';

interface Update {
  message_type: string;
  data: { cert_index: number; source: { url: string }; seq: number; cert_key: string; duplicate_of?: number };
}

/** Every repeat names the seq of the first update with its cert_key (the stream order is the oracle). */
function assertDuplicatesMarked(got: Update[], who: string): number {
  const first = new Map<string, number>();
  let repeats = 0;
  for (const u of got) {
    assert.equal(u.data.duplicate_of, first.get(u.data.cert_key), `${who}: duplicate_of of seq ${u.data.seq}`);
    if (u.data.duplicate_of === undefined) first.set(u.data.cert_key, u.data.seq);
    else repeats++;
  }
  return repeats;
}

const LOGS = 2;

function startRole(role: 'ingest' | 'edge', nats: string, logList: string, port = 0): CliProcess {
  return runCli(['serve', '--nats', nats, '--role', role, '--log-list', logList, '--host', '127.0.0.1', '--port', String(port), '--poll-interval', '100', '--nats-status-interval', '200', '--log-level', 'debug']);
}

async function ingesterReady(proc: CliProcess): Promise<void> {
  await waitFor('ingester reading every log', () => (proc.stderr.match(/reading from index/g) ?? []).length >= LOGS, 20_000);
}

interface Edge {
  proc: CliProcess;
  port: number;
}

async function startEdge(nats: string, logList: string, port = 0): Promise<Edge> {
  const proc = startRole('edge', nats, logList, port);
  const [, listening] = await proc.waitForOutput(/streaming on port (\d+)/);
  return { proc, port: Number(listening) };
}

function updates(client: RecordingClient): Update[] {
  return (client.messages as Update[]).filter((m) => m.message_type === 'certificate_update');
}

/** Asserts seqs go up by one and each (log, index) of `expected` arrives once. */
function assertExactlyOnceInOrder(got: Update[], expected: Set<string>, who: string): void {
  const keys = got.map((u) => `${u.data.source.url}#${u.data.cert_index}`);
  assert.equal(new Set(keys).size, keys.length, `${who}: no duplicates`);
  assert.deepEqual(new Set(keys), expected, `${who}: every entry`);
  for (let i = 1; i < got.length; i++) assert.equal(got[i]!.data.seq, got[i - 1]!.data.seq + 1, `${who}: seq order`);
}

describe('cluster on NATS JetStream', { skip: skipWithout(natsServer), timeout: 120_000 }, () => {
  let nats: NatsServer;
  let sim: Simulator;
  const ingesters: CliProcess[] = [];
  const edges: Edge[] = [];

  before(async () => {
    nats = await startNatsServer();
    sim = await startSimulator({ rfc6962Logs: 1, tiledLogs: 1, sthIntervalMs: 100, checkpointIntervalMs: 100, seed: 'cluster' });
    ingesters.push(startRole('ingest', nats.url, sim.logListUrl), startRole('ingest', nats.url, sim.logListUrl));
    await Promise.all(ingesters.map(ingesterReady));
    edges.push(await startEdge(nats.url, sim.logListUrl), await startEdge(nats.url, sim.logListUrl));
  });

  after(async () => {
    await Promise.all(edges.map((e) => e.proc.stop()));
    await Promise.all(ingesters.map((p) => p.stop('SIGKILL')));
    await sim?.close();
    await nats?.stop();
  });

  /** Every entry of every log from `from` (per log slug) on. */
  function expectedEntries(from: ReadonlyMap<string, number> = new Map()): Set<string> {
    const keys = new Set<string>();
    for (const log of sim.logs) {
      const url = log.urls.monitoringUrl;
      for (let i = from.get(log.slug) ?? 0; i < log.size; i++) keys.add(`${url}#${i}`);
    }
    return keys;
  }

  it('delivers every entry exactly once, in seq order, on each edge, though an ingester is killed', async () => {
    // Full: lite leaves cert_key out.
    const clients = await Promise.all(edges.map((e) => connectRecording(`ws://127.0.0.1:${e.port}/full-stream`)));
    for (let batch = 0; batch < 6; batch++) {
      sim.append(40);
      // Real time on purpose: the kill lands while the batch is being read and published.
      if (batch === 3) setTimeout(() => void ingesters[0]!.stop('SIGKILL'), 120);
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.equal(expectedEntries().size, 6 * 40 * LOGS);
    await waitFor('every entry on both edges', () => clients.every((c) => updates(c).length >= 6 * 40 * LOGS), 30_000);
    await appendEndMarkers(sim, clients.map((c) => () => updates(c)), 30_000);
    const expected = expectedEntries();
    clients.forEach((c, i) => assertExactlyOnceInOrder(updates(c), expected, `edge ${i}`));
    // Each edge decides from the stream order: both mark the same repeats with the same seqs.
    const repeats = clients.map((c, i) => assertDuplicatesMarked(updates(c), `edge ${i}`));
    assert.ok(repeats[0]! > 0, 'the simulator re-logged some certificates');
    const marks = (c: RecordingClient): string[] => updates(c).map((u) => `${u.data.seq}:${u.data.cert_key}:${u.data.duplicate_of ?? ''}`);
    assert.deepEqual(marks(clients[1]!), marks(clients[0]!), 'the same cert_key and duplicate_of for each seq on both edges');
    await Promise.all(clients.map((c) => c.close()));
  });

  it('lets the clients of a restarted edge resume with recovered:true', async () => {
    // Clients reach the edge through a proxy, as through a load balancer, and the edge comes back on
    // another port: uSockets sets SO_REUSEADDR only when listening on a fixed port, so a port first
    // bound as port 0 cannot be bound again while its closed connections sit in TIME_WAIT.
    const proxy = await startTcpProxy(edges[1]!.port);
    const client = await connectClient(`ws://127.0.0.1:${proxy.port}`, { reconnect: { minDelayMs: 100, maxDelayMs: 300 } });
    const got: number[] = [];
    const reconnects: boolean[] = [];
    client.on('reconnect', (event) => reconnects.push(event.recovered));
    const subscription = await client.subscribe({ channel: 'domains-only' });
    subscription.on('message', (m) => got.push(m.seq));
    // The other edge shows when entries logged while this one is down are in the stream.
    const witness = await connectRecording(`ws://127.0.0.1:${edges[0]!.port}/domains-only`);
    sim.append(20);
    await waitFor('first batch', () => got.length >= 20 * LOGS, 20_000);

    assert.equal(await edges[1]!.proc.stop('SIGTERM'), 0, 'graceful exit');
    sim.append(20); // logged while the edge is down
    await waitFor('the second batch in the stream', () => witness.messages.filter((m) => (m as { message_type: string }).message_type === 'dns_entries').length >= 40 * LOGS, 20_000);
    await witness.close();
    edges[1] = await startEdge(nats.url, sim.logListUrl);
    proxy.retarget(edges[1].port);
    sim.append(20);
    await waitFor('all three batches', () => got.length >= 60 * LOGS, 30_000);
    assert.deepEqual(reconnects, [true]);
    for (let i = 1; i < got.length; i++) assert.equal(got[i], got[0]! + i, 'no gap, no duplicate across the restart');
    await client.close();
    await proxy.close();
  });

  it('continues from the cursors in NATS KV when a replacement ingester starts', async () => {
    const clients = await Promise.all(edges.map((e) => connectRecording(`ws://127.0.0.1:${e.port}/`)));
    const from = new Map(sim.logs.map((log) => [log.slug, log.size]));
    await ingesters[1]!.stop('SIGKILL');
    sim.append(30); // logged while no ingester runs
    const replacement = startRole('ingest', nats.url, sim.logListUrl);
    ingesters.push(replacement);
    await ingesterReady(replacement);
    const starts = replacement.stderr
      .split('\n')
      .filter((line) => line.includes('reading from index'))
      .map((line) => JSON.parse(line) as { next: number; head: number });
    assert.ok(starts.length === LOGS && starts.every((st) => st.next < st.head), 'each log resumed from its saved cursor, behind the head');
    sim.append(10);
    assert.equal(expectedEntries(from).size, 40 * LOGS);
    await waitFor('the entries logged with no ingester, and the next ones', () => clients.every((c) => updates(c).length >= 40 * LOGS), 30_000);
    await appendEndMarkers(sim, clients.map((c) => () => updates(c)), 30_000);
    const expected = expectedEntries(from);
    clients.forEach((c, i) => assertExactlyOnceInOrder(updates(c), expected, `edge ${i}`));
    await Promise.all(clients.map((c) => c.close()));
  });

  it('shows the ingesters\' per-log status on each edge\'s /healthz', async () => {
    const logsOn = async (edge: Edge): Promise<{ name: string; next: number | null }[]> => {
      const body = (await (await fetch(`http://127.0.0.1:${edge.port}/healthz`)).json()) as { logs: { name: string; next: number | null }[] };
      return body.logs;
    };
    const sizes = new Set(sim.logs.map((l) => l.size));
    const atHead = (logs: { next: number | null }[]): boolean => logs.length === LOGS && logs.every((log) => sizes.has(log.next ?? -1));
    // Ingesters post and edges read every 200 ms (--nats-status-interval).
    let perEdge: { name: string; next: number | null }[][] = [];
    await waitForAsync('every edge to show every log at its head', async () => {
      perEdge = await Promise.all(edges.map(logsOn));
      return perEdge.every(atHead);
    }, 30_000).catch((err: Error) => assert.fail(`${err.message}: edges show ${JSON.stringify(perEdge)}`));
  });

  it('runs ingest and edge in one process with --role all, on its own stream', async () => {
    const all = await startClusterRole({
      role: 'all',
      cluster: { servers: nats.url, stream: 'ALL_IN_ONE' },
      ingest: { logList: sim.logListUrl, follower: { pollIntervalMs: 100 } },
      server: { host: '127.0.0.1', port: 0 },
      logger: silentLogger,
    });
    try {
      await waitFor('followers at head', () => all.ingest!.status().every((st) => st.next !== null));
      const client = await connectRecording(`ws://127.0.0.1:${all.server!.port}/domains-only`);
      sim.append(15);
      await waitFor('the new entries', () => client.messages.length >= 15 * LOGS);
      const seqs = (client.messages as { seq: number }[]).map((m) => m.seq);
      // A fresh stream: seqs are the stream's own, from 1.
      assert.deepEqual(seqs, Array.from({ length: 15 * LOGS }, (_, i) => i + 1));
      await client.close();
    } finally {
      await all.stop();
    }
  });

  it('loses and duplicates nothing when the NATS server restarts mid-stream', async () => {
    const clients = await Promise.all(edges.map((e) => connectRecording(`ws://127.0.0.1:${e.port}/`)));
    const from = new Map(sim.logs.map((log) => [log.slug, log.size]));
    sim.append(20);
    // Read by the ingester while NATS is down (for 1 s of real time): published once it is back.
    await nats.restart(1_000, () => sim.append(20));
    sim.append(20);
    await waitFor('every entry after the restart', () => clients.every((c) => updates(c).length >= expectedEntries(from).size), 60_000);
    await appendEndMarkers(sim, clients.map((c) => () => updates(c)), 30_000);
    const expected = expectedEntries(from);
    clients.forEach((c, i) => assertExactlyOnceInOrder(updates(c), expected, `edge ${i}`));
    await Promise.all(clients.map((c) => c.close()));
  });

  it('says why it cannot start when NATS is unreachable or has JetStream off', async () => {
    const unreachable = runCli(['serve', '--nats', 'nats://127.0.0.1:1', '--role', 'edge', '--port', '0']);
    assert.equal(await unreachable.exited, 1);
    assert.match(unreachable.stderr, /cannot start the edge role on NATS nats:\/\/127\.0\.0\.1:1: connection refused/);
    const plain = await startNatsServer({ jetstream: false });
    try {
      const noJetStream = runCli(['serve', '--nats', plain.url, '--role', 'ingest', '--log-list', sim.logListUrl]);
      assert.equal(await noJetStream.exited, 1);
      assert.match(noJetStream.stderr, /JetStream disabled: start it with -js/);
    } finally {
      await plain.stop();
    }
  });
});
