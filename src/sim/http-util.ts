/** Small HTTP helpers shared by the simulator's endpoint handlers. */
import type { IncomingMessage } from 'node:http';
import { STATUS_CODES } from 'node:http';

/** A handler's answer, sent by the server (which may still truncate it for a fault). */
export interface SimResponse {
  status: number;
  contentType: string;
  body: Uint8Array;
  /** Set when body is already gzip-encoded. */
  contentEncoding?: 'gzip';
  headers?: Record<string, string>;
}

export const IMMUTABLE = 'public, max-age=31536000, immutable';

export function jsonResponse(value: unknown, status = 200): SimResponse {
  return { status, contentType: 'application/json', body: Buffer.from(JSON.stringify(value)) };
}

/** Plain-text error in the style of Go's http.Error, which CT log frontends use. */
export function textError(status: number, message?: string): SimResponse {
  return {
    status,
    contentType: 'text/plain; charset=utf-8',
    body: Buffer.from(`${message ?? STATUS_CODES[status] ?? 'Error'}\n`),
  };
}

export const notFound = (): SimResponse => textError(404, '404 page not found');

/** Whether Accept-Encoding allows gzip (a q=0 weight refuses it). */
export function acceptsGzip(req: IncomingMessage): boolean {
  const header = req.headers['accept-encoding'];
  if (!header) return false;
  for (const part of header.split(',')) {
    const [coding = '', ...params] = part.trim().toLowerCase().split(';');
    if (coding.trim() !== 'gzip' && coding.trim() !== '*') continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

export class BodyTooLargeError extends Error {}

/** Reads a request body up to `limit` bytes. */
export async function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyTooLargeError(`request body over ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}
