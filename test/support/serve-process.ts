/** `certstream-ts serve` as a child process following a simulator, for restart tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/sim/simulator.js';
import { freePort } from './free-port.js';
import { runCli, type CliProcess } from '../support/process.js';
import { waitFor, waitForAsync } from './wait.js';

/**
 * Starts serve (on `port`, or a free one) and resolves once it is listening. Never port 0: uSockets
 * sets SO_REUSEADDR only for a fixed port, and a server first bound as port 0 cannot be restarted on
 * that port while its closed connections sit in TIME_WAIT.
 */
export async function startServe(sim: Simulator, stateDir: string, port?: number, env?: NodeJS.ProcessEnv): Promise<{ proc: CliProcess; port: number }> {
  const proc = runCli(
    ['serve', '--log-list', sim.logListUrl, '--host', '127.0.0.1', '--port', String(port ?? (await freePort())), '--state-dir', stateDir, '--poll-interval', '100', '--log-level', 'warn'],
    [],
    env,
  );
  const [, bound] = await proc.waitForOutput(/streaming on ws:\/\/127\.0\.0\.1:(\d+)\//);
  return { proc, port: Number(bound) };
}

/**
 * Resolves once serve's /healthz shows every log of `sim` read up to the head it last saw: entries
 * appended after this count as new, not as part of the start-up catch-up.
 */
export async function waitForFollowersAtHead(port: number, sim: Simulator): Promise<void> {
  await waitForAsync('every log read to its head (/healthz)', async () => {
    const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { logs?: { treeSize: number | null; next: number | null }[] };
    const logs = health.logs ?? [];
    return logs.length === sim.logs.length && logs.every((l) => l.next !== null && l.next === l.treeSize);
  });
}

interface LoggedMessage {
  data: { cert_index: number; source: { url: string } };
}

/**
 * Appends one more entry to every log and waits until each receiver holds all of them: a log is
 * streamed in order, so whatever was routed before (a late duplicate, say) has arrived by then.
 */
export async function appendEndMarkers(sim: Simulator, receivers: readonly (() => readonly LoggedMessage[])[], timeoutMs?: number): Promise<void> {
  const markers = sim.logs.map((log) => ({ url: log.urls.monitoringUrl, index: log.size }));
  sim.append(1);
  const hasMarkers = (messages: readonly LoggedMessage[]): boolean =>
    markers.every(({ url, index }) => messages.some((m) => m.data.source.url === url && m.data.cert_index === index));
  await waitFor('the end marker of every log', () => receivers.every((received) => hasMarkers(received())), timeoutMs);
}

/** Each log's cert_index values in arrival order, keyed by log URL. */
export function indexesByLog(messages: readonly LoggedMessage[]): Map<string, number[]> {
  const byLog = new Map<string, number[]>();
  for (const m of messages) byLog.set(m.data.source.url, [...(byLog.get(m.data.source.url) ?? []), m.data.cert_index]);
  return byLog;
}

/**
 * A simulator and an empty state folder shared by the tests of one describe block (restart tests
 * run `serve` several times on the same state). Read the fields inside tests, once before() ran.
 */
export function simulatorWithStateDir(options: SimulatorOptions): { readonly sim: Simulator; readonly stateDir: string } {
  const fixture = {} as { sim: Simulator; stateDir: string };
  before(async () => {
    fixture.sim = await startSimulator(options);
    fixture.stateDir = await mkdtemp(join(tmpdir(), 'certstream-state-'));
  });
  after(async () => {
    await fixture.sim.close();
    await rm(fixture.stateDir, { recursive: true, force: true });
  });
  return fixture;
}
