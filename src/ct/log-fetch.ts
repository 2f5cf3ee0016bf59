/**
 * HTTP for the followers of both log APIs: a GET whose failures, transport or status, become the
 * FetchErrors (with a reason and any Retry-After) that a follower counts and backs off on.
 */
import { FetchError } from './follower.js';
import { httpGet, retryAfterMs, TransportError } from './http.js';

/** Maps a non-200 status to the error the follower backs off on. */
export function httpStatusError(status: number, headers: Record<string, string | string[] | undefined>, what: string): FetchError {
  if (status === 429) return new FetchError('http_429', `${what}: HTTP 429`, retryAfterMs(headers));
  const reason = status >= 500 ? 'http_5xx' : status === 404 ? 'http_404' : 'http_4xx';
  return new FetchError(reason, `${what}: HTTP ${status}`, status === 503 ? retryAfterMs(headers) : undefined);
}

/** Runs a request, turning transport failures into FetchErrors with a reason. */
export async function fetchOrFail(url: string, timeoutMs: number, signal: AbortSignal, accept?: string, maxBytes?: number) {
  try {
    return await httpGet(url, { timeoutMs, signal, ...(accept ? { accept } : {}), ...(maxBytes ? { maxBytes } : {}) });
  } catch (err) {
    if (err instanceof TransportError) throw new FetchError(err.reason, err.message);
    throw err;
  }
}
