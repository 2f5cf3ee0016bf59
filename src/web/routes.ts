/**
 * The live web page at GET / (plain HTTP; WebSocket upgrades to / go to the lite channel). The
 * assets are read once at start from <package root>/src/web/: tsc does not copy them to dist/.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HttpRequest } from 'uWebSockets.js';
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
 * An HTTP answer, shaped like the server's HttpAnswer (src/server/http-response.ts; the server
 * imports this module, so not the other way round). `body` null: no body (304).
 */
export interface PageAnswer {
  readonly status: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer | null;
}

/**
 * Serves the page. Assets are not versioned in their URLs, so browsers revalidate each time
 * (no-cache) and get a 304 while the ETag matches.
 */
function answer(req: HttpRequest, asset: LoadedAsset): PageAnswer {
  const notModified = req.getHeader('if-none-match') === asset.etag;
  return {
    status: notModified ? '304 Not Modified' : '200 OK',
    headers: [
      ['content-type', asset.type],
      ['cache-control', 'no-cache'],
      ['etag', asset.etag],
      ['x-content-type-options', 'nosniff'],
      ['content-security-policy', CONTENT_SECURITY_POLICY],
    ],
    body: notModified ? null : asset.body,
  };
}

const NO_ASSETS_ANSWER: PageAnswer = {
  status: '200 OK',
  headers: [['content-type', 'text/plain; charset=utf-8']],
  body: Buffer.from('certstream-ts: open a WebSocket to / (lite), /full-stream or /domains-only\n'),
};

/**
 * The answers for GET / and the page's assets, by path. Without its assets (a package built without
 * src/web) the server still runs: / then answers a text line pointing to the WebSocket channels.
 */
export function webPageAnswers(logger: Logger, assetDir = webAssetDir): [string, (req: HttpRequest) => PageAnswer][] {
  let loaded: [string, LoadedAsset][];
  try {
    loaded = [['/', loadAsset(assetDir, PAGE_FILE)], ...PAGE_ASSETS.map((file): [string, LoadedAsset] => [`/web/${file}`, loadAsset(assetDir, file)])];
  } catch (err) {
    logger.warn({ err, dir: assetDir }, 'web page assets not found: GET / serves a text line');
    return [['/', () => NO_ASSETS_ANSWER]];
  }
  return loaded.map(([path, asset]) => [path, (req: HttpRequest) => answer(req, asset)]);
}
