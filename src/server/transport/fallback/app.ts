/**
 * The fallback transport: uWS's TemplatedApp (the part the server uses) on node:http or
 * node:https and `ws`. Routes are tried as uWS orders them for the patterns the server registers
 * (exact paths and `/*`): method handlers before `any`, exact paths before wildcards, the next one
 * when a handler calls setYield(true). WebSocket upgrades go to the app.ws() route of their path.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, ServerResponse, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { AppOptions, HttpRequest, HttpResponse, RecognizedString, TemplatedApp, us_listen_socket, WebSocketBehavior } from 'uWebSockets.js';
import { WebSocketServer } from 'ws';
import type { Transport } from '../index.js';
import { toText } from './bytes.js';
import { FallbackRequest, FallbackResponse, type Upgrader } from './http.js';
import { TopicHub } from './topics.js';
import { FallbackWebSocket } from './websocket.js';

type Handler = (res: HttpResponse, req: HttpRequest) => void | Promise<void>;

interface Route {
  /** Lower-case method, or '*' for any. */
  readonly method: string;
  readonly pattern: string;
  readonly handler: Handler;
}

interface WsRoute {
  readonly pattern: string;
  readonly behavior: WebSocketBehavior<unknown>;
  readonly server: WebSocketServer;
}

/** What listen() hands out, and us_listen_socket_close / us_socket_local_port take back. */
interface ListenToken extends us_listen_socket {
  readonly server: Server;
  readonly port: number;
}

/** Status lines for node's parse errors that are not a plain 400. */
const CLIENT_ERROR_STATUS: Readonly<Record<string, string>> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
};

/** A request node cannot parse gets the JSON error every other refusal gets, then the connection closes. */
function refuseMalformed(err: NodeJS.ErrnoException & { reason?: string }, socket: Duplex): void {
  // A response already under way on this connection cannot be followed by another head.
  const busy = (socket as Duplex & { _httpMessage?: unknown })._httpMessage;
  if (!socket.writable || err.code === 'ECONNRESET' || busy) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ error: 'bad_request', message: `malformed HTTP request: ${err.reason ?? err.code ?? 'unreadable'}` });
  const status = CLIENT_ERROR_STATUS[err.code ?? ''] ?? '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

function matches(pattern: string, path: string): boolean {
  return pattern === path || (pattern.endsWith('/*') && path.startsWith(pattern.slice(0, -1)));
}

/** uWS's order among matching routes: method handlers, then any; exact paths, then wildcards. */
function rank(route: Route): number {
  return (route.method === '*' ? 2 : 0) + (route.pattern.endsWith('*') ? 1 : 0);
}

/**
 * Unanswered requests one connection may have. node parses a whole pipelined burst at once and
 * would build every answer in that turn (2,000 x /latest.json: ~80 MB, and everyone else waits);
 * uWS disconnects such a client once its buffers fill, and so does this, after a depth no real
 * client reaches (browsers do not pipeline at all).
 */
const MAX_PIPELINED = 16;
const unanswered = new WeakMap<object, number>();

/** Counts the request against its connection; false (and the connection closed) past MAX_PIPELINED. */
function withinPipelineDepth(req: IncomingMessage, res: ServerResponse): boolean {
  const socket = req.socket;
  if (socket.destroyed) return false;
  const depth = (unanswered.get(socket) ?? 0) + 1;
  if (depth > MAX_PIPELINED) {
    socket.destroy();
    return false;
  }
  unanswered.set(socket, depth);
  res.once('close', () => unanswered.set(socket, (unanswered.get(socket) ?? 1) - 1));
  return true;
}

type AppPart = Pick<TemplatedApp, 'get' | 'head' | 'any' | 'ws' | 'listen' | 'publish' | 'numSubscribers'>;

class FallbackApp implements AppPart {
  private readonly routes: Route[] = [];
  private readonly wsRoutes: WsRoute[] = [];
  private readonly hub = new TopicHub();
  private readonly sockets = new Set<FallbackWebSocket<unknown>>();

