/**
 * A real NATS server with JetStream for cluster tests: Debian's `nats-server` (CI installs it), on a
 * free loopback port with a temporary store that is deleted afterwards.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import type { Requirement } from './requirements.js';

const BINARY = 'nats-server';

/** For skipWithout(): the cluster suites need a nats-server binary. */
export const natsServer: Requirement = {
  missing:
    spawnSync(BINARY, ['--version'], { stdio: 'ignore' }).status === 0
      ? false
      : 'nats-server not installed (Debian: apt-get install nats-server; .ci/run installs it)',
};

export interface NatsServer {
  url: string;
  readonly pid: number;
  /** Stops the server and starts it again on the same port and store, `downMs` later; `whileDown` runs once it is down. */
  restart(downMs?: number, whileDown?: () => void): Promise<void>;
  stop(): Promise<void>;
}

/** Starts nats-server on `port` with `store`; resolves once it accepts clients. */
async function launch(port: number, store: string, timeoutMs: number, jetstream: boolean): Promise<ChildProcess> {
  const args = ['-a', '127.0.0.1', '-p', String(port), ...(jetstream ? ['-js', '-sd', store] : [])];
  const child: ChildProcess = spawn(BINARY, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nats-server did not start:\n${output}`)), timeoutMs);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Server is ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nats-server exited with ${code}:\n${output}`));
    });
  });
  child.stderr!.resume();
  return child;
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** A NATS server with JetStream (or, with `jetstream: false`, without, to test the error). */
export async function startNatsServer({ jetstream = true, timeoutMs = 10_000 } = {}): Promise<NatsServer> {
  const store = await mkdtemp(join(tmpdir(), 'certstream-nats-'));
  const port = await freePort();
  let child = await launch(port, store, timeoutMs, jetstream);
  return {
    url: `nats://127.0.0.1:${port}`,
    get pid() {
      return child.pid!;
    },
    async restart(downMs = 0, whileDown?: () => void) {
      await terminate(child);
      whileDown?.();
      // A real outage: clients must notice it and retry.
      await new Promise((r) => setTimeout(r, downMs));
      child = await launch(port, store, timeoutMs, jetstream);
    },
    async stop() {
      await terminate(child);
      await rm(store, { recursive: true, force: true });
    },
  };
}
