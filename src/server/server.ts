/**
 * The WebSocket + HTTP front: one uWebSockets.js app serving the CertStream channels, where each
 * event is published once per channel through uWS topics (never written per subscriber), plus a few
 * HTTP endpoints for health and samples.
 */
import type { HttpResponse, TemplatedApp, us_listen_socket, WebSocket } from 'uWebSockets.js';
import type { CertEvent } from '../ingest/event.js';
import type { LogStatus } from '../ingest/ingest.js';
import { silentLogger, type Logger } from '../util/logger.js';
import {
  CHANNEL_PATHS,
  CHANNELS,
  heartbeat,
  serializeDomains,
  serializeFull,
  serializeLite,
  type Channel,
} from './messages.js';
import { uws } from './uws.js';

export interface ServerOptions {
  host: string;
  port: number;
  heartbeatMs: number;
  /** Bytes buffered for a slow client before it is closed. */
  maxBackpressure: number;
  /** Seconds without traffic before a peer is dropped (uWS pings automatically before that). */
  idleTimeoutSeconds: number;
  /** Messages kept for /latest.json. */
  latestCount: number;
  logger?: Logger;
  /** Per-log ingest status for /healthz. */
  status: () => LogStatus[];
}

export const DEFAULT_SERVER_OPTIONS: Omit<ServerOptions, 'status'> = {
  host: '0.0.0.0',
  port: 8080,
  heartbeatMs: 30_000,
  maxBackpressure: 4 * 1024 * 1024,
  idleTimeoutSeconds: 60,
  latestCount: 25,
};

interface ConnectionData {
  channel: Channel;
}

export class StreamServer {
  private readonly options: ServerOptions;
  private readonly logger: Logger;
  private readonly app: TemplatedApp;
  private listenSocket: us_listen_socket | null = null;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly latest: string[] = [];
  private readonly connections: Record<Channel, number> = { full: 0, lite: 0, 'domains-only': 0 };
  private boundPort = 0;

  constructor(options: Partial<ServerOptions> & Pick<ServerOptions, 'status'>) {
    this.options = { ...DEFAULT_SERVER_OPTIONS, ...options };
    this.logger = this.options.logger ?? silentLogger;
    this.app = uws.App();
    for (const channel of CHANNELS) this.addChannel(channel);
    this.addHttpRoutes();
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
      maxPayloadLength: 64 * 1024,
      idleTimeout: this.options.idleTimeoutSeconds,
      sendPingsAutomatically: true,
      maxBackpressure: this.options.maxBackpressure,
      closeOnBackpressureLimit: 1,
      upgrade: (res, req, context) => {
        res.upgrade<ConnectionData>(
          { channel },
          req.getHeader('sec-websocket-key'),
          req.getHeader('sec-websocket-protocol'),
          req.getHeader('sec-websocket-extensions'),
          context,
        );
      },
      open: (ws: WebSocket<ConnectionData>) => {
        this.connections[channel]++;
        ws.subscribe(channel);
      },
      close: () => {
        this.connections[channel]--;
      },
    });
  }

  private addHttpRoutes(): void {
    const json = (res: HttpResponse, status: string, body: string): void => {
      res.cork(() => {
        res.writeStatus(status).writeHeader('content-type', 'application/json').end(body);
      });
    };
    this.app.get('/latest.json', (res) => {
      json(res, '200 OK', `{"messages":[${this.latest.join(',')}]}`);
    });
    this.app.get('/example.json', (res) => {
      const last = this.latest[this.latest.length - 1];
      if (last) json(res, '200 OK', last);
      else json(res, '503 Service Unavailable', '{"error":"no certificate seen yet"}');
    });
    this.app.get('/healthz', (res) => {
      json(res, '200 OK', JSON.stringify({ status: 'ok', connections: this.connections, logs: this.options.status() }));
    });
    this.app.get('/', (res) => {
      res.cork(() => {
        res
          .writeHeader('content-type', 'text/plain; charset=utf-8')
          .end('certstream-ts: open a WebSocket to / (lite), /full-stream or /domains-only\n');
      });
    });
    this.app.any('/*', (res, req) => {
      json(res, '404 Not Found', JSON.stringify({ error: 'not_found', path: req.getUrl() }));
    });
  }

  /** Publishes one event to every channel, serialized once per channel. */
  publish(event: CertEvent): void {
    const full = serializeFull(event);
    this.app.publish('full', full);
    const lite = serializeLite(event);
    this.app.publish('lite', lite);
    this.app.publish('domains-only', serializeDomains(event));
    this.latest.push(lite);
    if (this.latest.length > this.options.latestCount) this.latest.shift();
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
        this.heartbeatTimer = setInterval(() => {
          const beat = heartbeat();
          for (const channel of CHANNELS) this.app.publish(channel, beat);
        }, this.options.heartbeatMs);
        this.logger.info({ host: this.options.host, port: this.boundPort }, 'listening');
        resolve(this.boundPort);
      });
    });
  }

  close(): void {
    clearInterval(this.heartbeatTimer);
    if (this.listenSocket) uws.us_listen_socket_close(this.listenSocket);
    this.listenSocket = null;
    // close() exists natively in v20.30 (it also drops open connections) but is missing from the typings.
    (this.app as TemplatedApp & { close(): void }).close();
  }
}
