/** What a StreamServer is configured with; the defaults are in src/config/server-defaults.ts. */
import type { LogStatus } from '../ingest/ingest.js';
import type { ProtocolLimits } from '../protocol/limits.js';
import type { ReplayBudget } from '../router/replay.js';
import type { Logger } from '../util/logger.js';
import type { FilterBudgetOptions } from './filter-budget.js';
import type { TlsFiles } from './tls.js';

export interface ServerOptions {
  host: string;
  port: number;
  heartbeatMs: number;
  /** Bytes buffered for a slow client before it is closed with CLOSE_CODES.backpressure. */
  maxBackpressure: number;
  /** Unsent bytes all connections from one client IP may hold together; beyond, its furthest behind are evicted. */
  maxUnsentBytesPerIp: number;
  /** Unsent bytes all connections may hold together; beyond, the furthest behind are evicted. */
  maxUnsentBytes: number;
  /** Seconds without traffic before a peer is dropped (uWS pings automatically before that). */
  idleTimeoutSeconds: number;
  /** Messages shown by /latest.json. */
  latestCount: number;
  /** Recent events kept for resuming clients: at most this many... */
  historyMaxEvents: number;
  /** ...none older than this... */
  historyMaxAgeMs: number;
  /** ...and in at most this many bytes (0: no resume). */
  historyMaxBytes: number;
  /** How long a certificate's first sighting is remembered to mark its repeats (0: no de-duplication). */
  dedupeWindowMs: number;
  /** Memory bound of the de-duplication window. */
  dedupeMaxBytes: number;
  limits: ProtocolLimits;
  /** Open connections in total; beyond it upgrades get HTTP 503 too_many_connections. */
  maxConnections: number;
  /** Open connections per client IP (loopback included); beyond it HTTP 429 too_many_connections_from_ip. */
  maxConnectionsPerIp: number;
  /** Client messages per second one connection may send in the long run... */
  messagesPerSecond: number;
  /** ...and at once after a pause; messages beyond get the error rate_limited. */
  messageBurst: number;
  /** Refused messages without a pause after which the connection is closed with CLOSE_CODES.rateLimited. */
  rateLimitCloseAfter: number;
  /** What subscribes may cost: new pattern characters per second and scan regexes, per IP and in total. */
  filterBudget: FilterBudgetOptions;
  /** Work all resuming clients' replays may take together, shared fairly between client IPs. */
  replayBudget: ReplayBudget;
  logger?: Logger;
  /** Per-log ingest status for /healthz and /metrics. */
  status: () => LogStatus[];
  /**
   * Names the seq numbering resuming clients refer to. Random per start by default; a cluster edge
   * passes the one its stream is known by, so clients can resume across edges and restarts.
   */
  epoch?: string;
  /** Serve https and wss with this certificate and key instead of plain http and ws. */
  tls?: TlsFiles;
  /** Access token file: when given, connections need one of its tokens (re-read on SIGHUP). */
  authTokensFile?: string;
}
