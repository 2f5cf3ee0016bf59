/**
 * The WebSocket + HTTP front: one uWebSockets.js app serving the CertStream channels. Events go
 * through the Router, which publishes each message once per topic (never written per subscriber);
 * slow consumers are closed before they can grow the server's memory.
 */
import type { TemplatedApp, us_listen_socket, WebSocket } from 'uWebSockets.js';
import type { CertEvent } from '../ingest/event.js';
import type { LogStatus } from '../ingest/ingest.js';
import { DEFAULT_PROTOCOL_LIMITS, URL_SUBSCRIPTION_ID, type ProtocolLimits } from '../protocol/limits.js';
import { parseQueryFilters } from '../protocol/parse.js';
import { errorMessage } from '../protocol/replies.js';
import { CLOSE_CODES, CLOSE_REASONS, type ErrorCode } from '../protocol/server-messages.js';
import { randomBytes } from 'node:crypto';
import { FilterMatcher, InvalidFilterError } from '../router/filter-matcher.js';
import { DEFAULT_HISTORY_OPTIONS, EventHistory } from '../router/history.js';
import { Deduplicator } from '../ingest/dedupe.js';
import { DEFAULT_DEDUPE_WINDOW } from '../ingest/dedupe-window.js';
import { ReplayScheduler } from '../router/replay.js';
import { LocalEvent } from '../router/routed-event.js';
import { Router } from '../router/router.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { ConnectionHandler, HEARTBEAT_TOPIC, type ConnectionData } from './connection.js';
import { CHANNEL_PATHS, CHANNELS, heartbeat, type Channel } from './messages.js';
import { addHttpRoutes } from './http-routes.js';
import { createMetrics, type Metrics } from './metrics.js';
import { MessageRateLimiter, type RateLimitOptions } from './rate-limit.js';
import { uws } from './uws.js';

export interface ServerOptions {
  host: string;
  port: number;
  heartbeatMs: number;
  /** Bytes buffered for a slow client before it is closed with CLOSE_CODES.backpressure. */
  maxBackpressure: number;
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
  logger?: Logger;
  /** Per-log ingest status for /healthz and /metrics. */
  status: () => LogStatus[];
  /**
   * Names the seq numbering resuming clients refer to. Random per start by default; a cluster edge
   * passes the one its stream is known by, so clients can resume across edges and restarts.
   */
  epoch?: string;
}

export const DEFAULT_SERVER_OPTIONS: Omit<ServerOptions, 'status'> = {
  host: '0.0.0.0',
  port: 8080,
  heartbeatMs: 30_000,
  maxBackpressure: 4 * 1024 * 1024,
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
};

/** How often connections are checked against maxBackpressure. */
const BACKPRESSURE_SWEEP_MS = 50;
/** uWS drops a connection outright at this multiple of maxBackpressure. */
export const BACKSTOP_FACTOR = 8;
/** How long an evicted slow client has to drain its buffer before the socket is dropped. */
const EVICTION_GRACE_MS = 30_000;

export class StreamServer {
  private readonly options: ServerOptions;
  private readonly logger: Logger;
  private readonly app: TemplatedApp;
  readonly router: Router;
  private readonly handler: ConnectionHandler;
  private readonly metrics: Metrics;
  private listenSocket: us_listen_socket | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  /** Seqs of different numberings (server starts, streams) must not be mixed up by resuming clients. */
  readonly epoch: string;
  private readonly history: EventHistory;
  /** Marks repeats of a certificate; null when de-duplication is off. */
  private readonly dedupe: Deduplicator | null;
  /** The newest events as built, for /latest.json (kept apart so it works without a history). */
  private readonly latest: LocalEvent[] = [];
  private readonly replays = new ReplayScheduler();
  private readonly open = new Set<WebSocket<ConnectionData>>();
  private readonly connections: Record<Channel, number> = { full: 0, lite: 0, 'domains-only': 0 };
  private backpressureCloses = 0;
  /** Open connections per peer IP, for maxConnectionsPerIp. */
  private readonly connectionsByIp = new Map<string, number>();
  /** Upgrades refused by a connection limit, per error code. */
  private readonly refusedUpgrades: Record<string, number> = {};
  private readonly rateLimit: RateLimitOptions;
  private boundPort = 0;

