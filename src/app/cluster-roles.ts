/**
 * Cluster roles on one NATS JetStream: `ingest` follows the logs and publishes every event to the
 * stream; `edge` reads the stream and serves WebSocket clients exactly as a single process does;
 * `all` does both in one process. The wiring lives here, with the single-process one (standalone.ts);
 * src/cluster/ is the NATS plumbing it wires: connection, publisher, feed, cursors, status, epoch.
 */
import { Ingest, type IngestOptions } from '../ingest/ingest.js';
import { StreamServer, type ServerOptions } from '../server/server.js';
import { sleep } from '../util/backoff.js';
import type { Logger } from '../util/logger.js';
import { EdgeFeed } from '../cluster/edge-feed.js';
import { clusterEpoch } from '../cluster/epoch.js';
import { KvCursorStore } from '../cluster/kv-cursors.js';
import { connectCluster, DEFAULT_CLUSTER_OPTIONS, type ClusterConnection, type ClusterOptions } from '../cluster/nats.js';
import { StreamPublisher } from '../cluster/publisher.js';
import { publishStatus, StatusBoard } from '../cluster/status-board.js';
import type { ClusterRole } from '../config/defaults.js';
import { listenOrUndo } from './listen.js';

export interface ClusterRoleOptions {
  role: ClusterRole;
  cluster: Partial<ClusterOptions> & Pick<ClusterOptions, 'servers'>;
  /** For the ingest part (cursors live in NATS KV, not in a state dir). */
  ingest?: Omit<Partial<IngestOptions>, 'cursors' | 'stateDir'> & { logList: string };
  /** For the edge part (its epoch comes from NATS KV). */
  server: Omit<Partial<ServerOptions>, 'status' | 'epoch'>;
  logger: Logger;
}

export interface RunningCluster {
  connection: ClusterConnection;
  ingest: Ingest | null;
  publisher: StreamPublisher | null;
  server: StreamServer | null;
  feed: EdgeFeed | null;
  stop(): Promise<void>;
}

/** How long a stopping ingester waits for NATS to acknowledge what it already published. */
const PUBLISH_DRAIN_MS = 10_000;

async function startIngestPart(connection: ClusterConnection, options: ClusterRoleOptions, statusIntervalMs: number) {
  if (!options.ingest) throw new Error(`role ${options.role} needs a log list`);
  const logger = options.logger.child({ role: 'ingest' });
  const publisher = new StreamPublisher(connection.js, connection.names, logger);
  const cursors = await KvCursorStore.open(connection.cursors, () => publisher.settled(), logger);
  const ingest = new Ingest({
    ...options.ingest,
    follower: { ...options.ingest.follower, downstreamReady: () => publisher.ready() },
    cursors,
    logger,
  });
  ingest.onEvent((event, log) => publisher.publish(event, log));
  await ingest.start();
  const stopStatus = publishStatus(connection.meta, () => ingest.status(), statusIntervalMs, logger);
  return {
    ingest,
    publisher,
    async stop(): Promise<void> {
      await stopStatus();
      const stopping = ingest.stop();
      await Promise.race([stopping, sleep(PUBLISH_DRAIN_MS)]);
      publisher.stop();
      await stopping;
    },
  };
}

async function startEdgePart(connection: ClusterConnection, options: ClusterRoleOptions, ingest: Ingest | null, statusIntervalMs: number) {
  const logger = options.logger.child({ role: 'edge' });
  const epoch = await clusterEpoch(connection.meta, connection.jsm, connection.names.stream);
  // Per-log status: this process's own ingest, or what the ingesters post to NATS KV.
  const board = ingest ? null : new StatusBoard(connection.meta, statusIntervalMs, logger);
  board?.start();
  const server = new StreamServer({ ...options.server, logger, epoch, status: () => ingest?.status() ?? board?.current() ?? [] });
  const feed = new EdgeFeed(connection, (event, at) => server.publish(event, at), logger);
  await feed.start(server.historyCapacity);
  await listenOrUndo(server, () => {
    feed.stop();
    board?.stop();
  });
  return {
    server,
    feed,
    async stop(): Promise<void> {
      await server.close();
      board?.stop();
      feed.stop();
      await feed.stopped();
    },
  };
}

export async function startClusterRole(options: ClusterRoleOptions): Promise<RunningCluster> {
  const cluster: ClusterOptions = { ...DEFAULT_CLUSTER_OPTIONS, clientName: `certstream-ts ${options.role} ${process.pid}`, ...options.cluster };
  const connection = await connectCluster(cluster, options.logger);
  const parts: { stop(): Promise<void> }[] = [];
  try {
    const ingestPart = options.role === 'edge' ? null : await startIngestPart(connection, options, cluster.statusIntervalMs);
    if (ingestPart) parts.push(ingestPart);
    const edgePart = options.role === 'ingest' ? null : await startEdgePart(connection, options, ingestPart?.ingest ?? null, cluster.statusIntervalMs);
    if (edgePart) parts.push(edgePart);
    return {
      connection,
      ingest: ingestPart?.ingest ?? null,
      publisher: ingestPart?.publisher ?? null,
      server: edgePart?.server ?? null,
      feed: edgePart?.feed ?? null,
      async stop() {
        // Edge first (clients get their going-away close), then ingest (cursors after the last acks).
        for (const part of parts.reverse()) await part.stop();
        await connection.close();
      },
    };
  } catch (err) {
    for (const part of parts.reverse()) await part.stop().catch(() => {});
    await connection.close().catch(() => {});
    throw err;
  }
}
