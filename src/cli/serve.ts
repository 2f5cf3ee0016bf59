/** `certstream-ts serve`: follow the CT logs and stream every certificate to WebSocket clients. */
import { Option, type Command } from 'commander';
import { DEFAULT_LOG_LIST_URL, LogListError } from '../ct/log-list.js';
import { Ingest } from '../ingest/ingest.js';
import { StreamServer, type ServerOptions } from '../server/server.js';
import { createLogger, type LogLevel } from '../util/logger.js';
import { untilStopSignal } from '../util/signals.js';
import { startClusterRole, CLUSTER_ROLES, type ClusterRole, type RunningCluster } from '../cluster/roles.js';
import { intOption } from './options.js';

export interface ServeOptions {
  logList: string;
  host: string;
  port: number;
  /** null keeps cursors in memory only. */
  stateDir: string | null;
  maxCatchUp: number;
  pollInterval: number;
  parallelism: number;
  logLevel: LogLevel;
  maxConnections?: number;
  maxConnectionsPerIp?: number;
  messagesPerSecond?: number;
  maxBackpressure?: number;
  historyEvents?: number;
  historyMinutes?: number;
  /** NATS server URL(s): cluster mode. */
  nats?: string;
  role?: ClusterRole;
  natsStream?: string;
}

/** Server options given on the command line (the rest keep their defaults). */
function serverLimits(o: ServeOptions): Partial<ServerOptions> {
  return {
    ...(o.maxConnections === undefined ? {} : { maxConnections: o.maxConnections }),
    ...(o.maxConnectionsPerIp === undefined ? {} : { maxConnectionsPerIp: o.maxConnectionsPerIp }),
    ...(o.messagesPerSecond === undefined ? {} : { messagesPerSecond: o.messagesPerSecond }),
    ...(o.maxBackpressure === undefined ? {} : { maxBackpressure: o.maxBackpressure }),
    ...(o.historyEvents === undefined ? {} : { historyMaxEvents: o.historyEvents }),
    ...(o.historyMinutes === undefined ? {} : { historyMaxAgeMs: o.historyMinutes * 60_000 }),
  };
}

export interface RunningServer {
  server: StreamServer;
  ingest: Ingest;
  stop(): Promise<void>;
}

/** Starts ingest and the server; resolves once listening. Throws LogListError if the list is unreadable. */
export async function startServe(options: ServeOptions): Promise<RunningServer> {
  const logger = createLogger(options.logLevel);
  const ingest = new Ingest({
    logList: options.logList,
    stateDir: options.stateDir,
    logger,
    follower: { maxCatchUp: options.maxCatchUp, pollIntervalMs: options.pollInterval, parallelism: options.parallelism },
  });
  const server = new StreamServer({
    ...serverLimits(options),
    host: options.host,
    port: options.port,
    logger,
    status: () => ingest.status(),
  });
  ingest.onEvent((event) => server.publish(event));
  await ingest.start();
  try {
    await server.listen();
  } catch (err) {
    await ingest.stop();
    throw err;
  }
  return {
    server,
    ingest,
    async stop() {
      await server.close();
      await ingest.stop();
    },
  };
}

/** Starts this process's cluster role(s) on NATS JetStream. */
export async function startClusterServe(options: ServeOptions & { nats: string }): Promise<RunningCluster> {
  const logger = createLogger(options.logLevel);
  return startClusterRole({
    role: options.role ?? 'all',
    cluster: { servers: options.nats, ...(options.natsStream === undefined ? {} : { stream: options.natsStream }) },
    ingest: {
      logList: options.logList,
      follower: { maxCatchUp: options.maxCatchUp, pollIntervalMs: options.pollInterval, parallelism: options.parallelism },
    },
    server: { ...serverLimits(options), host: options.host, port: options.port },
    logger,
  });
}

/** Runs until SIGINT/SIGTERM, then persists cursors and exits 0. */
export async function runUntilSignalled(running: { stop(): Promise<void> }): Promise<void> {
  await untilStopSignal();
  await running.stop();
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('follow the CT logs of a log list and stream their certificates over WebSockets')
    .option('--log-list <url-or-file>', 'v3 CT log list to follow', DEFAULT_LOG_LIST_URL)
    .option('--host <host>', 'address to listen on', '0.0.0.0')
    .option('--port <port>', 'port to listen on', intOption(0, 65535), 8080)
    .option('--state-dir <dir>', 'folder for per-log cursors (resume after restart)', './state')
    .option('--max-catch-up <entries>', 'entries per log caught up after a restart before skipping ahead', intOption(0), 100_000)
    .option('--poll-interval <ms>', 'how often each log head is polled', intOption(100), 2_000)
    .option('--parallelism <n>', 'requests in flight per log', intOption(1, 64), 4)
    .option('--log-level <level>', 'debug, info, warn, error or silent', 'info')
    .option('--max-connections <n>', 'WebSocket connections in total (default 50000)', intOption(1))
    .option('--max-connections-per-ip <n>', 'WebSocket connections per client IP (default 2000)', intOption(1))
    .option('--messages-per-second <n>', 'client messages per second per connection (default 20, burst 50)', intOption(1))
    .option('--max-backpressure <bytes>', 'unsent bytes after which a slow client is evicted (default 4194304)', intOption(65_536))
    .option('--history-events <n>', 'certificates kept for resuming clients (default 200000)', intOption(1))
    .option('--history-minutes <n>', 'minutes of certificates kept for resuming clients (default 10)', intOption(1))
    .option('--nats <urls>', 'NATS server(s) for cluster mode (comma-separated); without it serve runs as one process')
    .addOption(new Option('--role <role>', 'cluster role').choices(CLUSTER_ROLES).default('all'))
    .option('--nats-stream <name>', 'JetStream stream (and KV bucket prefix) of the cluster', 'CERTSTREAM')
    .action(async (options: ServeOptions) => {
      if (options.nats !== undefined) {
        const cluster = await startClusterServe({ ...options, nats: options.nats });
        const port = cluster.server?.port;
        console.error(
          `certstream-ts: ${options.role ?? 'all'} role on NATS stream ${options.natsStream ?? 'CERTSTREAM'}` + (port === undefined ? '' : `, streaming on port ${port}`),
        );
        await runUntilSignalled(cluster);
        process.exit(0);
      }
      let running: RunningServer;
      try {
        running = await startServe(options);
      } catch (err) {
        if (err instanceof LogListError) {
          console.error(`certstream-ts: ${err.message}. Without internet access, try \`npm run demo\` (a local simulated CT log).`);
          process.exit(1);
        }
        throw err;
      }
      const host = options.host === '0.0.0.0' ? '127.0.0.1' : options.host;
      console.error(`certstream-ts: streaming on ws://${host}:${running.server.port}/ (lite), /full-stream, /domains-only`);
      await runUntilSignalled(running);
      process.exit(0);
    });
}
