/**
 * static-ct-api monitoring endpoints of a simulated log: checkpoint, data tiles, hash tiles and
 * issuers, behaving like an object store behind a CDN. Only what a published checkpoint covers
 * exists; a partial tile exists only at a width some checkpoint had; gzip follows Accept-Encoding
 * unless the log always gzips; old partials may be deleted once their full tile exists.
 */
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { parseTileIndexPath, TILE_WIDTH } from '../ct/tile-path.js';
import type { FaultEndpoint } from './faults.js';
import { IMMUTABLE, notFound, type SimResponse } from './http-util.js';
import type { SimLog } from './sim-log.js';
import { dataTile, hashTile, TileHashes, tileWidthAt } from './tiles.js';

const gzipAsync = promisify(gzip);

/** Highest tile level served; 64 levels of 256 exceed any tree. */
const MAX_LEVEL = 63;
const TILE_PATH = /^tile\/(data|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/)*[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/;
const ISSUER_PATH = /^issuer\/([0-9a-f]{64})$/;
const TILE_CACHE_SIZE = 64;

interface LogTileState {
  hashes: TileHashes;
  /** Full data tiles, gzip-encoded (immutable once complete). */
  gzipped: Map<number, Uint8Array>;
}

const tileState = new WeakMap<SimLog, LogTileState>();

function stateOf(log: SimLog): LogTileState {
  let state = tileState.get(log);
  if (!state) {
    state = { hashes: new TileHashes(log.tree), gzipped: new Map() };
    tileState.set(log, state);
  }
  return state;
}

/** Fault endpoint name of a monitoring path, or undefined for paths that are simply 404. */
export function staticCtEndpoint(path: string): FaultEndpoint | undefined {
  if (path === 'checkpoint') return 'checkpoint';
  if (path.startsWith('tile/data/')) return 'data-tile';
  if (path.startsWith('tile/')) return 'hash-tile';
  if (path.startsWith('issuer/')) return 'issuer';
  return undefined;
}

interface TileRequest {
  level: number | 'data';
  index: number;
  /** 256 for a full tile. */
  width: number;
}

function parseTilePath(path: string): TileRequest | undefined {
  const m = TILE_PATH.exec(path);
  if (!m) return undefined;
  const [, levelText = '', indexText = '', widthText] = m;
  const width = widthText === undefined ? TILE_WIDTH : Number(widthText);
  if (widthText !== undefined && width >= TILE_WIDTH) return undefined; // .p/W is 1..255
  const level = levelText === 'data' ? 'data' : Number(levelText);
  if (level !== 'data' && level > MAX_LEVEL) return undefined;
  let index: number;
  try {
    index = parseTileIndexPath(indexText);
  } catch {
    return undefined;
  }
  return { level, index, width };
}

/** Whether the object store would hold this tile now. */
function tileExists(log: SimLog, tile: TileRequest): boolean {
  const level = tile.level === 'data' ? 0 : tile.level;
  const available = tileWidthAt(log.publishedSize, level, tile.index);
  if (tile.width === TILE_WIDTH) return available === TILE_WIDTH;
  if (available === TILE_WIDTH && log.config.deletePartialTiles) return false;
  return log.hasPartialTile(level, tile.index, tile.width);
}

async function serveDataTile(log: SimLog, tile: TileRequest, wantsGzip: boolean): Promise<SimResponse> {
  const base = { status: 200, contentType: 'application/octet-stream', headers: { 'cache-control': IMMUTABLE } };
  const gzipIt = wantsGzip || log.config.alwaysGzip;
  // Full tiles never change, so their encoding is cached, unless entry faults alter what is served.
  const cacheable = tile.width === TILE_WIDTH && gzipIt && !log.faults.hasEntryFaults;
  const state = stateOf(log);
  if (cacheable) {
    const cached = state.gzipped.get(tile.index);
    if (cached) return { ...base, body: cached, contentEncoding: 'gzip' };
  }
  const plain = dataTile(log, tile.index, tile.width);
  if (!gzipIt) return { ...base, body: plain };
  const body = new Uint8Array(await gzipAsync(plain));
  if (cacheable) {
    if (state.gzipped.size >= TILE_CACHE_SIZE) state.gzipped.delete(state.gzipped.keys().next().value!);
    state.gzipped.set(tile.index, body);
  }
  return { ...base, body, contentEncoding: 'gzip' };
}

export async function handleMonitoring(log: SimLog, path: string, wantsGzip: boolean): Promise<SimResponse> {
  if (path === 'checkpoint') {
    const note = log.publishedHead.checkpoint ?? '';
    return {
      status: 200,
      contentType: 'text/plain; charset=utf-8',
      body: Buffer.from(note, 'utf8'),
      headers: { 'cache-control': 'no-store' },
    };
  }
  const issuer = ISSUER_PATH.exec(path);
  if (issuer) {
    const der = log.issuerByFingerprint(issuer[1]!);
    if (!der) return notFound();
    return { status: 200, contentType: 'application/pkix-cert', body: der, headers: { 'cache-control': IMMUTABLE } };
  }
  const tile = parseTilePath(path);
  if (!tile || !tileExists(log, tile)) return notFound();
  if (tile.level === 'data') return serveDataTile(log, tile, wantsGzip);
  return {
    status: 200,
    contentType: 'application/octet-stream',
    body: hashTile(stateOf(log).hashes, tile.level, tile.index, tile.width),
    headers: { 'cache-control': IMMUTABLE },
  };
}