  constructor(private readonly server: Server) {
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (withinPipelineDepth(req, res)) this.dispatch(req, res, null);
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head));
    // Accept errors (out of descriptors) must not take the process down; the server's
    // DescriptorGuard notices and stops listening.
    server.on('error', () => {});
    server.on('clientError', refuseMalformed);
  }

  private get self(): TemplatedApp {
    return this as unknown as TemplatedApp;
  }

  private add(method: string, pattern: RecognizedString, handler: Handler): TemplatedApp {
    this.routes.push({ method, pattern: toText(pattern), handler });
    this.routes.sort((a, b) => rank(a) - rank(b));
    return this.self;
  }

  get(pattern: RecognizedString, handler: Handler): TemplatedApp {
    return this.add('get', pattern, handler);
  }

  head(pattern: RecognizedString, handler: Handler): TemplatedApp {
    return this.add('head', pattern, handler);
  }

  any(pattern: RecognizedString, handler: Handler): TemplatedApp {
    return this.add('*', pattern, handler);
  }

  ws<UserData>(pattern: RecognizedString, behavior: WebSocketBehavior<UserData>): TemplatedApp {
    const server = new WebSocketServer({ noServer: true, maxPayload: behavior.maxPayloadLength ?? 16 * 1024, perMessageDeflate: false });
    this.wsRoutes.push({ pattern: toText(pattern), behavior: behavior as WebSocketBehavior<unknown>, server });
    return this.self;
  }

  publish(topic: RecognizedString, message: RecognizedString, isBinary = false): boolean {
    return this.hub.publish(toText(topic), message, isBinary);
  }

  numSubscribers(topic: RecognizedString): number {
    return this.hub.count(toText(topic));
  }

  /** Runs the matching routes in order until one does not yield; `upgrader` for upgrade requests. */
  private dispatch(incoming: IncomingMessage, res: ServerResponse, upgrader: Upgrader | null): FallbackResponse {
    const req = new FallbackRequest(incoming);
    const response = new FallbackResponse(res, upgrader);
    const method = req.getMethod();
    for (const route of this.routes) {
      if ((route.method !== method && route.method !== '*') || !matches(route.pattern, req.path)) continue;
      req.yielded = false;
      void route.handler(response as unknown as HttpResponse, req as unknown as HttpRequest);
      if (!req.yielded) return response;
    }
    response.writeStatus('404 Not Found').end();
    return response;
  }

  /**
   * An upgrade request: to its path's WebSocket route, or, on a path without one, answered like
   * any request on the same socket (node hands every Upgrade request here, not to 'request').
   */
  private upgrade(incoming: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Node takes its own listeners off an upgraded socket: a reset must not become an uncaught error.
    socket.on('error', () => {});
    const res = new ServerResponse(incoming);
    res.assignSocket(socket as never);
    res.shouldKeepAlive = false;
    res.on('finish', () => socket.end());
    const path = new FallbackRequest(incoming).path;
    const route = this.wsRoutes.find((r) => matches(r.pattern, path));
    const isWebSocket = (incoming.headers.upgrade ?? '').toLowerCase() === 'websocket';
    if (!route || !isWebSocket) {
      this.dispatch(incoming, res, null);
      return;
    }
    const upgrader: Upgrader = (userData) => {
      res.detachSocket(socket as never);
      route.server.handleUpgrade(incoming, socket, head, (client) => {
        const ws = new FallbackWebSocket(client, socket, userData, route.behavior, this.hub, incoming.socket.remoteAddress, (gone) => this.sockets.delete(gone));
        this.sockets.add(ws);
        void route.behavior.open?.(ws as never);
      });
    };
    if (!route.behavior.upgrade) {
      upgrader({});
      return;
    }
    const req = new FallbackRequest(incoming);
    void route.behavior.upgrade(new FallbackResponse(res, upgrader) as unknown as HttpResponse, req as unknown as HttpRequest, {});
  }

  /** listen(host?, port, options?, cb): binds without SO_REUSEPORT (node's only mode on Node 20). */
  listen(...args: unknown[]): TemplatedApp {
    const host = typeof args[0] === 'string' ? (args.shift() as string) : undefined;
    const port = args[0] as number;
    const cb = args[args.length - 1] as (socket: us_listen_socket | false) => void;
    const onError = (): void => {
      this.server.off('listening', onListening);
      cb(false);
    };
    const onListening = (): void => {
      this.server.off('error', onError);
      const token: ListenToken = { server: this.server, port: (this.server.address() as AddressInfo).port };
      cb(token);
    };
    this.server.once('error', onError);
    this.server.once('listening', onListening);
    this.server.listen({ host, port, exclusive: true });
    return this.self;
  }

  /** Stops listening and drops every connection (uWS's app.close()). */
  close(): void {
    this.server.close();
    this.server.closeAllConnections();
    for (const ws of this.sockets) ws.close();
    for (const route of this.wsRoutes) route.server.close();
  }
}

function sslServer(options: AppOptions): Server {
  if (options.cert_file_name === undefined || options.key_file_name === undefined) throw new Error('SSLApp needs cert_file_name and key_file_name');
  return createHttpsServer({ cert: readFileSync(toText(options.cert_file_name)), key: readFileSync(toText(options.key_file_name)) });
}

export function createFallbackTransport(): Transport {
  return {
    name: 'ws',
    App: () => new FallbackApp(createHttpServer()) as unknown as TemplatedApp,
    SSLApp: (options) => new FallbackApp(sslServer(options)) as unknown as TemplatedApp,
    us_listen_socket_close: (socket) => void (socket as ListenToken).server.close(),
    us_socket_local_port: (socket) => (socket as ListenToken).port,
    DISABLED: 0,
    LIBUS_LISTEN_EXCLUSIVE_PORT: 1,
  };
}
