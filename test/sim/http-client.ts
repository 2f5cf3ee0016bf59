/**
 * Raw HTTP GET/POST for simulator tests: no keep-alive (nothing left open after a test), no
 * automatic decompression (tests check Content-Encoding themselves), optional client timeout.
 */
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Body as received (still gzip-encoded if the server sent gzip). */
  raw: Buffer;
  /** Body decoded from gzip when Content-Encoding says so. */
  body: Buffer;
  text: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
}

export function httpRequest(url: string, options: RequestOptions = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const body = res.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, raw, body, text: body.toString('utf8') });
      });
    });
    req.on('error', reject);
    if (options.timeoutMs !== undefined) {
      req.setTimeout(options.timeoutMs, () => req.destroy(new Error('client timeout')));
    }
    req.end(options.body);
  });
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await httpRequest(url);
  if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status} ${res.text}`);
  return JSON.parse(res.text) as T;
}
