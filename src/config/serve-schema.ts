/** Every option of `certstream-ts serve`, defined once: flag, env var, config-file key and default derive from here. */
import { z } from 'zod';
import { CLUSTER_ROLES, DEFAULT_CLUSTER_STATUS_INTERVAL_MS, DEFAULT_FILTER_BUDGET, DEFAULT_FOLLOWER_OPTIONS, DEFAULT_LOG_LIST_URL, DEFAULT_PROTOCOL_LIMITS, DEFAULT_REPLAY_BUDGET, DEFAULT_STREAM } from './defaults.js';
import { DEFAULT_SERVER_OPTIONS } from './server-defaults.js';
import { byteSize, natsServers, oneOf, streamName, text, wholeNumber } from './fields.js';
import { option } from './option.js';

/** Prefix of every serve environment variable: CERTSTREAM_PORT, CERTSTREAM_LOG_LEVEL, ... */
export const SERVE_ENV_PREFIX = 'CERTSTREAM_';

export const serveConfigSchema = z.strictObject({
  logList: option(text().default(DEFAULT_LOG_LIST_URL), { description: 'v3 CT log list to follow (URL or file)', valueName: 'url-or-file' }),
  host: option(text().default(DEFAULT_SERVER_OPTIONS.host), { description: 'address to listen on', valueName: 'host' }),
  port: option(wholeNumber(0, 65535).default(DEFAULT_SERVER_OPTIONS.port), { description: 'port to listen on', valueName: 'port' }),
  stateDir: option(text().default('./state'), { description: 'folder for per-log cursors (resume after restart)', valueName: 'dir' }),
  maxCatchUp: option(wholeNumber(0).default(DEFAULT_FOLLOWER_OPTIONS.maxCatchUp), {
    description: 'entries per log read at most after a restart or a head that jumps; older ones are skipped (counted)',
    valueName: 'entries',
  }),
  pollInterval: option(wholeNumber(100).default(DEFAULT_FOLLOWER_OPTIONS.pollIntervalMs), { description: 'head poll interval of an idle log, in ms (a growing log is polled just after each new head)', valueName: 'ms' }),
  parallelism: option(wholeNumber(1, 64).default(DEFAULT_FOLLOWER_OPTIONS.parallelism), { description: 'requests in flight per log', valueName: 'n' }),
  logLevel: option(oneOf(['debug', 'info', 'warn', 'error', 'silent']).default('info'), { description: 'least severe log level written', valueName: 'level' }),
  logFormat: option(oneOf(['json', 'pretty', 'auto']).default('auto'), {
    description: 'log lines as JSON or human-readable; auto = pretty on a terminal, JSON otherwise',
    valueName: 'format',
  }),
  maxConnections: option(wholeNumber(1).default(DEFAULT_SERVER_OPTIONS.maxConnections), { description: 'WebSocket connections in total', valueName: 'n' }),
  maxConnectionsPerIp: option(wholeNumber(1).default(DEFAULT_SERVER_OPTIONS.maxConnectionsPerIp), { description: 'WebSocket connections per client IP', valueName: 'n' }),
  messagesPerSecond: option(wholeNumber(1).default(DEFAULT_SERVER_OPTIONS.messagesPerSecond), {
    description: 'client messages per second per connection in the long run; beyond, rate_limited',
    valueName: 'n',
  }),
  messageBurst: option(wholeNumber(1).default(DEFAULT_SERVER_OPTIONS.messageBurst), { description: 'client messages one connection may send at once after a pause', valueName: 'n' }),
  rateLimitCloseAfter: option(wholeNumber(1).default(DEFAULT_SERVER_OPTIONS.rateLimitCloseAfter), {
    description: 'rate_limited refusals in a row after which a connection is closed (4029)',
    valueName: 'n',
  }),
  maxSubscriptions: option(wholeNumber(1).default(DEFAULT_PROTOCOL_LIMITS.maxSubscriptions), { description: 'subscriptions per connection', valueName: 'n' }),
  maxKeywords: option(wholeNumber(1).default(DEFAULT_PROTOCOL_LIMITS.maxKeywords), { description: 'keywords per subscription', valueName: 'n' }),
  maxKeywordLength: option(wholeNumber(1).default(DEFAULT_PROTOCOL_LIMITS.maxKeywordLength), { description: 'characters per keyword', valueName: 'n' }),
  maxRegexes: option(wholeNumber(1).default(DEFAULT_PROTOCOL_LIMITS.maxRegexes), { description: 'regexes per subscription', valueName: 'n' }),
  maxRegexLength: option(wholeNumber(1).default(DEFAULT_PROTOCOL_LIMITS.maxRegexLength), { description: 'characters per regex', valueName: 'n' }),
  maxMessageBytes: option(wholeNumber(1).default(DEFAULT_PROTOCOL_LIMITS.maxMessageBytes), {
    description: 'bytes per client message and per URL query; WebSocket frames over 4 times this drop the connection',
    valueName: 'bytes',
  }),
  messageBytesPerSecondPerIp: option(wholeNumber(1).default(DEFAULT_FILTER_BUDGET.messageBytesPerSecondPerIp), {
    description: 'bytes of client messages per second per client IP, checked before parsing (filter budget)',
    valueName: 'bytes',
  }),
  messageBytesBurstPerIp: option(wholeNumber(1).default(DEFAULT_FILTER_BUDGET.messageBytesBurstPerIp), {
    description: 'bytes of client messages one client IP may send at once (filter budget)',
    valueName: 'bytes',
  }),
  patternCharsPerSecond: option(wholeNumber(1).default(DEFAULT_FILTER_BUDGET.patternCharsPerSecond), {
    description: 'keyword and regex characters new to the server per second, all clients together (filter budget)',
    valueName: 'n',
  }),
  patternCharsBurst: option(wholeNumber(1).default(DEFAULT_FILTER_BUDGET.patternCharsBurst), {
    description: 'new keyword and regex characters accepted at once, all clients together (filter budget)',
    valueName: 'n',
  }),
  scanRegexUnitsPerIp: option(wholeNumber(1).default(DEFAULT_FILTER_BUDGET.scanRegexUnitsPerIp), {
    description: 'cost units of regexes without a literal one client IP may hold (1 per regex, +1 per 128 characters)',
    valueName: 'n',
  }),
  scanRegexUnits: option(wholeNumber(1).default(DEFAULT_FILTER_BUDGET.scanRegexUnits), {
    description: 'cost units of distinct regexes without a literal the server holds for all clients',
    valueName: 'n',
  }),
  replayEventsPerSecond: option(wholeNumber(1).default(DEFAULT_REPLAY_BUDGET.eventsPerSecond), {
    description: 'history events all resuming clients\' replays may examine per second together (replay budget)',
    valueName: 'n',
  }),
  replayEventsPerSecondPerIp: option(wholeNumber(1).default(DEFAULT_REPLAY_BUDGET.eventsPerSecondPerOwner), {
    description: 'history events the replays of one client IP may examine per second (replay budget)',
    valueName: 'n',
  }),
  replayEventsPerTurn: option(wholeNumber(1).default(DEFAULT_REPLAY_BUDGET.eventsPerTurn), {
    description: 'history events all replays may examine in one turn of the event loop (replay budget)',
    valueName: 'n',
  }),
  heartbeatInterval: option(wholeNumber(1_000).default(DEFAULT_SERVER_OPTIONS.heartbeatMs), { description: 'ms between heartbeat messages to every connection', valueName: 'ms' }),
  idleTimeout: option(
    wholeNumber(8, 960)
      .refine((seconds) => seconds % 4 === 0, { error: 'must be a multiple of 4 (uWebSockets counts in 4 s steps)' })
      .default(DEFAULT_SERVER_OPTIONS.idleTimeoutSeconds),
    { description: 'seconds without any traffic (pongs count) after which a connection is dropped; 8 to 960, a multiple of 4', valueName: 'seconds' },
  ),
  maxBackpressure: option(wholeNumber(65_536).default(DEFAULT_SERVER_OPTIONS.maxBackpressure), {
    description: 'unsent bytes after which a slow client is evicted',
    valueName: 'bytes',
  }),
  maxUnsentBytesPerIp: option(wholeNumber(65_536).default(DEFAULT_SERVER_OPTIONS.maxUnsentBytesPerIp), {
    description: 'unsent bytes all connections from one client IP may hold; beyond, the slowest are evicted',
    valueName: 'bytes',
  }),
  maxUnsentBytes: option(wholeNumber(65_536).default(DEFAULT_SERVER_OPTIONS.maxUnsentBytes), {
    description: 'unsent bytes all connections may hold; beyond, the slowest are evicted',
    valueName: 'bytes',
    defaultText: '1/8 of memory (or of the cgroup limit), at least 256 MiB',
  }),
  historyEvents: option(wholeNumber(1).default(DEFAULT_SERVER_OPTIONS.historyMaxEvents), { description: 'certificates kept for resuming clients', valueName: 'n' }),
  historyMinutes: option(wholeNumber(1).default(DEFAULT_SERVER_OPTIONS.historyMaxAgeMs / 60_000), {
    description: 'minutes of certificates kept for resuming clients',
    valueName: 'n',
  }),
  historyMemory: option(byteSize().default(DEFAULT_SERVER_OPTIONS.historyMaxBytes), {
    description: 'memory for certificates kept for resuming clients (bytes, or with KiB/MiB/GiB); 0 turns resume off',
    valueName: 'size',
  }),
  tlsCert: option(text().optional(), {
    description: 'PEM certificate (chain) to serve https and wss with; needs --tls-key',
    valueName: 'file',
  }),
  tlsKey: option(text().optional(), { description: 'PEM private key of --tls-cert', valueName: 'file' }),
  authTokens: option(text().optional(), {
    description: 'access token file (one token per line, or JSON [{name, token, maxConnections}]); connections then need a token; re-read on SIGHUP',
    valueName: 'file',
  }),
  dedupeWindow: option(wholeNumber(0).default(DEFAULT_SERVER_OPTIONS.dedupeWindowMs / 60_000), {
    description: 'minutes a certificate is remembered to mark its repeats in other logs (duplicate_of, dedupe subscriptions); 0 turns it off',
    valueName: 'minutes',
  }),
  dedupeMemory: option(byteSize().default(DEFAULT_SERVER_OPTIONS.dedupeMaxBytes), {
    description: 'memory of the de-duplication window (bytes, or with KiB/MiB/GiB); when full, the oldest certificates are forgotten early',
    valueName: 'size',
  }),
  nats: option(natsServers().optional(), {
    description: 'NATS server(s) for cluster mode (nats://host:port, comma-separated); without it serve runs as one process',
    valueName: 'urls',
  }),
  role: option(oneOf(CLUSTER_ROLES).default('all'), {
    description: 'cluster role: all = ingest and serve clients, ingest = follow logs only, edge = serve clients only',
    valueName: 'role',
  }),
  natsStream: option(streamName().default(DEFAULT_STREAM), { description: 'JetStream stream carrying certificates in cluster mode', valueName: 'name' }),
  natsStatusInterval: option(wholeNumber(100, 60_000).default(DEFAULT_CLUSTER_STATUS_INTERVAL_MS), {
    description: "cluster mode: how often ingesters post their per-log status to NATS KV and edges read it (an edge's /healthz, /metrics and web page show it)",
    valueName: 'ms',
  }),
});

export type ServeConfig = z.output<typeof serveConfigSchema>;

/** Every option at its default, for callers that start a server in code (demo, tests). */
export function serveDefaults(): ServeConfig {
  return serveConfigSchema.parse({});
}
