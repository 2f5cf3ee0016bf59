/**
 * One process that follows the logs and serves clients: an Ingest whose events go straight to a
 * StreamServer (which keeps the resume history, marks repeats and counts metrics), started and
 * stopped in the right order. `serve` without NATS, `demo` and the test stack all start this.
 */
import { Ingest, type IngestOptions } from '../ingest/ingest.js';
import { StreamServer, type ServerOptions } from '../server/server.js';
import { listenOrUndo } from './listen.js';

export interface StandaloneOptions {
  ingest: Partial<IngestOptions> & Pick<IngestOptions, 'logList'>;
  /** The per-log status comes from this process's ingest. */
  server: Omit<Partial<ServerOptions>, 'status'>;
}

export interface Standalone {
  ingest: Ingest;
  server: StreamServer;
  /** Closes the server (clients get their going-away close), then stops ingest (cursors saved). */
  stop(): Promise<void>;
}

/** Resolves once ingest has started and the server listens; a server that cannot listen stops ingest again. */
export async function startStandalone(options: StandaloneOptions): Promise<Standalone> {
  const ingest = new Ingest(options.ingest);
  const server = new StreamServer({ ...options.server, status: () => ingest.status() });
  ingest.onEvent((event) => server.publish(event));
  await ingest.start();
  await listenOrUndo(server, () => ingest.stop());
  return {
    ingest,
    server,
    async stop() {
      await server.close();
      await ingest.stop();
    },
  };
}
