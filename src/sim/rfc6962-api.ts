/**
 * RFC 6962 read endpoints of a simulated log (`<url>ct/v1/...`), answering as Trillian's CTFE
 * does: get-entries with inclusive `end`, truncated to the log's batch limit (optionally coerced to
 * aligned ranges like Let's Encrypt Oak), clipped to the published tree size, 400 on bad ranges.
 */
import type { FaultEndpoint, RequestFaults } from './faults.js';
import { jsonResponse, notFound, textError, type SimResponse } from './http-util.js';
import { getEntriesItem } from './served-entries.js';
import type { SimLog } from './sim-log.js';

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

/** Fault endpoint name of an RFC 6962 request path (after `ct/v1/`), if it is one we serve. */
export function rfc6962Endpoint(name: string): FaultEndpoint | undefined {
  return name === 'get-sth' || name === 'get-entries' || name === 'get-roots' ? name : undefined;
}

export function getSth(log: SimLog): SimResponse {
  const head = log.publishedHead;
  return jsonResponse({
    tree_size: head.treeSize,
    timestamp: head.timestamp,
    sha256_root_hash: b64(head.rootHash),
    tree_head_signature: b64(head.signature),
  });
}

export function getRoots(roots: readonly Uint8Array[]): SimResponse {
  return jsonResponse({ certificates: roots.map(b64) });
}

/** Parses a decimal query parameter the way Go's strconv.ParseInt would accept it. */
function intParam(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null || !/^[+-]?\d{1,16}$/.test(raw)) return undefined;
  return Number(raw);
}

export type GetEntriesRange = { start: number; end: number } | { error: string };

/**
 * The range a get-entries request is answered with, before clipping to the tree. Mirrors ct-go's
 * CTFE: truncate to the limit; with alignment, a maximal request is cut at the next multiple of the
 * limit so every client ends up asking for the same cacheable ranges.
 */
export function getEntriesRange(start: number, end: number, limit: number, align: boolean): GetEntriesRange {
  if (start < 0 || end < 0) return { error: `start (${start}) and end (${end}) parameters must be >= 0` };
  if (start > end) return { error: `start (${start}) and end (${end}) is not a valid range` };
  let last = end;
  if (last - start + 1 > limit) last = start + limit - 1;
  if (align && last - start + 1 === limit) last -= (last + 1) % limit;
  return { start, end: last };
}

export function getEntries(log: SimLog, params: URLSearchParams, faults: RequestFaults): SimResponse {
  const start = intParam(params, 'start');
  const end = intParam(params, 'end');
  if (start === undefined || end === undefined) return textError(400, 'bad range parameters: start and end must be integers');
  const range = getEntriesRange(start, end, log.config.batchLimit, log.config.alignGetEntries);
  if ('error' in range) return textError(400, `bad range parameters: ${range.error}`);
  const treeSize = log.publishedSize;
  if (range.start >= treeSize) {
    return textError(400, `need tree size: ${range.start + 1} to get leaves but only got: ${treeSize}`);
  }
  let last = Math.min(range.end, treeSize - 1);
  if (faults.maxEntries !== undefined) last = Math.min(last, range.start + faults.maxEntries - 1);
  const entries = [];
  for (let i = range.start; i <= last; i++) entries.push(getEntriesItem(log, i, log.faults.entryFault(i)));
  return jsonResponse({ entries });
}

/** Dispatches `ct/v1/<name>` for an RFC 6962 log (or a static-ct log's submission prefix). */
export function handleRfc6962(
  log: SimLog,
  name: string,
  params: URLSearchParams,
  faults: RequestFaults,
  roots: readonly Uint8Array[],
): SimResponse {
  // A static-ct log's submission prefix serves only the write API and get-roots.
  if (log.api === 'static-ct' && name !== 'get-roots') return notFound();
  switch (name) {
    case 'get-sth':
      return getSth(log);
    case 'get-entries':
      return getEntries(log, params, faults);
    case 'get-roots':
      return getRoots(roots);
    default:
      return notFound();
  }
}
