/**
 * What `certstream-ts serve` (and `demo`) run once their options are valid: the server, the ingest and
 * the cluster roles, with their start-up errors as one line. Kept apart from the command's
 * registration (serve.ts) so that `--help` and a bad flag never load uWS, pkijs or undici.
 */
import { exitWithError } from '../config/commander.js';
import type { ServeConfig } from '../config/serve-schema.js';
import { isLogListUrl, LogListError } from '../ct/log-list.js';
import { DEFAULT_SERVER_OPTIONS } from '../config/server-defaults.js';
import { ListenError, type ServerOptions } from '../server/server.js';
import { TlsSetupError } from '../server/tls.js';
import { TransportError } from '../server/transport/index.js';
import { AccessTokenFileError } from '../server/access-tokens.js';
import { createLogger, type Logger } from '../util/logger.js';
import { untilStopSignal } from '../util/signals.js';
import type { RunningCluster } from '../app/cluster-roles.js';
import { startStandalone, type Standalone } from '../app/standalone.js';
import { startCatchUpProgress } from './catch-up-progress.js';
import { endpointLines } from './endpoints.js';

/** The validated config; stateDir null (from code only) keeps cursors in memory. */
export type ServeOptions = Omit<ServeConfig, 'stateDir'> & { stateDir: string | null };

/** TLS files from the options; both or neither. */
function tlsFiles(o: ServeOptions): ServerOptions['tls'] {
  if (o.tlsCert === undefined && o.tlsKey === undefined) return undefined;
  if (o.tlsCert === undefined || o.tlsKey === undefined) throw new ServeOptionError('--tls-cert and --tls-key go together: give both or neither');
  return { certFile: o.tlsCert, keyFile: o.tlsKey };
}

/** Options that do not fit together. */
export class ServeOptionError extends Error {}

function serverLimits(o: ServeOptions): Partial<ServerOptions> {
  const tls = tlsFiles(o);
  return {
    ...(tls ? { tls } : {}),
    ...(o.authTokens === undefined ? {} : { authTokensFile: o.authTokens }),
    maxConnections: o.maxConnections,
    maxConnectionsPerIp: o.maxConnectionsPerIp,
    messagesPerSecond: o.messagesPerSecond,
    maxBackpressure: o.maxBackpressure,
    maxUnsentBytesPerIp: o.maxUnsentBytesPerIp,
    maxUnsentBytes: o.maxUnsentBytes,
    historyMaxEvents: o.historyEvents,
    historyMaxAgeMs: o.historyMinutes * 60_000,
    historyMaxBytes: o.historyMemory,
    dedupeWindowMs: o.dedupeWindow * 60_000,
    dedupeMaxBytes: o.dedupeMemory,
    messageBurst: o.messageBurst,
    rateLimitCloseAfter: o.rateLimitCloseAfter,
    heartbeatMs: o.heartbeatInterval,
    idleTimeoutSeconds: o.idleTimeout,
    limits: {
      maxSubscriptions: o.maxSubscriptions,
      maxKeywords: o.maxKeywords,
      maxKeywordLength: o.maxKeywordLength,
      maxRegexes: o.maxRegexes,
      maxRegexLength: o.maxRegexLength,
      maxMessageBytes: o.maxMessageBytes,
    },
    filterBudget: {
      messageBytesPerSecondPerIp: o.messageBytesPerSecondPerIp,
      messageBytesBurstPerIp: o.messageBytesBurstPerIp,
      patternCharsPerSecond: o.patternCharsPerSecond,
      patternCharsBurst: o.patternCharsBurst,
      scanRegexUnitsPerIp: o.scanRegexUnitsPerIp,
      scanRegexUnits: o.scanRegexUnits,
    },
    replayBudget: {
      ...DEFAULT_SERVER_OPTIONS.replayBudget,
      eventsPerSecond: o.replayEventsPerSecond,
      eventsPerSecondPerOwner: o.replayEventsPerSecondPerIp,
      eventsPerTurn: o.replayEventsPerTurn,
    },
  };
}

export type RunningServer = Standalone & { logger: Logger };

