/**
 * HTTP GETs for CT logs over node's own http/https keep-alive agents: a User-Agent naming the
 * project (Skylight throttles anonymous clients), a deadline per request, gzip bodies decoded
 * (static-ct logs may send gzip unasked), and a cap on body size.
 *
 * Node's built-in client rather than undici: once used, undici (its WebAssembly HTTP parser) adds
 * ~47 MB to the process's RSS and node's own client ~8 MB (bench/RESULTS.md, "Footprint"), and a
 * CT follower needs nothing undici adds.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

const gunzipAsync = promisify(gunzip);

export const USER_AGENT = 'certstream-ts/0.1 (+https://github.com/certstream-ts/certstream-ts)';

const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Keep-alive connections per origin, closed after this long unused. */
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 16, maxFreeSockets: 16, timeout: 30_000, scheduling: 'lifo' } as const;
const agents = { 'http:': new HttpAgent(AGENT_OPTIONS), 'https:': new HttpsAgent(AGENT_OPTIONS) };

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface HttpGetOptions {
  timeoutMs: number;
  accept?: string;
  signal?: AbortSignal;
  /** Largest body accepted, before and after gzip (default 64 MiB). */
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

/** Sends the request and reads the whole body, within the size cap. */
function get(url: URL, options: HttpGetOptions, signal: AbortSignal): Promise<{ res: IncomingMessage; body: Buffer }> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const agent = agents[url.protocol as keyof typeof agents];
  if (!agent) return Promise.reject(new TransportError('network', `unsupported URL scheme ${url.protocol}`));
  return new Promise((resolve, reject) => {
    const req = send(url, {
      method: 'GET',
      agent,
      signal,
      headers: {
        'user-agent': USER_AGENT,
        'accept-encoding': 'gzip, identity',
        ...(options.accept ? { accept: options.accept } : {}),
      },
    });
    req.on('error', reject);
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      const max = options.maxBytes ?? MAX_BODY_BYTES;
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > max) {
          reject(new TransportError('too_large', `response body over ${max} bytes`));
          req.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.on('error', reject);
      res.once('end', () => resolve({ res, body: Buffer.concat(chunks, size) }));
    });
    req.end();
  });
}

export async function httpGet(url: string, options: HttpGetOptions): Promise<HttpResponse> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    const { res, body: raw } = await get(new URL(url), options, signal);
    let body = raw;
    if (res.headers['content-encoding'] === 'gzip') {
      try {
        body = await gunzipAsync(body, { maxOutputLength: options.maxBytes ?? MAX_BODY_BYTES });
      } catch (err) {
        const e = err as Error & { code?: string };
        if (e.code === 'ERR_BUFFER_TOO_LARGE') throw new TransportError('too_large', `gzip body inflates past ${options.maxBytes ?? MAX_BODY_BYTES} bytes`);
        throw new TransportError('bad_encoding', `bad gzip body: ${e.message}`);
      }
    }
    return { status: res.statusCode ?? 0, headers: res.headers, body };
  } catch (err) {
    if (err instanceof TransportError) throw err;
    if (options.signal?.aborted) throw err;
    const e = err as Error & { code?: string };
    if (timeout.aborted) throw new TransportError('timeout', `timed out after ${options.timeoutMs} ms: ${url}`);
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