  constructor(options: Partial<ServerOptions> & Pick<ServerOptions, 'status'>) {
    this.options = { ...DEFAULT_SERVER_OPTIONS, ...options };
    this.logger = this.options.logger ?? silentLogger;
    this.epoch = this.options.epoch ?? randomBytes(8).toString('hex');
    this.rateLimit = {
      perSecond: this.options.messagesPerSecond,
      burst: this.options.messageBurst,
      closeAfter: this.options.rateLimitCloseAfter,
    };
    this.app = uws.App();
    this.router = new Router(
      {
        publish: (topic, message) => void this.app.publish(topic, message),
        subscriberCount: (topic) => this.app.numSubscribers(topic),
      },
      new FilterMatcher({ maxRegexLength: this.options.limits.maxRegexLength }),
    );
    this.history = new EventHistory(
      { maxEvents: this.options.historyMaxEvents, maxAgeMs: this.options.historyMaxAgeMs, maxBytes: this.options.historyMaxBytes },
      (from, to) => this.logger.warn({ from, to }, 'resume history started over: seq did not follow on'),
    );
    this.dedupe =
      this.options.dedupeWindowMs > 0 ? new Deduplicator({ windowMs: this.options.dedupeWindowMs, maxBytes: this.options.dedupeMaxBytes }) : null;
    this.handler = new ConnectionHandler(this.router, this.options.limits, {
      epoch: this.epoch,
      history: this.history,
      scheduler: this.replays,
    });
    this.metrics = createMetrics({
      logs: this.options.status,
      route: this.router.stats,
      connections: () => this.connectionCounts(),
      backpressureCloses: () => this.backpressureCloses,
      clientErrors: () => this.handler.clientErrors,
      refusedUpgrades: () => this.refusedUpgrades,
      rateLimitCloses: () => this.handler.rateLimitCloses,
      history: () => this.history.stats(),
      dedupe: () => this.dedupe?.stats() ?? null,
      subscriptions: () => ({
        subscriptions: [...this.open].reduce((n, ws) => n + ws.getUserData().subs.size, 0),
        topics: this.router.topicCount,
        filters: this.router.matcher.size,
      }),
    });
    for (const channel of CHANNELS) this.addChannel(channel);
    addHttpRoutes(this.app, {
      recent: (n) => this.latest.slice(-n),
      latestCount: this.options.latestCount,
      health: () => ({
        status: 'ok',
        connections: this.connections,
        history: this.history.stats(),
        dedupe: this.dedupe?.stats() ?? null,
        logs: this.options.status(),
      }),
      metrics: this.metrics,
      logger: this.logger,
    });
  }

  /** Events the resume history can hold. */
  get historyCapacity(): number {
    return this.options.historyMaxEvents;
  }

  get port(): number {
    return this.boundPort;
  }

  connectionCounts(): Record<Channel, number> {
    return { ...this.connections };
  }

  private addChannel(channel: Channel): void {
    this.app.ws<ConnectionData>(CHANNEL_PATHS[channel], {
      compression: uws.DISABLED,
      // Above the protocol limit, so oversized messages get a message_too_large reply; uWS drops
      // the connection (no close frame) only for frames beyond this.
      maxPayloadLength: 4 * this.options.limits.maxMessageBytes,
      idleTimeout: this.options.idleTimeoutSeconds,
      sendPingsAutomatically: true,
      // uWS's own limit is a hard backstop for bursts between two sweeps: past it uWS drops the
      // socket at once (no close frame). The sweep normally evicts long before, with our close code.
      maxBackpressure: BACKSTOP_FACTOR * this.options.maxBackpressure,
      closeOnBackpressureLimit: 1,
      upgrade: (res, req, context) => {
        // Request data is only valid inside this handler: read everything now.
        const query = req.getQuery() ?? '';
        const key = req.getHeader('sec-websocket-key');
        const protocol = req.getHeader('sec-websocket-protocol');
        const extensions = req.getHeader('sec-websocket-extensions');
        const ip = Buffer.from(res.getRemoteAddressAsText()).toString('utf8');
        const refusal = this.connectionLimitHit(ip);
        if (refusal) {
          this.refusedUpgrades[refusal.code] = (this.refusedUpgrades[refusal.code] ?? 0) + 1;
          res.cork(() => {
            res.writeStatus(refusal.status).writeHeader('content-type', 'application/json').end(errorMessage(refusal.code, refusal.message));
          });
          return;
        }
        const parsed = query === '' ? { ok: true as const, message: null } : this.parseUrlFilter(query);
        if (!parsed.ok) {
          this.handler.clientErrors[parsed.error.code] = (this.handler.clientErrors[parsed.error.code] ?? 0) + 1;
          res.cork(() => {
            res
              .writeStatus('400 Bad Request')
              .writeHeader('content-type', 'application/json')
              .end(errorMessage(parsed.error.code, parsed.error.message, parsed.error.id));
          });
          return;
        }
        const urlFilter = parsed.message;
        const data: ConnectionData = {
          channel,
          subs: new Map(),
          urlFilter,
          filtered: false,
          evictedAt: null,
          replays: new Map(),
          ip,
          rate: new MessageRateLimiter(this.rateLimit),
        };
        res.upgrade<ConnectionData>(data, key, protocol, extensions, context);
      },
      open: (ws) => {
        this.connections[channel]++;
        this.open.add(ws);
        const ip = ws.getUserData().ip;
        this.connectionsByIp.set(ip, (this.connectionsByIp.get(ip) ?? 0) + 1);
        this.handler.open(ws);
      },
      message: (ws, message, isBinary) => this.handler.message(ws, message, isBinary),
      drain: (ws) => this.finishEviction(ws),
      close: (ws) => {
        this.connections[channel]--;
        this.open.delete(ws);
        const ip = ws.getUserData().ip;
        const left = (this.connectionsByIp.get(ip) ?? 1) - 1;
        if (left > 0) this.connectionsByIp.set(ip, left);
        else this.connectionsByIp.delete(ip);
        this.handler.close(ws);
      },
    });
  }