/** Starts ingest and the server (src/app/); resolves once listening. Throws LogListError if the list is unreadable. */
export async function startServe(options: ServeOptions): Promise<RunningServer> {
  const logger = createLogger(options.logLevel, { format: options.logFormat });
  const running = await startStandalone({
    ingest: {
      logList: options.logList,
      stateDir: options.stateDir,
      logger,
      follower: { maxCatchUp: options.maxCatchUp, pollIntervalMs: options.pollInterval, parallelism: options.parallelism },
    },
    server: { ...serverLimits(options), host: options.host, port: options.port, logger },
  });
  return Object.assign(running, { logger });
}

/** Starts this process's cluster role(s) on NATS JetStream (options.nats set). */
export async function startClusterServe(options: ServeOptions & { nats: string }): Promise<RunningCluster & { logger: Logger }> {
  const logger = createLogger(options.logLevel, { format: options.logFormat });
  // Loaded only in cluster mode: the NATS client is memory a single process does not need.
  const { startClusterRole } = await import('../app/cluster-roles.js');
  const running = await startClusterRole({
    role: options.role,
    cluster: { servers: options.nats, stream: options.natsStream, statusIntervalMs: options.natsStatusInterval },
    ingest: {
      logList: options.logList,
      follower: { maxCatchUp: options.maxCatchUp, pollIntervalMs: options.pollInterval, parallelism: options.parallelism },
    },
    server: { ...serverLimits(options), host: options.host, port: options.port },
    logger,
  });
  return Object.assign(running, { logger });
}

/** A port that cannot be bound, or a CERTSTREAM_TRANSPORT that cannot run, is a usage error: one line, exit 2 (like a bad flag). */
export function exitIfListenError(err: unknown, commandName: string): void {
  if (err instanceof ListenError || err instanceof TransportError) exitWithError(commandName, err.message);
}

/**
 * A start-up failure the operator can act on, as one line and an exit code: 2 for what they gave
 * (options that do not fit, files named by flags), 1 for the world (a log list URL out of reach).
 */
function exitIfStartError(err: unknown, options: ServeOptions): void {
  exitIfListenError(err, 'serve');
  if (err instanceof ServeOptionError || err instanceof TlsSetupError || err instanceof AccessTokenFileError) exitWithError('serve', err.message);
  if (!(err instanceof LogListError)) return;
  if (!isLogListUrl(options.logList)) exitWithError('serve', err.message);
  exitWithError('serve', `${err.message}. Without internet access, try \`npm run demo\` (a local simulated CT log).`, 1);
}

/** Runs until SIGINT/SIGTERM, then persists cursors and exits 0. */
export async function runUntilSignalled(running: { stop(): Promise<void> }): Promise<void> {
  await untilStopSignal();
  await running.stop();
}

/** Runs serve with validated options until SIGINT/SIGTERM, then exits 0. */
export async function runServe(options: ServeOptions): Promise<void> {
  if (options.nats !== undefined) {
    await runCluster({ ...options, nats: options.nats });
    return;
  }
  let running: RunningServer;
  try {
    running = await startServe(options);
  } catch (err) {
    exitIfStartError(err, options);
    throw err;
  }
  for (const line of endpointLines(options.host, running.server.port, options.tlsCert !== undefined)) console.error(`certstream-ts serve: ${line}`);
  const stopProgress = startCatchUpProgress({
    status: () => running.ingest.status(),
    logger: running.logger,
    terminal: process.stderr.isTTY ? process.stderr : null,
  });
  await runUntilSignalled(running);
  stopProgress();
  process.exit(0);
}

async function runCluster(options: ServeOptions & { nats: string }): Promise<void> {
  let running: Awaited<ReturnType<typeof startClusterServe>>;
  try {
    running = await startClusterServe(options);
  } catch (err) {
    exitIfStartError(err, options);
    const reason = err instanceof Error ? err.message : String(err);
    exitWithError('serve', `cannot start the ${options.role} role on NATS ${options.nats}: ${reason}`, 1);
  }
  const port = running.server?.port;
  console.error(`certstream-ts serve: ${options.role} role on NATS stream ${options.natsStream}` + (port === undefined ? '' : `, streaming on port ${port}`));
  if (port !== undefined) for (const line of endpointLines(options.host, port, options.tlsCert !== undefined)) console.error(`certstream-ts serve: ${line}`);
  const ingest = running.ingest;
  const stopProgress = ingest
    ? startCatchUpProgress({ status: () => ingest.status(), logger: running.logger, terminal: process.stderr.isTTY ? process.stderr : null })
    : () => {};
  await runUntilSignalled(running);
  stopProgress();
  process.exit(0);
}
