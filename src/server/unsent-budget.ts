/**
 * Budgets for bytes queued to clients but not yet sent. Each connection is bounded by
 * maxBackpressure; these bound what many slow connections add up to, per client IP and in total,
 * so that neither one address nor many can take the server's memory with clients that never read.
 */

/** A connection holding unsent bytes. */
export interface UnsentHolder {
  readonly ip: string;
  readonly buffered: number;
}

export interface UnsentBudgets {
  /** Unsent bytes all connections from one IP may hold together. */
  readonly perIp: number;
  /** Unsent bytes all connections may hold together. */
  readonly total: number;
}

export interface BudgetCut<T> {
  readonly holder: T;
  readonly scope: 'ip' | 'total';
}

/**
 * The connections to cut so that every IP and the total are back within budget: the largest
 * holders first (the clients furthest behind), as few as possible.
 */
export function overBudget<T extends UnsentHolder>(holders: readonly T[], budgets: UnsentBudgets): BudgetCut<T>[] {
  const cuts: BudgetCut<T>[] = [];
  const byIp = new Map<string, T[]>();
  for (const h of holders) {
    const list = byIp.get(h.ip);
    if (list) list.push(h);
    else byIp.set(h.ip, [h]);
  }
  const kept: T[] = [];
  for (const list of byIp.values()) {
    let sum = list.reduce((n, h) => n + h.buffered, 0);
    list.sort(largestFirst);
    for (const h of list) {
      if (sum > budgets.perIp) {
        cuts.push({ holder: h, scope: 'ip' });
        sum -= h.buffered;
      } else {
        kept.push(h);
      }
    }
  }
  let total = kept.reduce((n, h) => n + h.buffered, 0);
  kept.sort(largestFirst);
  for (const h of kept) {
    if (total <= budgets.total) break;
    cuts.push({ holder: h, scope: 'total' });
    total -= h.buffered;
  }
  return cuts;
}

const largestFirst = (a: UnsentHolder, b: UnsentHolder): number => b.buffered - a.buffered;
