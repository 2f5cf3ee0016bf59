/**
 * Google's CT log list v3 (https://www.gstatic.com/ct/log_list/v3/log_list.json): validation with
 * zod, and the choice of logs to follow (usable, qualified, and readonly until their final tree head).
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { fileProblem } from '../util/files.js';
import { httpGet } from './http.js';

const timestamped = z.object({ timestamp: z.string() });
const stateSchema = z
  .object({
    pending: timestamped,
    qualified: timestamped,
    usable: timestamped,
    readonly: timestamped.extend({
      final_tree_head: z.object({ sha256_root_hash: z.string(), tree_size: z.number().int().nonnegative() }),
    }),
    retired: timestamped,
    rejected: timestamped,
  })
  .partial();

const commonLogFields = {
  description: z.string(),
  log_id: z.string(),
  key: z.string().min(1),
  mmd: z.number().optional(),
  state: stateSchema.optional(),
  log_type: z.string().optional(),
};

const rfc6962LogSchema = z.object({ ...commonLogFields, url: z.url() });
const tiledLogSchema = z.object({ ...commonLogFields, submission_url: z.url(), monitoring_url: z.url() });

export const logListSchema = z.object({
  version: z.string().optional(),
  log_list_timestamp: z.string().optional(),
  operators: z.array(
    z.object({
      name: z.string(),
      logs: z.array(rfc6962LogSchema),
      tiled_logs: z.array(tiledLogSchema).optional(),
    }),
  ),
});

export type LogListJson = z.infer<typeof logListSchema>;

/** A log this server follows, in a shape that hides which list array it came from. */
export interface LogDescriptor {
  /** base64 log ID (SHA-256 of the key): the stable identity used for cursors and diffs. */
  id: string;
  name: string;
  operator: string;
  api: 'rfc6962' | 'static-ct';
  /** RFC 6962: the log URL; static-ct: the monitoring prefix. Always ends in "/". */
  url: string;
  /** `url` exactly as the log list spells it (CertStream's source.url); descriptors made by hand may leave it out. */
  listedUrl?: string;
  /** static-ct: checkpoint origin (submission prefix without scheme and trailing slash). */
  origin?: string;
  /** SubjectPublicKeyInfo DER of the log's key, to verify STHs and checkpoints. */
  key: Uint8Array;
  /** readonly logs: stop once this many entries were read. */
  finalTreeSize?: number;
  mmdSeconds: number;
}

export class LogListError extends Error {
  override name = 'LogListError';
}

const FOLLOWED_STATES = ['usable', 'qualified', 'readonly'] as const;

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

type AnyLog = z.infer<typeof rfc6962LogSchema> | z.infer<typeof tiledLogSchema>;

/** Whether a log is followed, by its state: see the doc comment at the top. */
function isFollowed(log: AnyLog): boolean {
  if (log.log_type !== undefined || !log.state) return false;
  return FOLLOWED_STATES.some((s) => log.state?.[s] !== undefined);
}

function describe(log: AnyLog, operator: string): LogDescriptor {
  const base = {
    id: log.log_id,
    name: log.description,
    operator,
    key: Buffer.from(log.key, 'base64'),
    mmdSeconds: log.mmd ?? 86400,
    ...(log.state?.readonly ? { finalTreeSize: log.state.readonly.final_tree_head.tree_size } : {}),
  };
  if ('monitoring_url' in log) {
    const origin = withSlash(log.submission_url).replace(/^https?:\/\//, '').replace(/\/$/, '');
    return { ...base, api: 'static-ct', url: withSlash(log.monitoring_url), listedUrl: log.monitoring_url, origin };
  }
  return { ...base, api: 'rfc6962', url: withSlash(log.url), listedUrl: log.url };
}

/** Validates a parsed log list and returns the logs to follow. */
export function selectLogs(json: unknown): LogDescriptor[] {
  const parsed = logListSchema.safeParse(json);
  if (!parsed.success) {
    throw new LogListError(`log list is not a valid v3 list: ${z.prettifyError(parsed.error)}`);
  }
  const logs: LogDescriptor[] = [];
  for (const op of parsed.data.operators) {
    for (const log of [...op.logs, ...(op.tiled_logs ?? [])]) {
      if (isFollowed(log)) logs.push(describe(log, op.name));
    }
  }
  return logs;
}

/** Whether a log list source is fetched (http or https) rather than read from a local file. */
export function isLogListUrl(source: string): boolean {
  return /^https?:\/\//.test(source);
}

/** Loads a log list from an http(s) URL or a file path and returns the logs to follow. */
export async function loadLogList(source: string): Promise<LogDescriptor[]> {
  let text: string;
  if (isLogListUrl(source)) {
    try {
      const res = await httpGet(source, { timeoutMs: 30_000 });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      text = res.body.toString('utf8');
    } catch (err) {
      throw new LogListError(`cannot read the log list ${source}: ${(err as Error).message}`);
    }
  } else {
    const file = source.replace(/^file:\/\//, '');
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new LogListError(`cannot read the log list file ${file}: ${fileProblem(err)}`);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new LogListError(`log list ${source} is not JSON: ${(err as Error).message}`);
  }
  return selectLogs(json);
}
