/** `certstream-ts serve` as a child process following a simulator, for restart tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/sim/simulator.js';
import { freePort } from './free-port.js';
import { runCli, type CliProcess } from '../support/process.js';

/**
 * Starts serve (on `port`, or a free one) and resolves once it is listening. Never port 0: uSockets
 * sets SO_REUSEADDR only for a fixed port, and a server first bound as port 0 cannot be restarted on
 * that port while its closed connections sit in TIME_WAIT.
 */
export async function startServe(sim: Simulator, stateDir: string, port?: number): Promise<{ proc: CliProcess; port: number }> {
  const proc = runCli([
    'serve', '--log-list', sim.logListUrl, '--host', '127.0.0.1', '--port', String(port ?? (await freePort())),
    '--state-dir', stateDir, '--poll-interval', '100', '--log-level', 'warn',
  ]);
  const [, bound] = await proc.waitForOutput(/streaming on ws:\/\/127\.0\.0\.1:(\d+)\//);
  return { proc, port: Number(bound) };
}

/** Each log's cert_index values in arrival order, keyed by log URL. */
export function indexesByLog(messages: { data: { cert_index: number; source: { url: string } } }[]): Map<string, number[]> {
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
