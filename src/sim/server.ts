/**
 * The simulator's HTTP server: routes requests to the log list, RFC 6962 logs, static-ct logs and
 * the admin API, and applies each log's request faults (delay, hang, reset, 429/5xx, truncation).
 * URL layout (all logs share one host:port):
 *   /log_list.json
 *   /logs/<slug>/ct/v1/{get-sth,get-entries,get-roots}           RFC 6962 log
 *   /submit/<slug>/ct/v1/get-roots                              static-ct submission prefix
 *   /monitor/<slug>/{checkpoint,tile/...,issuer/<hex>}          static-ct monitoring prefix
 *   /admin/{logs,faults,append}
 * No request can crash it: handler errors become 500s.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleAdmin, type AdminBackend } from './admin-api.js';
import { NO_REQUEST_FAULTS, type FaultEndpoint, type RequestFaults } from './faults.js';
import { acceptsGzip, jsonResponse, notFound, textError, type SimResponse } from './http-util.js';
import { handleRfc6962, rfc6962Endpoint } from './rfc6962-api.js';
import type { Rng } from './rng.js';
import type { SimLog } from './sim-log.js';
import { handleMonitoring, staticCtEndpoint } from './static-ct-api.js';

export interface SimServerBackend extends AdminBackend {
  logBySlug(slug: string): SimLog | undefined;
  logListJson(): unknown;
  roots(): readonly Uint8Array[];
  /** Drives fault probabilities (seeded simulators make them reproducible). */
  readonly rng: Rng;
}

/** A request bound for one log, before faults are applied. */
interface LogRoute {
  log: SimLog;
  endpoint: FaultEndpoint | undefined;
  answer: (faults: RequestFaults) => SimResponse | Promise<SimResponse>;
}

type Route = { kind: 'log'; route: LogRoute } | { kind: 'plain'; answer: () => SimResponse | Promise<SimResponse> };

export class SimServer {
  private readonly server: Server;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly backend: SimServerBackend) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => this.fail(res, err));
    });
    // Malformed HTTP from a client: answer 400 and drop that connection only.
    this.server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
  }

  /** Listens and returns the bound address. */
  async listen(host: string, port: number): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return this.server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // Hanging (fault) requests and idle keep-alive sockets would hold close() open forever.
    this.server.closeAllConnections();
    await closing;
  }

  private route(req: IncomingMessage, url: URL): Route | undefined {
    const path = url.pathname;
    if (path === '/log_list.json') return { kind: 'plain', answer: () => jsonResponse(this.backend.logListJson()) };
    const admin = /^\/admin\/(.+)$/.exec(path);
    if (admin) return { kind: 'plain', answer: () => handleAdmin(this.backend, admin[1]!, req) };

    const m = /^\/(logs|submit|monitor)\/([A-Za-z0-9._-]+)\/(.*)$/.exec(path);
    if (!m) return undefined;
    const [, prefix, slug = '', rest = ''] = m;
    const log = this.backend.logBySlug(slug);
    if (!log) return undefined;
    if (prefix === 'monitor') {
      if (log.api !== 'static-ct') return undefined;
      const wantsGzip = acceptsGzip(req);
      return { kind: 'log', route: { log, endpoint: staticCtEndpoint(rest), answer: () => handleMonitoring(log, rest, wantsGzip) } };
    }
    if ((prefix === 'logs') !== (log.api === 'rfc6962')) return undefined;
    const api = /^ct\/v1\/([a-z-]+)$/.exec(rest);
    if (!api) return undefined;
    const name = api[1]!;
    const params = url.searchParams;
    const roots = this.backend.roots();
    return { kind: 'log', route: { log, endpoint: rfc6962Endpoint(name), answer: (faults) => handleRfc6962(log, name, params, faults, roots) } };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://sim.invalid');
    } catch {
      this.send(res, textError(400, 'bad request URL'), false);
      return;
    }
    const route = this.route(req, url);
    if (!route) {
      this.send(res, notFound(), false);
      return;
    }
    if (route.kind === 'plain') {
      this.send(res, await route.answer(), false);
      return;
    }
    const { log, endpoint, answer } = route.route;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      this.send(res, textError(405, 'method not allowed'), false);
      return;
    }
    const faults = endpoint ? log.faults.forRequest(endpoint, this.backend.rng) : NO_REQUEST_FAULTS;
    if (faults.delayMs > 0) await this.sleep(faults.delayMs);
    if (this.closed || res.destroyed) return;
    switch (faults.action?.type) {
      case 'hang':
        return; // never answer; close() destroys the socket
      case 'reset':
        // RST rather than FIN: the client sees ECONNRESET, as with a crashed frontend.
        req.socket.resetAndDestroy();
        return;
      case 'status': {
        const response = textError(faults.action.status);
        if (faults.action.retryAfterSeconds !== undefined) {
          response.headers = { 'retry-after': String(faults.action.retryAfterSeconds) };
        }
        this.send(res, response, false);
        return;
      }
      default:
        break;
    }
    this.send(res, await (faults.staleHead ? log.withStaleHead(() => answer(faults)) : answer(faults)), faults.truncate);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  private send(res: ServerResponse, response: SimResponse, truncate: boolean): void {
    if (res.destroyed || res.headersSent) return;
    // A truncated answer keeps a consistent Content-Length: HTTP succeeds, the payload is cut.
    const body = truncate ? response.body.subarray(0, Math.floor(response.body.length / 2)) : response.body;
    res.statusCode = response.status;
    res.setHeader('content-type', response.contentType);
    res.setHeader('content-length', body.length);
    if (response.contentEncoding) res.setHeader('content-encoding', response.contentEncoding);
    for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
    res.end(body);
  }

  private fail(res: ServerResponse, err: unknown): void {
    if (!res.headersSent && !res.destroyed) {
      this.send(res, textError(500, `internal error: ${err instanceof Error ? err.message : String(err)}`), false);
    } else if (!res.destroyed) {
      res.destroy();
    }
  }
}
