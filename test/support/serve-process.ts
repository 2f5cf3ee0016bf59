/** `certstream-ts serve` as a child process following a simulator, for restart tests. */
import type { Simulator } from '../../src/sim/simulator.js';
import { runCli, type CliProcess } from '../support/process.js';

/** Starts serve (on `port`, or an ephemeral one) and resolves once it is listening. */
export async function startServe(sim: Simulator, stateDir: string, port = 0): Promise<{ proc: CliProcess; port: number }> {
  const proc = runCli([
    'serve', '--log-list', sim.logListUrl, '--host', '127.0.0.1', '--port', String(port),
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
