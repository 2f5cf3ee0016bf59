/**
 * Per-log ingest status shared through NATS KV, so that edges (which follow no log themselves) can
 * show it on /healthz, /metrics and the web page. Each ingester writes its own key every few
 * seconds; an edge reads them all and, per log, shows the ingester that got furthest.
 */
import type { KV } from '@nats-io/kv';
import { hostname } from 'node:os';
import type { LogStatus } from '../ingest/ingest.js';
import { parseJsonOrUndefined } from '../util/json.js';
import type { Logger } from '../util/logger.js';

const PREFIX = 'status.';
/** Reports older than this (or six intervals, if longer) come from ingesters that stopped. */
const STALE_AFTER_MS = 30_000;

interface Report {
  at: number;
  logs: LogStatus[];
}

/** A KV key for this process: host and pid, with what KV keys cannot hold replaced. */
export function ingesterKey(): string {
  return `${PREFIX}${`${hostname()}-${process.pid}`.replace(/[^-_A-Za-z0-9]/g, '_')}`;
}

/** Writes this ingester's status to the board every `everyMs` until stopped. */
export function publishStatus(kv: KV, status: () => LogStatus[], everyMs: number, logger: Logger): () => Promise<void> {
  const key = ingesterKey();
  const write = (): void => {
    const report: Report = { at: Date.now(), logs: status() };
    kv.put(key, JSON.stringify(report)).catch((err: unknown) => logger.debug({ err }, 'cannot write status to NATS KV'));
  };
  write();
  const timer = setInterval(write, everyMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await kv.delete(key).catch(() => undefined);
  };
}

/** Keeps the merged status of every live ingester, refreshed in the background. */
export class StatusBoard {
  private merged: LogStatus[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly kv: KV,
    /** The ingesters' interval too: a report older than six of them, or 30 s, is stale. */
    private readonly everyMs: number,
    private readonly logger: Logger,
  ) {}

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  current(): LogStatus[] {
    return this.merged;
  }

  private async refresh(): Promise<void> {
    const staleAfter = Math.max(STALE_AFTER_MS, 6 * this.everyMs);
    try {
      const keys: string[] = [];
      for await (const key of await this.kv.keys(`${PREFIX}>`)) keys.push(key);
      const reports: Report[] = [];
      for (const key of keys) {
        const entry = await this.kv.get(key);
        const report = entry?.operation === 'PUT' ? (parseJsonOrUndefined(entry.string()) as Report | undefined) : undefined;
        if (report && Array.isArray(report.logs) && Date.now() - report.at < staleAfter) reports.push(report);
      }
      this.merged = mergeReports(reports);
    } catch (err) {
      this.logger.debug({ err }, 'cannot read ingest status from NATS KV');
    }
  }
}

/** Per log, the status of the ingester that got furthest. */
export function mergeReports(reports: readonly Report[]): LogStatus[] {
  const best = new Map<string, LogStatus>();
  for (const report of reports) {
    for (const log of report.logs) {
      const current = best.get(log.id);
      if (!current || (log.next ?? -1) > (current.next ?? -1)) best.set(log.id, log);
    }
  }
  return [...best.values()].sort((a, b) => a.name.localeCompare(b.name));
}
