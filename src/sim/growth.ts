/**
 * Grows the simulated logs at a total rate on a timer: each tick adds each log its weighted share
 * (fractions carry over), then publishes tree heads that are due. If generation cannot keep up, at
 * most one second of backlog is kept and the rest is counted as dropped, so a too-high rate shows
 * up in stats instead of an ever-growing burst.
 */
import type { SimLog } from './sim-log.js';

export interface GrowthOptions {
  /** Entries per second summed over all logs. */
  rate: number;
  tickMs?: number;
  now: () => number;
}

export interface GrowthStats {
  appended: number;
  dropped: number;
}

export class GrowthDriver {
  private readonly budgets: number[];
  private readonly shares: number[];
  private timer: NodeJS.Timeout | undefined;
  private lastTick = 0;
  readonly stats: GrowthStats = { appended: 0, dropped: 0 };

  constructor(
    private readonly logs: readonly SimLog[],
    /** Appends n entries to one log (the simulator's entry source decides what they are). */
    private readonly appendTo: (log: SimLog, count: number, timestamp: number) => void,
    private readonly options: GrowthOptions,
  ) {
    const total = logs.reduce((sum, l) => sum + l.config.weight, 0) || 1;
    this.shares = logs.map((l) => l.config.weight / total);
    this.budgets = logs.map(() => 0);
  }

  start(): void {
    if (this.timer || this.options.rate <= 0 || this.logs.length === 0) return;
    this.lastTick = this.options.now();
    this.timer = setInterval(() => this.tick(), this.options.tickMs ?? 50);
    this.timer.unref(); // the HTTP server keeps the process alive, not the growth timer
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One growth step; public so tests can drive growth without timers. */
  tick(): void {
    const now = this.options.now();
    const elapsedSeconds = Math.max(0, now - this.lastTick) / 1000;
    this.lastTick = now;
    for (const [i, log] of this.logs.entries()) {
      const perSecond = this.options.rate * this.shares[i]!;
      let budget = this.budgets[i]! + perSecond * elapsedSeconds;
      const cap = Math.max(1, perSecond);
      if (budget > cap) {
        this.stats.dropped += Math.floor(budget - cap);
        budget = cap;
      }
      const count = Math.floor(budget);
      this.budgets[i] = budget - count;
      if (count > 0) {
        this.appendTo(log, count, now);
        this.stats.appended += count;
      }
    }
    for (const log of this.logs) log.publishIfDue(now);
  }
}
