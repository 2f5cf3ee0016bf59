/**
 * The default of every setting, in one place: the configuration shows and validates them, and the
 * modules they tune (follower, history, dedupe window, protocol limits, budgets, cluster names) take
 * their defaults from here. Free of imports, so that loading the configuration loads nothing else,
 * and browser-safe (the client's protocol limits come from here too). The one default that depends
 * on the machine, the server's unsent-bytes budget, is computed in server-defaults.ts.
 */

const MiB = 1024 * 1024;

/** Object.freeze without its literal types: a default of 16 is a number, not the type 16. */
function frozen<T extends object>(value: T): Readonly<T> {
  return Object.freeze(value);
}

/** Google's CT log list v3. */
export const DEFAULT_LOG_LIST_URL = 'https://www.gstatic.com/ct/log_list/v3/log_list.json';

/** How a CT log is followed (src/ct/follower.ts). */
export const DEFAULT_FOLLOWER_OPTIONS = frozen({
  maxCatchUp: 100_000,
  pollIntervalMs: 2_000,
  fastPollIntervalMs: 250,
  parallelism: 4,
  requestTimeoutMs: 30_000,
  backoffBaseMs: 500,
  backoffMaxMs: 5 * 60_000,
});

/** Recent events kept for resuming clients (src/router/history.ts). */
export const DEFAULT_HISTORY_OPTIONS = frozen({ maxEvents: 200_000, maxAgeMs: 10 * 60_000, maxBytes: 256 * MiB });

/** How long and in how much memory first sightings are remembered (src/ingest/dedupe-window.ts). */
export const DEFAULT_DEDUPE_WINDOW = frozen({ windowMs: 60 * 60_000, maxBytes: 64 * MiB });

/** Per-connection limits of the client protocol (src/protocol/limits.ts). */
export const DEFAULT_PROTOCOL_LIMITS = frozen({
  maxSubscriptions: 16,
  maxKeywords: 256,
  maxRegexes: 64,
  maxRegexLength: 512,
  maxMessageBytes: 64 * 1024,
  maxKeywordLength: 253,
});

/** What subscribes may cost, per client IP and in total (src/server/filter-budget.ts). */
export const DEFAULT_FILTER_BUDGET = frozen({
  messageBytesPerSecondPerIp: 32_768,
  messageBytesBurstPerIp: 262_144,
  patternCharsPerSecond: 32_768,
  patternCharsBurst: 262_144,
  scanRegexUnitsPerIp: 256,
  scanRegexUnits: 2_048,
});

/** Work all resuming clients' replays may take together (src/router/replay.ts). */
export const DEFAULT_REPLAY_BUDGET = frozen({
  eventsPerTurn: 1_000,
  turnMs: 4,
  eventsPerSecond: 20_000,
  eventsPerSecondPerOwner: 10_000,
  maxBuffered: 1 * MiB,
});

/**
 * The default total unsent-bytes budget: an eighth of the memory this process may use (the cgroup
 * limit when lower than the machine's), at least 256 MiB.
 */
export function defaultUnsentBudget(physical: number, constrained: number | undefined): number {
  const memory = constrained !== undefined && constrained > 0 && constrained < physical ? constrained : physical;
  return Math.max(256 * MiB, Math.floor(memory / 8 / MiB) * MiB);
}

/** The StreamServer's options but the machine-dependent maxUnsentBytes (src/server/server-options.ts). */
export const FIXED_SERVER_DEFAULTS = frozen({
  host: '0.0.0.0',
  port: 8080,
  heartbeatMs: 30_000,
  maxBackpressure: 4 * MiB,
  // 16 clients at the per-connection limit: an address cannot hold more however many connections it opens.
  maxUnsentBytesPerIp: 64 * MiB,
  idleTimeoutSeconds: 60,
  latestCount: 25,
  historyMaxEvents: DEFAULT_HISTORY_OPTIONS.maxEvents,
  historyMaxAgeMs: DEFAULT_HISTORY_OPTIONS.maxAgeMs,
  historyMaxBytes: DEFAULT_HISTORY_OPTIONS.maxBytes,
  dedupeWindowMs: DEFAULT_DEDUPE_WINDOW.windowMs,
  dedupeMaxBytes: DEFAULT_DEDUPE_WINDOW.maxBytes,
  limits: DEFAULT_PROTOCOL_LIMITS,
  maxConnections: 50_000,
  // Far above what one real client needs; tests open 1,000 loopback connections (load benches opening
  // more from one IP must raise it).
  maxConnectionsPerIp: 2_000,
  messagesPerSecond: 20,
  messageBurst: 50,
  rateLimitCloseAfter: 500,
  filterBudget: DEFAULT_FILTER_BUDGET,
  replayBudget: DEFAULT_REPLAY_BUDGET,
});

/** The NATS JetStream stream a cluster uses when none is named (src/cluster/names.ts). */
export const DEFAULT_STREAM = 'CERTSTREAM';

/** What a stream name may be: NATS stream names may not contain `.`, `*`, `>` or whitespace; KV bucket names are stricter still. */
export const STREAM_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** How often, in ms, ingesters post their per-log status to NATS KV and edges read it (an edge's /healthz is this stale at most, twice over). */
export const DEFAULT_CLUSTER_STATUS_INTERVAL_MS = 5_000;

export const CLUSTER_ROLES = ['all', 'ingest', 'edge'] as const;
export type ClusterRole = (typeof CLUSTER_ROLES)[number];
