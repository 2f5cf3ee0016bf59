/**
 * The simulator's log list in Google's v3 format (log_list.json): operators with RFC 6962 `logs`
 * (url) and `tiled_logs` (submission_url + monitoring_url), each with log_id, key, mmd, state and
 * temporal_interval, as the real list has them.
 */
import type { SimLog } from './sim-log.js';

export interface TemporalInterval {
  start_inclusive: string;
  end_exclusive: string;
}

interface LogListLogCommon {
  description: string;
  log_id: string;
  key: string;
  mmd: number;
  state: { usable: { timestamp: string } };
  temporal_interval?: TemporalInterval;
}

export interface LogListJson {
  version: string;
  log_list_timestamp: string;
  operators: {
    name: string;
    email: string[];
    logs: (LogListLogCommon & { url: string })[];
    tiled_logs: (LogListLogCommon & { submission_url: string; monitoring_url: string })[];
  }[];
}

/** RFC 3339 without milliseconds, as the real list writes timestamps. */
export function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

export function buildLogList(
  logs: readonly SimLog[],
  options: { createdAt: number; temporalIntervals: ReadonlyMap<string, TemporalInterval> },
): LogListJson {
  const operators = new Map<string, LogListJson['operators'][number]>();
  for (const log of logs) {
    let op = operators.get(log.config.operator);
    if (!op) {
      op = { name: log.config.operator, email: ['ct-sim@sim-pki.example'], logs: [], tiled_logs: [] };
      operators.set(log.config.operator, op);
    }
    const interval = options.temporalIntervals.get(log.slug);
    const common: LogListLogCommon = {
      description: log.config.description,
      log_id: b64(log.logId),
      key: b64(log.spkiDer),
      mmd: log.api === 'rfc6962' ? 86400 : 60,
      state: { usable: { timestamp: rfc3339(options.createdAt) } },
      ...(interval ? { temporal_interval: interval } : {}),
    };
    if (log.api === 'rfc6962') op.logs.push({ ...common, url: log.urls.url });
    else op.tiled_logs.push({ ...common, submission_url: log.urls.url, monitoring_url: log.urls.monitoringUrl });
  }
  return { version: '1.0', log_list_timestamp: rfc3339(options.createdAt), operators: [...operators.values()] };
}