  /** Why a new connection from `ip` must be refused, or null when it may open. */
  private connectionLimitHit(ip: string): { status: string; code: ErrorCode; message: string } | null {
    if (this.open.size >= this.options.maxConnections) {
      return { status: '503 Service Unavailable', code: 'too_many_connections', message: `the server is at its limit of ${this.options.maxConnections} connections` };
    }
    if ((this.connectionsByIp.get(ip) ?? 0) >= this.options.maxConnectionsPerIp) {
      return {
        status: '429 Too Many Requests',
        code: 'too_many_connections_from_ip',
        message: `at most ${this.options.maxConnectionsPerIp} connections per client IP`,
      };
    }
    return null;
  }

  /** URL query filters, with their regexes compiled now so a bad one refuses the upgrade. */
  private parseUrlFilter(query: string): ReturnType<typeof parseQueryFilters> {
    const parsed = parseQueryFilters(query, this.options.limits);
    if (!parsed.ok || !parsed.message) return parsed;
    try {
      FilterMatcher.canonicalKey(parsed.message);
    } catch (err) {
      if (!(err instanceof InvalidFilterError)) throw err;
      return { ok: false, error: { code: err.code, message: err.message, id: URL_SUBSCRIPTION_ID } };
    }
    return parsed;
  }

  /**
   * Routes one event to every channel and matching subscription and keeps it for resuming clients.
   * `receivedAtMs` dates it for the history's age bound (a cluster edge passes the stream's time).
   */
  publish(event: CertEvent, receivedAtMs = Date.now()): void {
    // Decided before anything keeps the event, so the history replays the same decision.
    this.dedupe?.mark(event, receivedAtMs);
    this.history.push(event, receivedAtMs);
    const routed = new LocalEvent(event);
    this.latest.push(routed);
    if (this.latest.length > this.options.latestCount) this.latest.shift();
    this.router.publish(routed);
  }

  /**
   * Evicts connections whose unsent data passed maxBackpressure: the client cannot keep up. It gets
   * nothing more, and once what is already buffered has drained it is closed with the backpressure
   * code (a close frame queued behind megabytes of data would be lost when the socket is torn down);
   * a peer that never drains is dropped after EVICTION_GRACE_MS.
   */
  private sweepBackpressure(): void {
    const now = Date.now();
    for (const ws of this.open) {
      const data = ws.getUserData();
      if (data.evictedAt !== null) {
        if (now - data.evictedAt > EVICTION_GRACE_MS) ws.close();
        else this.finishEviction(ws);
      } else if (ws.getBufferedAmount() > this.options.maxBackpressure) {
        this.logger.warn({ buffered: ws.getBufferedAmount() }, 'evicting a client that cannot keep up');
        data.evictedAt = now;
        this.backpressureCloses++;
        for (const topic of ws.getTopics()) ws.unsubscribe(topic);
      }
    }
  }

  private finishEviction(ws: WebSocket<ConnectionData>): void {
    if (ws.getUserData().evictedAt !== null && ws.getBufferedAmount() === 0) {
      ws.end(CLOSE_CODES.backpressure, CLOSE_REASONS.backpressure);
    }
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.app.listen(this.options.host, this.options.port, (socket) => {
        if (!socket) {
          reject(new Error(`cannot listen on ${this.options.host}:${this.options.port}`));
          return;
        }
        this.listenSocket = socket;
        this.boundPort = uws.us_socket_local_port(socket);
        this.timers.push(
          setInterval(() => {
            this.app.publish(HEARTBEAT_TOPIC, heartbeat(Date.now(), this.history.newestSeq));
          }, this.options.heartbeatMs),
          setInterval(() => this.sweepBackpressure(), BACKPRESSURE_SWEEP_MS),
        );
        this.logger.info({ host: this.options.host, port: this.boundPort }, 'listening');
        resolve(this.boundPort);
      });
    });
  }

  /**
   * Graceful stop: no new connections, every client gets a going-away close (1001), then whatever
   * has not closed within `graceMs` is dropped.
   */
  async close(graceMs = 1_000): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.length = 0;
    if (this.listenSocket) uws.us_listen_socket_close(this.listenSocket);
    this.listenSocket = null;
    for (const ws of this.open) ws.end(CLOSE_CODES.goingAway, CLOSE_REASONS.goingAway);
    const deadline = Date.now() + graceMs;
    while (this.open.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    // close() exists natively in v20.30 (it also drops open connections) but is missing from the typings.
    (this.app as TemplatedApp & { close(): void }).close();
  }
}
