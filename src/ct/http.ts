/**
 * HTTP GETs for CT logs over undici keep-alive pools: a User-Agent naming the project (Skylight
 * throttles anonymous clients), a deadline per request, gzip bodies decoded (static-ct logs may
 * send gzip unasked; undici's request() does not decode), and a cap on body size.
 */
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';

const gunzipAsync = promisify(gunzip);

export const USER_AGENT = 'certstream-ts/0.1 (+https://github.com/certstream-ts/certstream-ts)';

const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** One agent for the process: keep-alive connection pools per origin. */
const agent = new Agent({
  connections: 16,
  keepAliveTimeout: 30_000,
  keepAliveMaxTimeout: 120_000,
  connect: { timeout: 10_000 },
});

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface HttpGetOptions {
  timeoutMs: number;
  accept?: string;
  signal?: AbortSignal;
  /** Largest body accepted (after gunzip); larger is a too_large TransportError. Default 64 MiB. */
  maxBytes?: number;
}

/** A network-level failure (reset, refused, timeout, oversize body), classified for metrics. */
export class TransportError extends Error {
  override name = 'TransportError';
  constructor(
    readonly reason: 'timeout' | 'network' | 'too_large' | 'bad_encoding',
    message: string,
  ) {
    super(message);
  }
}

async function readBody(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > maxBytes) throw new TransportError('too_large', `response body over ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

export async function httpGet(url: string, options: HttpGetOptions): Promise<HttpResponse> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    const res = await request(url, {
      method: 'GET',
      dispatcher: agent,
      signal,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      headers: {
        'user-agent': USER_AGENT,
        'accept-encoding': 'gzip, identity',
        ...(options.accept ? { accept: options.accept } : {}),
      },
    });
    const maxBytes = options.maxBytes ?? MAX_BODY_BYTES;
    let body = await readBody(res.body, maxBytes);
    if (res.headers['content-encoding'] === 'gzip') {
      try {
        body = await gunzipAsync(body, { maxOutputLength: maxBytes });
      } catch (err) {
        throw new TransportError('bad_encoding', `bad gzip body: ${(err as Error).message}`);
      }
    }
    return { status: res.statusCode, headers: res.headers, body };
  } catch (err) {
    if (err instanceof TransportError) throw err;
    if (options.signal?.aborted) throw err;
    const e = err as Error & { code?: string };
    if (timeout.aborted || e.name === 'TimeoutError' || /TIMEOUT/.test(e.code ?? '')) {
      throw new TransportError('timeout', `timed out after ${options.timeoutMs} ms: ${url}`);
    }
    throw new TransportError('network', `${e.code ?? e.name}: ${e.message}`);
  }
}

/** Seconds or HTTP-date of a Retry-After header, as ms from now (undefined when absent or bad). */
export function retryAfterMs(headers: HttpResponse['headers'], now = Date.now()): number | undefined {
  const raw = headers['retry-after'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export async function closeHttp(): Promise<void> {
  await agent.close();
}
