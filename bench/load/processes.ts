/** The child processes of a load test run: the simulator and the server under test (ours, the baseline or certstream-server-go). */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CLI } from '../../test/support/process.js';
import { startPeerProcess } from './peer.js';
import type { ServerReady, ServerStats } from './server-child.js';

/** `go` is certstream-server-go (bench/load/peer.ts). */
export type ServerKind = 'ours' | 'baseline' | 'go';
export const SERVER_KINDS: readonly ServerKind[] = ['ours', 'baseline', 'go'];

const SERVER_ENTRIES: Record<Exclude<ServerKind, 'go'>, string> = {
  ours: fileURLToPath(new URL('./ours-server.js', import.meta.url)),
  baseline: fileURLToPath(new URL('../baseline-server.js', import.meta.url)),
};

export interface SimulatorProcess {
  logListUrl: string;
  /** The simulator's base URL (its admin API is under admin/). */
  url: string;
  /** CPU seconds used so far (from /proc; null where there is none). */
  cpuSeconds: () => number | null;
  stop: () => void;
}

/** `certstream-ts simulate --port 0` with more flags, as a child process; resolves once it serves its log list. */
export async function startSimulatorProcess(simulateArgs: readonly string[]): Promise<SimulatorProcess> {
  const child = spawn(process.execPath, [CLI, 'simulate', '--port', '0', ...simulateArgs], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const logListUrl = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /log list at (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  child.stdout.resume();
  return { logListUrl, url: logListUrl.replace(/log_list\.json$/, ''), cpuSeconds: () => procCpuSeconds(child.pid), stop: () => void child.kill('SIGTERM') };
}

/** Linux's USER_HZ, the unit of /proc/<pid>/stat times (100 on every common platform). */
const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime of a process from /proc/<pid>/stat, which needs no cooperation from the process. */
export function procCpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3: utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

export interface ServerProcess {
  port: number;
  stats: () => Promise<ServerStats>;
  /** Messages the server says it dropped for slow clients (certstream-server-go's skipped_certs); absent for ours and the baseline, which close such clients. */
  drops?: () => Promise<number>;
  stop: () => void;
}

export async function startServerProcess(
  kind: ServerKind,
  logListUrl: string,
  maxBackpressure: number,
  log: (line: string) => void = console.error,
  extraArgs: readonly string[] = [],
): Promise<ServerProcess> {
  if (kind === 'go') return startPeerProcess(logListUrl, log);
  const child: ChildProcess = spawn(
    process.execPath,
    [SERVER_ENTRIES[kind], '--log-list', logListUrl, '--max-backpressure', String(maxBackpressure), ...extraArgs],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const ready = await new Promise<ServerReady>((resolve, reject) => {
    child.once('message', (message: ServerReady) => resolve(message));
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
  });
  return {
    port: ready.port,
    stats: () =>
      new Promise<ServerStats>((resolve) => {
        const onMessage = (message: ServerStats): void => {
          if (message.type !== 'stats') return;
          child.off('message', onMessage);
          resolve(message);
        };
        child.on('message', onMessage);
        child.send({ type: 'stats' });
      }),
    stop: () => void child.kill('SIGTERM'),
  };
}
