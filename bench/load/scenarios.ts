/**
 * Named load scenarios and the clients they open: how many, on which channel, with which mix of
 * filters (none, one shared keyword, a distinct keyword each, a regex, or an idle keyword that
 * never matches).
 */
import { COMMON_WORDS } from '../../src/sim/words.js';
import type { ClientSpec, ClientTransport } from './client-worker.js';

export type FilterKind = 'none' | 'shared' | 'distinct' | 'regex' | 'idle';
export type ChannelName = 'lite' | 'full' | 'domains-only';

export interface Scenario {
  /** Entries per second, summed over the simulated logs. */
  rate: number;
  clients: number;
  channel: ChannelName;
  /** Share of the clients per filter kind; the shares are normalized. */
  mix: Partial<Record<FilterKind, number>>;
  warmupSeconds: number;
  durationSeconds: number;
  workers: number;
  /** The client implementation (bench/load/client-worker.ts); `ws` when absent. */
  client?: ClientTransport;
  /** Raise the rate from `rate` by 1.5× per step until a step fails (bench/load/ramp.ts). */
  ramp?: boolean;
  /** Abusive clients run beside the measured ones (flooders, never-readers, garbage senders). */
  abuse?: boolean;
  /** The servers to run when --servers is not given (default ours,baseline). */
  servers?: string;
}

/**
 * Side by side with certstream-server-go (unfiltered: it has no filters). It reads a log only once
 * 100 entries are new and first streams ~10 s after start, hence the longer warm-up.
 */
const PEER = { mix: { none: 1 }, warmupSeconds: 20, durationSeconds: 30, servers: 'ours,go' } as const;

export const SCENARIOS: Record<string, Scenario> = {
  /** The default: both servers in well under 2 minutes on 2 cores. */
  quick: { rate: 300, clients: 200, channel: 'lite', mix: { none: 0.5, shared: 0.2, distinct: 0.2, regex: 0.1 }, warmupSeconds: 5, durationSeconds: 20, workers: 2 },
  'idle-10k': { rate: 200, clients: 10_000, channel: 'lite', mix: { idle: 1 }, warmupSeconds: 10, durationSeconds: 30, workers: 2 },
  '1k-at-2k': { rate: 2000, clients: 1000, channel: 'lite', mix: { none: 1 }, warmupSeconds: 10, durationSeconds: 30, workers: 2, client: 'lean' },
  /** The target: 1,000 unfiltered domains-only subscribers at 1,000 entries/s (1 M messages/s), p99 < 100 ms, no loss. */
  '1k-domains-at-1k': { rate: 1000, clients: 1000, channel: 'domains-only', mix: { none: 1 }, warmupSeconds: 10, durationSeconds: 30, workers: 2, client: 'lean' },
  /** The highest entry rate with p99 under 1 s and no falling behind, from 250/s up. */
  ramp: { rate: 250, clients: 100, channel: 'lite', mix: { none: 0.5, shared: 0.2, distinct: 0.2, regex: 0.1 }, warmupSeconds: 3, durationSeconds: 10, workers: 2, ramp: true },
  'distinct-10k': { rate: 500, clients: 10_000, channel: 'lite', mix: { distinct: 1 }, warmupSeconds: 10, durationSeconds: 30, workers: 2 },
  'peer-1': { ...PEER, rate: 100, clients: 1, channel: 'lite', workers: 1 },
  'peer-200-lite': { ...PEER, rate: 500, clients: 200, channel: 'lite', workers: 2, client: 'lean' },
  'peer-1k-domains': { ...PEER, rate: 500, clients: 1000, channel: 'domains-only', workers: 2, client: 'lean' },
  'peer-50-full': { ...PEER, rate: 500, clients: 50, channel: 'full', workers: 2, client: 'lean' },
};

/** A keyword in many simulated names (the simulator builds names from COMMON_WORDS). */
const SHARED_KEYWORD = 'cloud';

/** Client i's distinct keyword: a common word while they last, then pairs of words (rarer, still distinct). */
function distinctKeyword(i: number): string {
  const n = COMMON_WORDS.length;
  if (i < n) return COMMON_WORDS[i]!;
  return COMMON_WORDS[i % n]! + COMMON_WORDS[Math.floor(i / n) % n]!;
}

export const CHANNEL_PATHS: Record<ChannelName, string> = { lite: '/', full: '/full-stream', 'domains-only': '/domains-only' };

export function filterOf(kind: FilterKind, i: number): { keywords: string[]; regex: string[] } | undefined {
  switch (kind) {
    case 'none':
      return undefined;
    case 'shared':
      return { keywords: [SHARED_KEYWORD], regex: [] };
    case 'distinct':
      return { keywords: [distinctKeyword(i)], regex: [] };
    case 'regex':
      return { keywords: [], regex: [`^(www\\.)?${COMMON_WORDS[i % COMMON_WORDS.length]!}[a-z-]*\\.`] };
    case 'idle':
      return { keywords: [`idle-${i}-never-matches`], regex: [] };
  }
}

export function query(filter: { keywords: string[]; regex: string[] } | undefined): string {
  if (!filter) return '';
  const parts = [...(filter.keywords.length > 0 ? [`keywords=${filter.keywords.join(',')}`] : []), ...filter.regex.map((r) => `regex=${encodeURIComponent(r)}`)];
  return `?${parts.join('&')}`;
}

/** The clients of a scenario, the filter kinds spread evenly over them (deterministic). */
export function clientSpecs(scenario: Scenario): ClientSpec[] {
  const kinds = (Object.entries(scenario.mix) as [FilterKind, number][]).filter(([, share]) => share > 0);
  const total = kinds.reduce((sum, [, share]) => sum + share, 0);
  const specs: ClientSpec[] = [];
  let kindIndex = 0;
  let cumulative = kinds[0]?.[1] ?? 0;
  for (let i = 0; i < scenario.clients; i++) {
    while (kindIndex < kinds.length - 1 && (i + 0.5) / scenario.clients > cumulative / total) cumulative += kinds[++kindIndex]![1];
    const kind = kinds[kindIndex]?.[0] ?? 'none';
    const filter = filterOf(kind, i);
    specs.push({ path: CHANNEL_PATHS[scenario.channel] + query(filter), contiguous: kind === 'none', ...(filter ? { filter } : {}) });
  }
  return specs;
}

/** Parses `none=0.5,shared=0.2,...`. */
export function parseMix(text: string): Partial<Record<FilterKind, number>> {
  const mix: Partial<Record<FilterKind, number>> = {};
  for (const part of text.split(',')) {
    const [kind, share] = part.split('=');
    if (!['none', 'shared', 'distinct', 'regex', 'idle'].includes(kind ?? '') || !(Number(share) >= 0)) {
      throw new Error(`bad --mix part "${part}" (kinds: none, shared, distinct, regex, idle)`);
    }
    mix[kind as FilterKind] = Number(share);
  }
  return mix;
}
