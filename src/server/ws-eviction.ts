/**
 * Slow WebSocket consumers. A connection whose unsent data passed maxBackpressure cannot keep up: it
 * gets nothing more, and once what is already buffered has drained it is closed with the
 * backpressure code (a close frame queued behind megabytes of data would be lost when the socket is
 * torn down); a peer that never drains is dropped after EVICTION_GRACE_MS. Then the unsent budgets
 * (per IP, total): connections already evicted are dropped at once to free their buffers, and the
 * connections furthest behind are evicted, until both hold.
 */
import type { WebSocket } from 'uWebSockets.js';
import { CLOSE_CODES, CLOSE_REASONS } from '../protocol/server-messages.js';
import type { Logger } from '../util/logger.js';
import type { ConnectionData } from './connection.js';
import { overBudget, type UnsentHolder } from './unsent-budget.js';

/** How long an evicted slow client has to drain its buffer before the socket is dropped. */
export const EVICTION_GRACE_MS = 30_000;

export interface EvictionLimits {
  maxBackpressure: number;
  maxUnsentBytesPerIp: number;
  maxUnsentBytes: number;
}

export class WebSocketEviction {
  /** Connections (and HTTP streams, counted by the server) evicted for falling behind. */
  backpressureCloses = 0;
  readonly budgetCuts = { ip: 0, total: 0 };
  /** Unsent bytes of every connection at the last sweep. */
  unsentBytes = 0;

  constructor(
    private readonly open: ReadonlySet<WebSocket<ConnectionData>>,
    private readonly limits: EvictionLimits,
    private readonly logger: Logger,
  ) {}

  sweep(now: number): void {
    let total = 0;
    for (const ws of this.open) {
      const data = ws.getUserData();
      const buffered = ws.getBufferedAmount();
      total += buffered;
      if (data.evictedAt !== null) {
        if (now - data.evictedAt > EVICTION_GRACE_MS) ws.close();
        else this.finishEviction(ws);
      } else if (buffered > this.limits.maxBackpressure) {
        this.logger.warn({ buffered }, 'evicting a client that cannot keep up');
        this.backpressureCloses++;
        this.evict(ws, now);
      }
    }
    this.unsentBytes = total;
    // No IP can be over its budget while all of them together are within it: the usual case, no work.
    if (total > Math.min(this.limits.maxUnsentBytesPerIp, this.limits.maxUnsentBytes)) this.enforceUnsentBudgets(now);
  }

  private enforceUnsentBudgets(now: number): void {
    const holders: (UnsentHolder & { ws: WebSocket<ConnectionData> })[] = [];
    for (const ws of this.open) {
      const buffered = ws.getBufferedAmount();
      if (buffered > 0) holders.push({ ws, ip: ws.getUserData().ip, buffered });
    }
    const cuts = overBudget(holders, { perIp: this.limits.maxUnsentBytesPerIp, total: this.limits.maxUnsentBytes });
    for (const { holder, scope } of cuts) {
      this.budgetCuts[scope]++;
      if (holder.ws.getUserData().evictedAt !== null) {
        holder.ws.close();
      } else {
        this.logger.warn({ buffered: holder.buffered, ip: holder.ip, scope }, 'evicting a client: unsent bytes over budget');
        this.evict(holder.ws, now);
      }
    }
  }

  private evict(ws: WebSocket<ConnectionData>, now: number): void {
    ws.getUserData().evictedAt = now;
    for (const topic of ws.getTopics()) ws.unsubscribe(topic);
  }

  /** Closes an evicted connection once its buffer has drained (uWS drain events and the sweep). */
  finishEviction(ws: WebSocket<ConnectionData>): void {
    if (ws.getUserData().evictedAt !== null && ws.getBufferedAmount() === 0) {
      ws.end(CLOSE_CODES.backpressure, CLOSE_REASONS.backpressure);
    }
  }
}
