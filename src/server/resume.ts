/**
 * Where a resuming client picks up: one decision shared by WebSocket subscriptions and HTTP streams,
 * so `recovered` means the same on every transport.
 */
import type { EventHistory } from '../router/history.js';

export interface ResumePoint {
  /** Newest seq the server has published (0 before the first). */
  readonly newest: number;
  /** Oldest seq the history still holds. */
  readonly oldest: number;
  /** Undefined without `since`; true when everything after it can be replayed. */
  readonly recovered: boolean | undefined;
  /** First seq to replay, or null when live delivery alone is right. */
  readonly replayFrom: number | null;
}

export function resumePoint(history: EventHistory, epoch: string, since: { seq: number; epoch: string } | undefined): ResumePoint {
  const newest = history.newestSeq ?? 0;
  const oldest = history.oldestSeq ?? newest + 1;
  // Resumable when the client's epoch is ours and history still holds everything after its seq.
  const recovered = since === undefined ? undefined : since.epoch === epoch && since.seq + 1 >= oldest && since.seq <= newest;
  const replayFrom = recovered && since && since.seq < newest ? since.seq + 1 : null;
  return { newest, oldest, recovered, replayFrom };
}
