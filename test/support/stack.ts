/** The whole path on loopback for tests: simulator → ingest → server, wired as `serve` wires them (src/app/). */
import { startStandalone } from '../../src/app/standalone.js';
import type { Ingest, IngestOptions } from '../../src/ingest/ingest.js';
import type { StreamServer, ServerOptions } from '../../src/server/server.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/sim/simulator.js';
import { waitFor } from './wait.js';

export interface Stack {
  sim: Simulator;
  ingest: Ingest;
  server: StreamServer;
  /** host:port of the server */
  base: string;
  /** Appends certificates with the given names to the first log (one certificate per name list). */
  appendNamed(names: readonly (readonly string[])[]): void;
  /** Resolves once ingest has read everything the first log holds (what appendNamed wrote is published). */
  ingested(): Promise<void>;
  /** appendNamed, then ingested. */
  appendNamedAndIngest(names: readonly (readonly string[])[]): Promise<void>;
  close(): Promise<void>;
}

export async function startStack(
  simOptions: SimulatorOptions = {},
  serverOptions: Partial<Omit<ServerOptions, 'status'>> = {},
  ingestOptions: Partial<Pick<IngestOptions, 'follower' | 'logger'>> = {},
): Promise<Stack> {
  const sim = await startSimulator({ rfc6962Logs: 1, tiledLogs: 1, ...simOptions });
  const app = await startStandalone({
    ingest: { logList: sim.logListUrl, stateDir: null, ...ingestOptions, follower: { pollIntervalMs: 50, ...ingestOptions.follower } },
    server: { host: '127.0.0.1', port: 0, ...serverOptions },
  });
  const { ingest, server } = app;
  const port = server.port;
  await waitFor('followers at head', () => ingest.status().every((s) => s.next !== null));
  const stack: Stack = {
    sim,
    ingest,
    server,
    base: `127.0.0.1:${port}`,
    appendNamed(names) {
      const slug = sim.logs[0]!.slug;
      sim.appendCertificates(
        slug,
        names.map((dnsNames) => sim.factory.precertificate({ dnsNames })),
      );
    },
    async ingested() {
      const size = sim.logs[0]!.size;
      await waitFor('ingest', () => ingest.status()[0]!.next === size);
    },
    async appendNamedAndIngest(names) {
      stack.appendNamed(names);
      await stack.ingested();
    },
    async close() {
      await app.stop();
      await sim.close();
    },
  };
  return stack;
}
