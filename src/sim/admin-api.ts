/**
 * Run-time control of a simulator over HTTP (for demos, the bench and out-of-process tests):
 *   GET  /admin/logs                       log slugs, APIs, sizes and URLs
 *   GET  /admin/faults                     active faults per log
 *   POST /admin/faults  {"log": "<slug>|*", "faults": {...}}   replace a log's faults ({} clears)
 *   POST /admin/append  {"log"?: "<slug>", "count": n}         append n entries now and publish
 *   GET  /admin/timestamps?log=<slug>&start=i&end=j            the timestamps (ms) of entries [i, j),
 *                                                              as the log set them when it appended
 *                                                              each (end-to-end latency in the bench)
 */
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { setFaultsRequestSchema, type FaultSpec } from './faults.js';
import { BodyTooLargeError, jsonResponse, notFound, readBody, textError, type SimResponse } from './http-util.js';
import type { SimLog } from './sim-log.js';

export interface AdminBackend {
  readonly logs: readonly SimLog[];
  setFaults(slug: string, spec: FaultSpec): void;
  append(count: number, slug?: string): void;
}

const appendRequestSchema = z.strictObject({
  log: z.string().min(1).optional(),
  count: z.number().int().min(1).max(1_000_000),
});

/** Most timestamps one request returns. */
const MAX_TIMESTAMPS = 1_000_000;

function timestamps(backend: AdminBackend, req: IncomingMessage): SimResponse {
  const params = new URL(req.url ?? '/', 'http://sim').searchParams;
  const log = backend.logs.find((l) => l.slug === params.get('log'));
  if (!log) return textError(404, `no log ${params.get('log') ?? '(log= missing)'}`);
  const start = Number(params.get('start') ?? 0);
  const end = Math.min(Number(params.get('end') ?? log.size), log.size, start + MAX_TIMESTAMPS);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    return textError(400, 'start and end must be whole numbers with 0 <= start <= end');
  }
  return jsonResponse({ log: log.slug, start, timestamps: Array.from({ length: end - start }, (_, i) => log.timestampAt(start + i)) });
}

async function readJson(req: IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false; response: SimResponse }> {
  let body: Buffer;
  try {
    body = await readBody(req);
  } catch (err) {
    if (err instanceof BodyTooLargeError) return { ok: false, response: textError(413, err.message) };
    throw err;
  }
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) as unknown };
  } catch (err) {
    return { ok: false, response: textError(400, `body is not JSON: ${(err as Error).message}`) };
  }
}

function hasLog(backend: AdminBackend, slug: string): boolean {
  return slug === '*' || backend.logs.some((l) => l.slug === slug);
}

export async function handleAdmin(backend: AdminBackend, path: string, req: IncomingMessage): Promise<SimResponse> {
  if (path === 'logs' && req.method === 'GET') {
    return jsonResponse(
      backend.logs.map((l) => ({
        slug: l.slug,
        description: l.config.description,
        api: l.api,
        size: l.size,
        publishedSize: l.publishedSize,
        url: l.urls.url,
        monitoringUrl: l.urls.monitoringUrl,
        batchLimit: l.config.batchLimit,
      })),
    );
  }
  if (path === 'faults' && req.method === 'GET') {
    return jsonResponse(Object.fromEntries(backend.logs.map((l) => [l.slug, l.faults.describe()])));
  }
  if (path === 'faults' && req.method === 'POST') {
    const json = await readJson(req);
    if (!json.ok) return json.response;
    const parsed = setFaultsRequestSchema.safeParse(json.value);
    if (!parsed.success) return textError(400, `invalid fault request: ${z.prettifyError(parsed.error)}`);
    if (!hasLog(backend, parsed.data.log)) return textError(404, `no log ${parsed.data.log}`);
    backend.setFaults(parsed.data.log, parsed.data.faults);
    return jsonResponse({ ok: true });
  }
  if (path === 'append' && req.method === 'POST') {
    const json = await readJson(req);
    if (!json.ok) return json.response;
    const parsed = appendRequestSchema.safeParse(json.value);
    if (!parsed.success) return textError(400, `invalid append request: ${z.prettifyError(parsed.error)}`);
    if (parsed.data.log !== undefined && !hasLog(backend, parsed.data.log)) return textError(404, `no log ${parsed.data.log}`);
    backend.append(parsed.data.count, parsed.data.log === '*' ? undefined : parsed.data.log);
    return jsonResponse({ ok: true, sizes: Object.fromEntries(backend.logs.map((l) => [l.slug, l.publishedSize])) });
  }
  if (path === 'timestamps' && req.method === 'GET') return timestamps(backend, req);
  if (path === 'logs' || path === 'faults' || path === 'append' || path === 'timestamps') return textError(405, 'method not allowed');
  return notFound();
}
