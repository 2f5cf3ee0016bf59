/**
 * Admission control for client messages, by what they cost the server rather than by message count
 * (the per-connection rate limit), per client IP and in total:
 * - bytes: a token bucket per IP for the bytes of its client messages, checked before a message is
 *   even parsed (all work on a message, parsing, costing and indexing its filter, is at most linear
 *   in its size); and one for the server for the pattern characters new to the matcher (index build
 *   work, ~1 µs per character, spread over background slices), so reconnecting clients with
 *   filters the server already holds never hit the server-wide bucket;
 * - scan regexes (regexes without usable literals, tried on every domain of every certificate):
 *   cost units held at once per IP and in total (scanRegexUnits in src/router/filter-matcher.ts).
 */
import { DEFAULT_FILTER_BUDGET } from '../config/defaults.js';
import type { FilterCost } from '../router/filter-matcher.js';

export interface FilterBudgetOptions {
  /** Bytes of client messages one client IP may send per second in the long run... */
  readonly messageBytesPerSecondPerIp: number;
  /** ...and at once. */
  readonly messageBytesBurstPerIp: number;
  /** New pattern characters all clients together may add per second... */
  readonly patternCharsPerSecond: number;
  /** ...and at once. */
  readonly patternCharsBurst: number;
  /** Scan-regex cost units one client IP may hold at once... */
  readonly scanRegexUnitsPerIp: number;
  /** ...and all clients together (distinct regexes). */
  readonly scanRegexUnits: number;
}

/** Why a subscribe is refused, with the error code to send; null when it may go ahead. */
export type BudgetVerdict = { code: 'rate_limited' | 'too_many_scan_regexes'; message: string } | null;

/** Per-IP buckets are swept of full (idle) entries once there are this many. */
const SWEEP_AT = 4096;

class Bucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.at = now;
  }

  level(now: number): number {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1000) * this.perSecond);
    this.at = now;
    return this.tokens;
  }

  /** Whether `cost` fits now (a full bucket admits anything, so a cost above the burst still passes). */
  fits(cost: number, now: number): boolean {
    const level = this.level(now);
    return cost <= level || level >= this.burst;
  }

  take(cost: number): void {
    this.tokens -= cost;
  }

  full(now: number): boolean {
    return this.level(now) >= this.burst;
  }
}

export class FilterBudget {
  private readonly total: Bucket;
  private readonly byIp = new Map<string, Bucket>();
  private readonly scanUnitsByIp = new Map<string, number>();
  /** Subscribes refused, per reason (for metrics). */
  readonly refused = { ip_bytes: 0, build_work: 0, scan_regexes: 0 };

  constructor(
    private readonly options: FilterBudgetOptions = DEFAULT_FILTER_BUDGET,
    now = Date.now(),
  ) {
    this.total = new Bucket(options.patternCharsPerSecond, options.patternCharsBurst, now);
  }

  /** First check, before parsing: a client message of `bytes` bytes from `ip`. */
  admitBytes(ip: string, bytes: number, now = Date.now()): BudgetVerdict {
    const bucket = this.bucketOf(ip, now);
    if (!bucket.fits(bytes, now)) {
      this.refused.ip_bytes++;
      return { code: 'rate_limited', message: `too many bytes of messages from this client IP (${this.options.messageBytesPerSecondPerIp} per second): slow down` };
    }
    bucket.take(bytes);
    return null;
  }

  /**
   * Check of a parsed subscribe costing `cost`, replacing a subscription
   * that held `replacedScanUnits`, while the matcher holds `heldScanUnits` in total. When admitted,
   * the new characters are taken from the server's bucket; the caller then moves the IP's scan
   * units with hold().
   */
  admitCost(ip: string, cost: FilterCost, replacedScanUnits: number, heldScanUnits: number, now = Date.now()): BudgetVerdict {
    const o = this.options;
    const ipUnits = (this.scanUnitsByIp.get(ip) ?? 0) - replacedScanUnits + cost.scanUnits;
    if (cost.scanUnits > replacedScanUnits && ipUnits > o.scanRegexUnitsPerIp) {
      this.refused.scan_regexes++;
      return {
        code: 'too_many_scan_regexes',
        message: `regexes without a literal of 3 or more characters would exceed ${o.scanRegexUnitsPerIp} cost units for this client IP`,
      };
    }
    if (cost.newScanUnits > 0 && heldScanUnits + cost.newScanUnits > o.scanRegexUnits) {
      this.refused.scan_regexes++;
      return {
        code: 'too_many_scan_regexes',
        message: `the server holds its limit of ${o.scanRegexUnits} cost units of regexes without a literal of 3 or more characters`,
      };
    }
    if (cost.newPatternChars > 0) {
      if (!this.total.fits(cost.newPatternChars, now)) {
        this.refused.build_work++;
        return { code: 'rate_limited', message: 'the server is busy indexing new filters: try again in a second' };
      }
      this.total.take(cost.newPatternChars);
    }
    return null;
  }

  /** Adds `delta` (negative for subscriptions that ended) to the scan units `ip` holds. */
  hold(ip: string, delta: number): void {
    if (delta === 0) return;
    const units = (this.scanUnitsByIp.get(ip) ?? 0) + delta;
    if (units > 0) this.scanUnitsByIp.set(ip, units);
    else this.scanUnitsByIp.delete(ip);
  }

  private bucketOf(ip: string, now: number): Bucket {
    let bucket = this.byIp.get(ip);
    if (bucket === undefined) {
      if (this.byIp.size >= SWEEP_AT) for (const [key, b] of this.byIp) if (b.full(now)) this.byIp.delete(key);
      bucket = new Bucket(this.options.messageBytesPerSecondPerIp, this.options.messageBytesBurstPerIp, now);
      this.byIp.set(ip, bucket);
    }
    return bucket;
  }
}
