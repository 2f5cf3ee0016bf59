/**
 * The WebSocket + HTTP front: one uWebSockets.js app (or its ws fallback, see transport/) serving the CertStream channels. Events go
 * through the Router, which publishes each message once per topic (never written per subscriber);
 * slow consumers are closed before they can grow the server's memory.
 */
import type { TemplatedApp, us_listen_socket, WebSocket } from 'uWebSockets.js';
import type { CertEvent } from '../ingest/event.js';
import { URL_SUBSCRIPTION_ID } from '../protocol/limits.js';
import { parseQueryFilters } from '../protocol/parse.js';
import { closedMessage, errorMessage } from '../protocol/replies.js';
import { CLOSE_CODES, CLOSE_REASONS } from '../protocol/server-messages.js';
import { randomBytes } from 'node:crypto';
import { FilterMatcher, InvalidFilterError } from '../router/filter-matcher.js';
import { EventHistory } from '../router/history.js';
import { Deduplicator } from '../ingest/dedupe.js';
import { ReplayScheduler } from '../router/replay.js';
import { LocalEvent } from '../router/routed-event.js';
import { Router } from '../router/router.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { ConnectionHandler, HEARTBEAT_TOPIC, type ConnectionData } from './connection.js';
import { CHANNEL_PATHS, CHANNELS, type Channel } from '../protocol/channels.js';
import { heartbeat } from '../protocol/wire.js';
import { addHttpRoutes } from './http-routes.js';
import { framingProblem, HttpSender } from './http-response.js';
import { FilterBudget } from './filter-budget.js';
import { createMetrics, type Metrics } from './metrics.js';
import { MessageRateLimiter, type RateLimitOptions } from './rate-limit.js';
import { DescriptorGuard } from './descriptor-guard.js';
import { DEFAULT_SERVER_OPTIONS } from '../config/server-defaults.js';
import type { ServerOptions } from './server-options.js';

export type { ServerOptions } from './server-options.js';
import { EVICTION_GRACE_MS, WebSocketEviction } from './ws-eviction.js';
import { announceTransport, loadTransport, type Transport } from './transport/index.js';
import { createApp } from './tls.js';
import { AccessTokens } from './access-tokens.js';
import { Admission } from './admission.js';
import type { HttpStream } from './http-stream.js';
import { StreamHub, STREAM_KEEPALIVE_MS } from './stream-hub.js';
import { addStreamRoutes } from './stream-routes.js';

/** The process's memory in bytes, for /healthz: resident set, V8 heap in use, and off-heap buffers. */
function processMemory(): { rss: number; heapUsed: number; external: number; arrayBuffers: number } {
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapUsed, external, arrayBuffers };
}

/** How often connections are checked against maxBackpressure. */
const BACKPRESSURE_SWEEP_MS = 50;
/** uWS drops a connection outright at this multiple of maxBackpressure. */
export const BACKSTOP_FACTOR = 8;


/** The port could not be bound: another process listens on it, or it is not permitted. */
export class ListenError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super(`cannot listen on ${host}:${port}: the port is in use by another process (or not permitted); choose another with --port`);
    this.name = 'ListenError';
  }
}

