/**
 * Progress while the followed logs are far behind their heads (after a restart or an outage): on a
 * terminal one stderr line rewritten every second, otherwise a log line every 10 s, until caught up.
 */
import type { LogStatus } from '../ingest/ingest.js';
import type { Logger } from '../util/logger.js';

/** What the progress needs of each log's status. */
export type LogPosition = Pick<LogStatus, 'treeSize' | 'next' | 'entriesPerSecond'>;

export interface Backlog {
  /** Logs at least `farBehind` entries behind their head. */
  logs: number;
  /** Entries not yet read, over every log. */
  entries: number;
  /** Entries read per second, over every log. */
  entriesPerSecond: number;
}

export interface CatchUpThresholds {
  /** A log this far behind is catching up rather than between two polls of a busy log. */
  farBehind: number;
  /** Progress starts once this many entries are behind, so steady state never shows it. */
  startAt: number;
}

export const DEFAULT_THRESHOLDS: CatchUpThresholds = { farBehind: 1_000, startAt: 10_000 };

export function measureBacklog(logs: readonly LogPosition[], farBehind = DEFAULT_THRESHOLDS.farBehind): Backlog {
  const backlog: Backlog = { logs: 0, entries: 0, entriesPerSecond: 0 };
  for (const log of logs) {
    backlog.entriesPerSecond += log.entriesPerSecond;
    if (log.treeSize === null || log.next === null) continue;
    const behind = Math.max(0, log.treeSize - log.next);
    backlog.entries += behind;
    if (behind >= farBehind) backlog.logs++;
  }
  return backlog;
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US');

/** 6s, 2m 05s, 1h 02m. */
export function formatDuration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** `catching up: 3 logs, 45,120 entries behind, 8,200/s, ETA 6s` */
export function formatBacklog(backlog: Backlog): string {
  const eta = backlog.entriesPerSecond > 0 ? formatDuration(backlog.entries / backlog.entriesPerSecond) : 'unknown';
  const logs = `${backlog.logs} log${backlog.logs === 1 ? '' : 's'}`;
  return `catching up: ${logs}, ${count(backlog.entries)} entries behind, ${count(backlog.entriesPerSecond)}/s, ETA ${eta}`;
}

export type ProgressStep = 'report' | 'caught-up' | null;

/** Decides on each tick whether to show the backlog now, say it is gone, or stay quiet. */
export class CatchUpTracker {
  private catchingUp = false;
  private lastReportAt = -Infinity;

  constructor(
    private readonly reportEveryMs: number,
    private readonly thresholds: CatchUpThresholds = DEFAULT_THRESHOLDS,
  ) {}

  step(backlog: Backlog, now: number): ProgressStep {
    if (!this.catchingUp) {
      if (backlog.entries < this.thresholds.startAt || backlog.logs === 0) return null;
      this.catchingUp = true;
      this.lastReportAt = -Infinity;
    } else if (backlog.logs === 0) {
      this.catchingUp = false;
      return 'caught-up';
    }
    if (now - this.lastReportAt < this.reportEveryMs) return null;
    this.lastReportAt = now;
    return 'report';
  }
}

export interface ProgressOutput {
  status: () => readonly LogPosition[];
  logger: Logger;
  /** The terminal for the rewritten line; null logs a line every 10 s instead. */
  terminal: NodeJS.WriteStream | null;
}

const TICK_MS = 1_000;
const LOG_EVERY_MS = 10_000;

/** Starts watching the backlog; returns a function that stops (and clears the terminal line). */
export function startCatchUpProgress({ status, logger, terminal }: ProgressOutput): () => void {
  const tracker = new CatchUpTracker(terminal ? TICK_MS : LOG_EVERY_MS);
  let lineShown = false;
  const clearLine = (): void => {
    if (terminal && lineShown) terminal.write('\r\x1b[K');
    lineShown = false;
  };
  const timer = setInterval(() => {
    const backlog = measureBacklog(status());
    const step = tracker.step(backlog, Date.now());
    if (step === 'report' && terminal) {
      // Cursor back to column 0 after the text, so a log line written meanwhile overwrites it.
      terminal.write(`${formatBacklog(backlog)}\x1b[K\r`);
      lineShown = true;
    } else if (step === 'report') {
      logger.info({ logsBehind: backlog.logs, entriesBehind: backlog.entries, entriesPerSecond: Math.round(backlog.entriesPerSecond) }, formatBacklog(backlog));
    } else if (step === 'caught-up') {
      clearLine();
      logger.info({}, 'caught up with every log');
    }
  }, TICK_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    clearLine();
  };
}
