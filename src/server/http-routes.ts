/** The server's plain HTTP endpoints: the web page, samples, health, metrics, and JSON 404s for the rest. */
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { RoutedEvent } from '../router/routed-event.js';
import type { Logger } from '../util/logger.js';
import { addWebPage } from '../web/routes.js';
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
  /** Opens an SSE/NDJSON stream when a GET / asks for one (false: serve the page). */
  rootStream?: (res: HttpResponse, req: HttpRequest) => boolean;
}

function json(res: HttpResponse, status: string, body: string): void {
  res.cork(() => {
    res.writeStatus(status).writeHeader('content-type', 'application/json').end(body);
  });
}

export function addHttpRoutes(app: TemplatedApp, sources: HttpRouteSources): void {
  app.get('/latest.json', (res) => {
    json(res, '200 OK', `{"messages":[${sources.recent(sources.latestCount).map((e) => e.message('lite')).join(',')}]}`);
  });
  app.get('/example.json', (res) => {
    const [last] = sources.recent(1);
    if (last) json(res, '200 OK', last.message('lite'));
    else json(res, '503 Service Unavailable', '{"error":"no_certificate_yet","message":"no certificate seen yet"}');
  });
  app.get('/healthz', (res) => {
    json(res, '200 OK', JSON.stringify(sources.health()));
  });
  app.get('/metrics', (res) => {
    // This handler answers asynchronously: uWS requires onAborted, and no writes after an abort.
    let aborted = false;
    res.onAborted(() => (aborted = true));
    sources.metrics.render().then(
      (text) => {
        if (aborted) return;
        res.cork(() => res.writeHeader('content-type', sources.metrics.contentType).end(text));
      },
      (err: unknown) => {
        sources.logger.error({ err }, 'metrics failed');
        if (!aborted) json(res, '500 Internal Server Error', '{"error":"metrics_failed"}');
      },
    );
  });
  addWebPage(app, sources.logger, undefined, sources.rootStream);
  app.any('/*', (res, req) => {
    json(res, '404 Not Found', JSON.stringify({ error: 'not_found', message: `no such endpoint: ${req.getMethod().toUpperCase()} ${req.getUrl()}` }));
  });
}