export class StreamServer {
  private readonly options: ServerOptions;
  private readonly logger: Logger;
  /** Native uWebSockets.js, or the ws fallback where its binary does not load. */
  private readonly transport: Transport;
  private readonly app: TemplatedApp;
  readonly router: Router;
  private readonly handler: ConnectionHandler;
  private readonly metrics: Metrics;
  private listenSocket: us_listen_socket | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  /** Seqs of different numberings (server starts, streams) must not be mixed up by resuming clients. */
  readonly epoch: string;
  private readonly history: EventHistory;
  private readonly eviction: WebSocketEviction;
  /** Marks repeats of a certificate; null when de-duplication is off. */
  private readonly dedupe: Deduplicator | null;
  /** The newest events as built, for /latest.json (kept apart so it works without a history). */
  private readonly latest: LocalEvent[] = [];
  private readonly replays: ReplayScheduler;
  private readonly filterBudget: FilterBudget;
  private readonly open = new Set<WebSocket<ConnectionData>>();
  /** SSE and NDJSON streams: connections too, counted against the same limits. */
  private readonly streams = new StreamHub();
  private readonly rateLimit: RateLimitOptions;
  private readonly http = new HttpSender();
  private readonly descriptors: DescriptorGuard;
  private closing = false;
  private readonly admission: Admission;
  private readonly onHangup = (): void => void this.reloadAccessTokens();
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
    this.transport = loadTransport();
    this.app = createApp(this.transport, this.options.tls);
    this.admission = new Admission(
      this.options,
      this.options.authTokensFile === undefined ? null : new AccessTokens(this.options.authTokensFile),
      () => this.open.size + this.streams.streams.size,
      this.logger,
    );
    this.router = new Router(
      {
        publish: (topic, message, seq) => {
          this.app.publish(topic, message);
          this.streams.publish(topic, message, seq);
        },
        subscriberCount: (topic) => this.app.numSubscribers(topic) + this.streams.subscriberCount(topic),
      },
      new FilterMatcher({ maxRegexLength: this.options.limits.maxRegexLength, backgroundBuilds: true }),
    );
    this.history = new EventHistory(
      { maxEvents: this.options.historyMaxEvents, maxAgeMs: this.options.historyMaxAgeMs, maxBytes: this.options.historyMaxBytes },
      (lastSeq, nextSeq) => {
        this.logger.warn({ lastSeq, nextSeq }, 'resume history restarted after a gap in seq: clients resuming from before it get recovered:false');
      },
    );
    this.dedupe =
      this.options.dedupeWindowMs > 0 ? new Deduplicator({ windowMs: this.options.dedupeWindowMs, maxBytes: this.options.dedupeMaxBytes }) : null;
    this.replays = new ReplayScheduler(this.options.replayBudget);
    this.filterBudget = new FilterBudget(this.options.filterBudget);
    this.handler = new ConnectionHandler(
      this.router,
      this.options.limits,
      { epoch: this.epoch, history: this.history, scheduler: this.replays },
      this.filterBudget,
    );
    this.eviction = new WebSocketEviction(this.open, this.options, this.logger);
    this.descriptors = new DescriptorGuard({ pause: () => this.pauseAccepting(), resume: () => this.resumeAccepting() }, this.logger);
    this.metrics = createMetrics({
      logs: this.options.status,
      route: this.router.stats,
      connections: () => this.connectionCounts(),
      backpressureCloses: () => this.eviction.backpressureCloses,
      budgetCuts: () => this.eviction.budgetCuts,
      unsentBytes: () => this.eviction.unsentBytes,
      descriptors: this.descriptors,
      clientErrors: () => this.handler.clientErrors,
      refusedUpgrades: () => this.admission.refused,
      rateLimitCloses: () => this.handler.rateLimitCloses,
      history: () => this.history.stats(),
      http: this.http,
      streams: () => this.streams.counts(),
      tokenConnections: () => this.admission.byToken,
      dedupe: () => this.dedupe?.stats() ?? null,
      subscriptions: () => ({
        subscriptions: [...this.open].reduce((n, ws) => n + ws.getUserData().subs.size, 0) + [...this.streams.streams].reduce((n, s) => n + s.subs.size, 0),
        topics: this.router.topicCount,
        filters: this.router.matcher.size,
      }),
      resume: () => ({
        gapMessages: this.handler.replayGaps.messages,
        lostEvents: this.handler.replayGaps.events,
        replayEventsExamined: this.replays.examinedTotal,
      }),
      filterBudgetRefusals: () => this.filterBudget.refused,
    });
    for (const channel of CHANNELS) this.addChannel(channel);
    const rootStream = addStreamRoutes(this.app, {
      router: this.router,
      hub: this.streams,
      resume: { epoch: this.epoch, history: this.history, scheduler: this.replays },
      parseUrlFilter: (query) => (query === '' ? { ok: true, message: null } : this.parseUrlFilter(query)),
      admit: (req, ip, query) => this.admission.admit(ip, req.getHeader('authorization'), query),
      opened: (stream: HttpStream) => this.admission.count(stream.ip, stream.channel, stream.token, 1),
      closed: (stream: HttpStream) => this.admission.count(stream.ip, stream.channel, stream.token, -1),
      clientError: (code) => (this.handler.clientErrors[code] = (this.handler.clientErrors[code] ?? 0) + 1),
      gapTold: (fromSeq, toSeq) => this.handler.countGap(fromSeq, toSeq),
    });
    addHttpRoutes(this.app, {
      recent: (n) => this.latest.slice(-n),
      latestCount: this.options.latestCount,
      health: () => ({
        status: 'ok',
        transport: this.transport.name,
        connections: this.admission.connections,
        history: this.history.stats(),
        dedupe: this.dedupe?.stats() ?? null,
        memory: processMemory(),
        logs: this.options.status(),
      }),
      metrics: this.metrics,
      logger: this.logger,
      sender: this.http,
      rootStream,
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
    return { ...this.admission.connections };
  }

  private addChannel(channel: Channel): void {
    this.app.ws<ConnectionData>(CHANNEL_PATHS[channel], {
      compression: this.transport.DISABLED,
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
        const framing = framingProblem(req);
        if (framing !== null) {
          this.http.refuseFraming(res, framing);
          return;
        }
        const admitted = this.admission.admit(ip, req.getHeader('authorization'), query);
        if ('code' in admitted) {
          const refusal = admitted;
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
          token: admitted.token,
          rate: new MessageRateLimiter(this.rateLimit),
          scanUnits: new Map(),
        };
        res.upgrade<ConnectionData>(data, key, protocol, extensions, context);
      },
      open: (ws) => {
        this.open.add(ws);
        this.admission.count(ws.getUserData().ip, channel, ws.getUserData().token, 1);
        this.handler.open(ws);
      },
      message: (ws, message, isBinary) => this.handler.message(ws, message, isBinary),
      drain: (ws) => this.eviction.finishEviction(ws),
      close: (ws) => {
        this.open.delete(ws);
        this.admission.count(ws.getUserData().ip, channel, ws.getUserData().token, -1);
        this.handler.close(ws);
      },
    });
  }

