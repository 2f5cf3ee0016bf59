/**
 * Regexes that must be tried on every domain, matched together with RE2.Set.
 *
 * One RE2.Set compiles all its patterns into one program whose DFA tracks all of them at once. With
 * too many patterns that DFA outgrows RE2's fixed memory budget (node-re2 does not let us raise it):
 * matching degrades to cache thrashing (20x slower at 2,000 patterns in one measurement) and a few
 * thousand patterns do not compile at all. So patterns are spread over shards of bounded size.
 *
 * Changes stay cheap under churn: a new pattern waits in a short pending list, tried on its own
 * (with the RE2 compiled when it was validated), and pending patterns join the shards in batches,
 * so one shard recompile serves several additions. A removed pattern stays in its Set, ignored,
 * until half the shard is dead.
 */
import RE2 from 're2';

/**
 * Patterns per shard. Each shard costs one native call per domain (~200 ns) and its own DFA work, so
 * fewer, larger shards are faster (RE2 also factors common prefixes of a Set's patterns), until a
 * Set's DFA outgrows RE2's budget and thrashes: measured around 1,000-2,000 unanchored patterns of
 * realistic shapes on phishing-like domains, while 500 stayed fast. Patterns anchored at the start
 * die after a few bytes in the DFA, so they share larger shards.
 */
const SHARD_PATTERNS = { anchored: 1000, unanchored: 500 };
/** Pattern text per shard, a rough bound on program size (RE2 rejects too large a Set). */
const SHARD_SOURCE_CHARS = 30_000;
/** Pending patterns that trigger a batch into the shards. */
const PENDING_LIMIT = 8;
/** Refreshes after which pending patterns join the shards anyway. */
const PENDING_REFRESHES = 256;

type RE2Set = InstanceType<typeof RE2.Set>;

/** Receives the id of each regex that matched. */
export interface RegexSink {
  onRegex(regexId: number): void;
}

interface Shard {
  readonly anchored: boolean;
  /** Regex id at each position of `set`, or -1 once removed (until the shard is recompiled). */
  ids: number[];
  sources: string[];
  live: number;
  sourceChars: number;
  /** The compiled Set; null when its patterns would not compile together (tried one by one). */
  set: RE2Set | null;
  /** True when `set` no longer reflects the patterns and must be recompiled. */
  stale: boolean;
}

export interface RegexShardStats {
  readonly patterns: number;
  readonly shards: number;
  readonly pending: number;
  readonly compiles: number;
}

export class RegexShards {
  private shards: Shard[] = [];
  private readonly shardOf = new Map<number, Shard>();
  private readonly compiled = new Map<number, RE2>();
  private readonly sourceOf = new Map<number, string>();
  private pending: number[] = [];
  private refreshesWithPending = 0;
  private stale = false;
  private compiles = 0;

  /** Number of live patterns. */
  get size(): number {
    return this.compiled.size;
  }

  stats(): RegexShardStats {
    return { patterns: this.compiled.size, shards: this.shards.length, pending: this.pending.length, compiles: this.compiles };
  }

  /** Adds a pattern, validated by compiling `compiled` from it (used while it is pending). */
  add(regexId: number, source: string, compiled: RE2): void {
    this.compiled.set(regexId, compiled);
    this.sourceOf.set(regexId, source);
    this.pending.push(regexId);
  }

  remove(regexId: number): void {
    if (!this.compiled.delete(regexId)) return;
    this.sourceOf.delete(regexId);
    const shard = this.shardOf.get(regexId);
    if (shard === undefined) {
      this.pending.splice(this.pending.indexOf(regexId), 1);
      return;
    }
    this.shardOf.delete(regexId);
    // The Set keeps the pattern until recompiled; its matches are ignored from now on.
    shard.ids[shard.ids.indexOf(regexId)] = -1;
    shard.live--;
    if (shard.live * 2 < shard.ids.length) {
      shard.stale = true;
      this.stale = true;
    }
  }

  /**
   * Applies changes when due: a batch of pending patterns, shards to compact. A shard recompile
   * costs about 1 ms per 100 patterns.
   */
  refresh(): void {
    if (this.pending.length > 0) {
      if (this.pending.length >= PENDING_LIMIT || ++this.refreshesWithPending >= PENDING_REFRESHES) this.placePending();
    }
    if (this.stale) this.compileStale();
  }

  /** Applies every change now. */
  flush(): void {
    this.placePending();
    this.compileStale();
  }

