/**
 * The server's plain HTTP endpoints: the web page, samples, health, metrics, and JSON 404s for the
 * rest. Every endpoint answers GET and HEAD; computed bodies are cached briefly, so a request flood
 * costs a lookup per request, and written with backpressure (http-response.ts).
 */
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { RoutedEvent } from '../router/routed-event.js';
import { Cached } from '../util/cached.js';
import type { Logger } from '../util/logger.js';
import { webPageAnswers } from '../web/routes.js';
import { framingProblem, HttpSender, jsonAnswer, type HttpAnswer } from './http-response.js';
import type { Metrics } from './metrics.js';

export interface HttpRouteSources {
  /** The newest `n` events, oldest first. */
  recent: (n: number) => RoutedEvent[];
  /** Messages shown by /latest.json. */
  latestCount: number;
  /** Body of /healthz. */
  health: () => object;
  metrics: Metrics;
  logger: Logger;
  sender: HttpSender;
  /** Opens an SSE/NDJSON stream when a GET / asks for one (false: serve the page). */
  rootStream?: (res: HttpResponse, req: HttpRequest) => boolean;
}

/** How long a computed body (/latest.json, /example.json, /healthz, /metrics) is served as it is. */
export const HTTP_CACHE_MS = 250;

type Answerer = (req: HttpRequest) => HttpAnswer | Promise<HttpAnswer>;

export function addHttpRoutes(app: TemplatedApp, sources: HttpRouteSources): void {
  const { sender, logger } = sources;
  const serve = (answerer: Answerer, head: boolean) => (res: HttpResponse, req: HttpRequest) => {
    const problem = framingProblem(req);
    if (problem !== null) {
      sender.refuseFraming(res, problem);
      return;
    }
    const answer = answerer(req);
    if (!(answer instanceof Promise)) {
      sender.now(res, head, answer);
      return;
    }
    const reply = sender.later(res, head);
    answer.then(reply, (err: unknown) => {
      logger.error({ err }, 'HTTP endpoint failed');
      reply(jsonAnswer('500 Internal Server Error', '{"error":"internal_error"}'));
    });
  };
  /** `first` gets a GET before the answerer and takes it over by returning true. */
  const route = (path: string, answerer: Answerer, first?: (res: HttpResponse, req: HttpRequest) => boolean): void => {
    const get = serve(answerer, false);
    app.get(path, first ? (res, req) => void (first(res, req) || get(res, req)) : get);
    app.head(path, serve(answerer, true));
  };

  const latest = new Cached(HTTP_CACHE_MS, () =>
    jsonAnswer('200 OK', `{"messages":[${sources.recent(sources.latestCount).map((e) => e.message('lite')).join(',')}]}`),
  );
  const example = new Cached(HTTP_CACHE_MS, () => {
    const [last] = sources.recent(1);
    return last
      ? jsonAnswer('200 OK', last.message('lite'))
      : jsonAnswer('503 Service Unavailable', '{"error":"no_certificate_yet","message":"no certificate seen yet"}');
  });
  const health = new Cached(HTTP_CACHE_MS, () => jsonAnswer('200 OK', JSON.stringify(sources.health())));
  const metrics = new Cached(HTTP_CACHE_MS, () =>
    sources.metrics.render().then(
      (text): HttpAnswer => ({ status: '200 OK', headers: [['content-type', sources.metrics.contentType]], body: Buffer.from(text) }),
      (err: unknown) => {
        metrics.clear();
        throw err;
      },
    ),
  );
  route('/latest.json', () => latest.get());
  route('/example.json', () => example.get());
  route('/healthz', () => health.get());
  route('/metrics', () => metrics.get());
  for (const [path, answerer] of webPageAnswers(logger)) route(path, answerer, path === '/' ? sources.rootStream : undefined);
  app.any('/*', (res, req) => {
    const method = req.getMethod();
    serve(() => jsonAnswer('404 Not Found', JSON.stringify({ error: 'not_found', message: `no such endpoint: ${method.toUpperCase()} ${req.getUrl()}` })), method === 'head')(
      res,
      req,
    );
  });
}
