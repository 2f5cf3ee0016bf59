/**
 * The live web page at GET / (plain HTTP; WebSocket upgrades to / go to the lite channel). The
 * assets are read once at start from <package root>/src/web/: tsc does not copy them to dist/.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { Logger } from '../util/logger.js';

/** This module runs from <root>/dist/src/web/ (compiled) and reads from <root>/src/web/. */
export const webAssetDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src', 'web');

const PAGE_FILE = 'index.html';
/** Files served under /web/ (the page's modules and style). */
const PAGE_ASSETS = ['app.js', 'feed.js', 'stream.js', 'status.js', 'tops.js', 'style.css'];

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/**
 * Same-origin only: the page needs its own script, style and WebSocket, nothing else. connect-src
 * names ws:/wss: because older browsers do not count same-host WebSockets as 'self'.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

interface LoadedAsset {
  body: Buffer;
  type: string;
  etag: string;
}

function loadAsset(dir: string, file: string): LoadedAsset {
  const body = readFileSync(resolve(dir, file));
  const type = CONTENT_TYPES[file.slice(file.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

/**
 * Serves the page. Assets are not versioned in their URLs, so browsers revalidate each time
 * (no-cache) and get a 304 while the ETag matches.
 */
function serve(res: HttpResponse, req: HttpRequest, asset: LoadedAsset): void {
  const notModified = req.getHeader('if-none-match') === asset.etag;
  res.cork(() => {
    res.writeStatus(notModified ? '304 Not Modified' : '200 OK');
    res.writeHeader('content-type', asset.type);
    res.writeHeader('cache-control', 'no-cache');
    res.writeHeader('etag', asset.etag);
    res.writeHeader('x-content-type-options', 'nosniff');
    res.writeHeader('content-security-policy', CONTENT_SECURITY_POLICY);
    if (notModified) res.endWithoutBody();
    else res.end(asset.body);
  });
}

/**
 * Registers GET / and the page's assets. Without its assets (a package built without src/web) the
 * server still runs: / then answers a text line pointing to the WebSocket channels.
 */
export function addWebPage(
  app: TemplatedApp,
  logger: Logger,
  assetDir = webAssetDir,
  /** Gets GET / first: true when it answered (an SSE/NDJSON stream of the root channel). */
  rootFirst: (res: HttpResponse, req: HttpRequest) => boolean = () => false,
): void {
  let loaded: [string, LoadedAsset][];
  try {
    loaded = [['/', loadAsset(assetDir, PAGE_FILE)], ...PAGE_ASSETS.map((file): [string, LoadedAsset] => [`/web/${file}`, loadAsset(assetDir, file)])];
  } catch (err) {
    logger.warn({ err, dir: assetDir }, 'web page assets not found: GET / serves a text line');
    app.get('/', (res, req) => {
      if (rootFirst(res, req)) return;
      res.cork(() => {
        res.writeHeader('content-type', 'text/plain; charset=utf-8').end('certstream-ts: open a WebSocket to / (lite), /full-stream or /domains-only\n');
      });
    });
    return;
  }
  for (const [path, asset] of loaded) {
    app.get(path, (res, req) => {
      if (path === '/' && rootFirst(res, req)) return;
      serve(res, req, asset);
    });
  }
}