  /** Reports each live pattern matching `input` (the domain's UTF-8 bytes). */
  match(input: Buffer, sink: RegexSink): void {
    for (const shard of this.shards) {
      if (shard.set === null) {
        this.matchEach(shard.ids, input, sink);
        continue;
      }
      let hits: number[];
      try {
        hits = shard.set.match(input);
      } catch {
        // The Set's DFA ran out of memory (RE2 has no NFA fallback for sets).
        this.matchEach(shard.ids, input, sink);
        continue;
      }
      for (const index of hits) {
        const id = shard.ids[index]!;
        if (id >= 0) sink.onRegex(id);
      }
    }
    if (this.pending.length > 0) this.matchEach(this.pending, input, sink);
  }

  private matchEach(ids: readonly number[], input: Buffer, sink: RegexSink): void {
    for (const id of ids) {
      if (id >= 0 && this.compiled.get(id)?.test(input) === true) sink.onRegex(id);
    }
  }

  private placePending(): void {
    for (const id of this.pending) {
      const source = this.sourceOf.get(id)!;
      const anchored = anchoredAtStart(source);
      const limit = anchored ? SHARD_PATTERNS.anchored : SHARD_PATTERNS.unanchored;
      let shard = this.shards.find(
        (s) => s.anchored === anchored && s.ids.length < limit && s.sourceChars + source.length <= SHARD_SOURCE_CHARS,
      );
      if (shard === undefined) {
        shard = newShard(anchored, [], []);
        this.shards.push(shard);
      }
      shard.ids.push(id);
      shard.sources.push(source);
      shard.live++;
      shard.sourceChars += source.length;
      shard.stale = true;
      this.shardOf.set(id, shard);
    }
    if (this.pending.length > 0) this.stale = true;
    this.pending = [];
    this.refreshesWithPending = 0;
  }

  private compileStale(): void {
    this.stale = false;
    const kept: Shard[] = [];
    const work = [...this.shards].reverse();
    for (let shard = work.pop(); shard !== undefined; shard = work.pop()) {
      if (shard.stale) {
        compact(shard);
        if (shard.live === 0) continue;
        shard.stale = false;
        this.compiles++;
        try {
          shard.set = new RE2.Set(shard.sources, 'u');
        } catch {
          // Patterns that compile alone can exceed RE2's program budget together: split the shard;
          // a single pattern that still fails is tried alone (set null).
          shard.set = null;
          if (shard.ids.length > 1) {
            for (const half of split(shard)) {
              for (const id of half.ids) this.shardOf.set(id, half);
              work.push(half);
            }
            continue;
          }
        }
      }
      kept.push(shard);
    }
    this.shards = kept;
  }
}

function newShard(anchored: boolean, ids: number[], sources: string[]): Shard {
  const sourceChars = sources.reduce((n, s) => n + s.length, 0);
  return { anchored, ids, sources, live: ids.length, sourceChars, set: null, stale: true };
}

/**
 * Whether every top-level branch of `source` starts with ^ or \A (and no multi-line flag lets ^
 * match inside the text). Only decides which shards a pattern joins, so a rough reading is enough.
 */
export function anchoredAtStart(source: string): boolean {
  if (/\(\?[a-zA-Z-]*m/.test(source)) return false;
  let depth = 0;
  let branchStart = 0;
  for (let i = 0; i <= source.length; i++) {
    const ch = source[i];
    if (ch === undefined || (ch === '|' && depth === 0)) {
      const branch = source.slice(branchStart, i);
      if (!branch.startsWith('^') && !branch.startsWith('\\A')) return false;
      branchStart = i + 1;
    } else if (ch === '\\') {
      i++;
    } else if (ch === '[') {
      // Skip the class (a leading ']' is a member); escapes inside are skipped pairwise.
      i++;
      if (source[i] === '^') i++;
      if (source[i] === ']') i++;
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
    } else if (ch === '(') {
      depth++;
    } else if (ch === ')') {
      depth--;
    }
  }
  return true;
}

/** Drops removed patterns from a shard's lists. */
function compact(shard: Shard): void {
  if (shard.live === shard.ids.length) return;
  const ids: number[] = [];
  const sources: string[] = [];
  for (let i = 0; i < shard.ids.length; i++) {
    if (shard.ids[i]! < 0) continue;
    ids.push(shard.ids[i]!);
    sources.push(shard.sources[i]!);
  }
  shard.ids = ids;
  shard.sources = sources;
  shard.sourceChars = sources.reduce((n, s) => n + s.length, 0);
}

/** Two shards with half the patterns each (of a compacted shard). */
function split(shard: Shard): [Shard, Shard] {
  const mid = shard.ids.length >> 1;
  return [
    newShard(shard.anchored, shard.ids.slice(0, mid), shard.sources.slice(0, mid)),
    newShard(shard.anchored, shard.ids.slice(mid), shard.sources.slice(mid)),
  ];
}
