/**
 * certstream-server-go, the server CertStream users deploy today, as a peer in the load bench: built
 * from the offline copy in ../shared/peers/certstream-server-go (its build.sh: Debian's Go and
 * packages, ~1 minute cold, seconds warm) and started with its run.sh against our simulator. It
 * reports nothing over IPC, so its figures come from outside: CPU and peak RSS from /proc, entries
 * and its own per-client drop counter from its /metrics.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../../test/support/free-port.js';
import type { ServerStats } from './server-child.js';

const execFileAsync = promisify(execFile);

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The peer's folder (build.sh, run.sh), or null when ../shared is not there. */
export const peerDir: string | null = (() => {
  const dir = process.env.CERTSTREAM_PEER_DIR ?? join(projectRoot, '..', 'shared', 'peers', 'certstream-server-go');
  return existsSync(join(dir, 'build.sh')) ? dir : null;
})();

/** Where our builds go; build.sh reuses the Go build cache there, so later builds take seconds. */
const BUILD_DIR = join(tmpdir(), 'certstream-ts-bench', 'peer-build');

let built: Promise<string> | undefined;

/** Builds the peer once per bench run; resolves to the binary's path. */
export function buildPeer(log: (line: string) => void): Promise<string> {
  built ??= (async () => {
    if (!peerDir) throw new Error('no ../shared/peers/certstream-server-go');
    const binary = join(BUILD_DIR, 'certstream-server-go');
    log(`building certstream-server-go with ${join(peerDir, 'build.sh')} (about a minute the first time)`);
    const { stdout } = await execFileAsync(join(peerDir, 'build.sh'), [join(peerDir, 'src'), binary], {
      env: { ...process.env, WORKDIR: BUILD_DIR },
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout.trim().split('\n').at(-1) ?? binary;
  })();
  return built;
}

/** Sum of every sample of a Prometheus counter family in a text exposition. */
export function metricSum(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}

/** utime and stime (µs) and peak RSS (KiB) of a process, from /proc. */
function procStats(pid: number): { userMicros: number; systemMicros: number; maxRssKiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3: utime is 14, stime 15 (in 1/100 s).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
  return { userMicros: Number(fields[11]) * 10_000, systemMicros: Number(fields[12]) * 10_000, maxRssKiB: Number(hwm?.[1] ?? 0) };
}

export interface PeerProcess {
  port: number;
  pid: number;
  stats: () => Promise<ServerStats>;
  /** Messages the peer dropped for clients whose buffer was full (its skipped_certs counter), so far. */
  drops: () => Promise<number>;
  stop: () => void;
}

async function metrics(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  return res.text();
}

export async function startPeerProcess(logListUrl: string, log: (line: string) => void): Promise<PeerProcess> {
  const binary = await buildPeer(log);
  const port = await freePort();
  // run.sh execs the binary, so the child's pid is the server's.
  const child = spawn(join(peerDir!, 'run.sh'), [String(port), logListUrl, binary], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, RUNDIR: join(tmpdir(), 'certstream-ts-bench', `peer-run-${port}`) },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`certstream-server-go exited with ${code}: ${stderr}`))));
  exited.catch(() => undefined);
  for (let attempt = 0; ; attempt++) {
    try {
      await Promise.race([metrics(port), exited]);
      break;
    } catch (err) {
      if (child.exitCode !== null || attempt > 100) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const pid = child.pid!;
  return {
    port,
    pid,
    stats: async () => {
      const text = await metrics(port);
      const p = procStats(pid);
      return {
        type: 'stats',
        cpuUserMicros: p.userMicros,
        cpuSystemMicros: p.systemMicros,
        maxRssKiB: p.maxRssKiB,
        rssBytes: 0,
        heapUsedBytes: 0,
        externalBytes: 0,
        entries: metricSum(text, 'certstreamservergo_certificates_total'),
      };
    },
    drops: async () => metricSum(await metrics(port), 'certstreamservergo_skipped_certs'),
    stop: () => void child.kill('SIGTERM'),
  };
}