  /**
   * Re-reads the access token file (on SIGHUP): new connections are checked against the new
   * tokens; open ones stay. A file that cannot be read or parsed leaves the tokens as they were.
   */
  reloadAccessTokens(): boolean {
    return this.admission.reloadTokens();
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

  /** Sweeps HTTP streams and WebSocket connections for slow consumers (see WebSocketEviction). */
  private sweepBackpressure(): void {
    const now = Date.now();
    const goodbye = closedMessage(CLOSE_CODES.backpressure, CLOSE_REASONS.backpressure);
    for (const stream of this.streams.sweep(this.options.maxBackpressure, EVICTION_GRACE_MS, goodbye, now)) {
      this.logger.warn({ buffered: stream.bufferedAmount(), format: stream.format }, 'evicting a stream that cannot keep up');
      this.eviction.backpressureCloses++;
    }
    this.eviction.sweep(now);
  }

  /**
   * Listens exclusively: without LIBUS_LISTEN_EXCLUSIVE_PORT uSockets sets SO_REUSEPORT, so a second
   * server on the same port would start silently and the kernel would split connections between them.
   */
  async listen(): Promise<number> {
    const { host, port } = this.options;
    const socket = await this.bind(port);
    if (!socket) throw new ListenError(host, port);
    this.listenSocket = socket;
    // Only now: a start that fails before listening says so in one line, without the warning.
    announceTransport();
    if (this.admission.tokensOn) process.on('SIGHUP', this.onHangup);
    this.boundPort = this.transport.us_socket_local_port(socket);
    this.timers.push(
      setInterval(() => {
        const now = Date.now();
        this.app.publish(HEARTBEAT_TOPIC, heartbeat(now, this.history.newestSeq));
        this.streams.heartbeat(HEARTBEAT_TOPIC, now, this.history.newestSeq);
      }, this.options.heartbeatMs),
      setInterval(() => this.streams.keepAlive(), STREAM_KEEPALIVE_MS / 5),
      setInterval(() => this.sweepBackpressure(), BACKPRESSURE_SWEEP_MS),
    );
    this.descriptors.start();
    this.logger.info({ host, port: this.boundPort }, 'listening');
    return this.boundPort;
  }

  private bind(port: number): Promise<us_listen_socket | false> {
    // listen(host, port, options, cb) exists natively; the typings only declare listen(port, options, cb).
    const listen = this.app.listen.bind(this.app) as unknown as (host: string, port: number, options: number, cb: (socket: us_listen_socket | false) => void) => void;
    return new Promise((resolve) => listen(this.options.host, port, this.transport.LIBUS_LISTEN_EXCLUSIVE_PORT, resolve));
  }

  /** Stops accepting (out of descriptors); open connections go on. */
  private pauseAccepting(): void {
    if (this.listenSocket) this.transport.us_listen_socket_close(this.listenSocket);
    this.listenSocket = null;
  }

  private async resumeAccepting(): Promise<boolean> {
    if (this.closing) return false;
    const socket = await this.bind(this.boundPort);
    if (socket) this.listenSocket = socket;
    return socket !== false;
  }

  /**
   * Graceful stop: no new connections, every client gets a going-away close (1001), then whatever
   * has not closed within `graceMs` is dropped.
   */
  async close(graceMs = 1_000): Promise<void> {
    this.closing = true;
    this.descriptors.stop();
    for (const timer of this.timers) clearInterval(timer);
    this.timers.length = 0;
    process.off('SIGHUP', this.onHangup);
    if (this.listenSocket) this.transport.us_listen_socket_close(this.listenSocket);
    this.listenSocket = null;
    for (const ws of this.open) ws.end(CLOSE_CODES.goingAway, CLOSE_REASONS.goingAway);
    this.streams.endAll(closedMessage(CLOSE_CODES.goingAway, CLOSE_REASONS.goingAway));
    const deadline = Date.now() + graceMs;
    while (this.open.size + this.streams.streams.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    // close() exists natively in v20.30 (it also drops open connections) but is missing from the typings.
    (this.app as TemplatedApp & { close(): void }).close();
  }
}
