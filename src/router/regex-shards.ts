/**
 * Regexes that must be tried on every domain, matched together with RE2.Set.
 *
 * One RE2.Set compiles all its patterns into one program whose DFA tracks all of them at once. Past
 * a few hundred patterns that DFA no longer fits RE2's fixed memory budget (node-re2 does not let us
 * raise it): matching degrades to cache thrashing (~100x slower at 1,000 patterns) and beyond a few
 * thousand the Set does not compile at all. So patterns are spread over shards of bounded size, and
 * a change only recompiles its own shard.
 */
import RE2 from 're2';

/** Patterns per shard: small enough for RE2's DFA budget, large enough to keep shards few. */
const SHARD_PATTERNS = 200;
/** Pattern text per shard, a rough bound on program size. */
const SHARD_SOURCE_CHARS = 16_000;

type RE2Set = InstanceType<typeof RE2.Set>;

/** Receives the id of each regex that matched. */
export interface RegexSink {
  onRegex(regexId: number): void;
}

interface Shard {
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

export class RegexShards {
  private shards: Shard[] = [];
  private readonly shardOf = new Map<number, Shard>();
  private readonly compiled = new Map<number, RE2>();
  private dirty = false;

  /** Number of live patterns. */
  get size(): number {
    return this.shardOf.size;
  }

  /** Number of shards (for measurements). */
  get shardCount(): number {
    return this.shards.length;
  }

  /**
   * Adds a pattern, already validated by compiling `compiled` from it. The compiled regex is used
   * if the pattern's shard cannot be matched as a Set.
   */
  add(regexId: number, source: string, compiled: RE2): void {
    let shard = this.shards.find((s) => s.ids.length < SHARD_PATTERNS && s.sourceChars + source.length <= SHARD_SOURCE_CHARS);
    if (shard === undefined) {
      shard = newShard([], []);
      this.shards.push(shard);
    }
    shard.ids.push(regexId);
    shard.sources.push(source);
    shard.live++;
    shard.sourceChars += source.length;
    shard.stale = true;
    this.shardOf.set(regexId, shard);
    this.compiled.set(regexId, compiled);
    this.dirty = true;
  }

  remove(regexId: number): void {
    const shard = this.shardOf.get(regexId);
    if (shard === undefined) return;
    this.shardOf.delete(regexId);
    this.compiled.delete(regexId);
    // The Set keeps the pattern until recompiled; its matches are ignored from now on.
    shard.ids[shard.ids.indexOf(regexId)] = -1;
    shard.live--;
    // Recompiling on every removal would be costly under churn: compact once half is dead.
    if (shard.live * 2 < shard.ids.length) {
      shard.stale = true;
      this.dirty = true;
    }
  }

  /** Compiles the shards that changed: about 1 ms per 100 patterns recompiled. */
  refresh(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const kept: Shard[] = [];
    const work = [...this.shards];
    for (let shard = work.pop(); shard !== undefined; shard = work.pop()) {
      if (shard.stale) {
        compact(shard);
        if (shard.live === 0) continue;
        shard.stale = false;
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
    this.shards = kept.reverse();
  }

  /** Reports each live pattern matching `input` (the domain's UTF-8 bytes). */
  match(input: Buffer, sink: RegexSink): void {
    for (const shard of this.shards) {
      if (shard.set === null) {
        this.matchOneByOne(shard, input, sink);
        continue;
      }
      let hits: number[];
      try {
        hits = shard.set.match(input);
      } catch {
        // The Set's DFA ran out of memory (RE2 has no NFA fallback for sets).
        this.matchOneByOne(shard, input, sink);
        continue;
      }
      for (const index of hits) {
        const id = shard.ids[index]!;
        if (id >= 0) sink.onRegex(id);
      }
    }
  }

  private matchOneByOne(shard: Shard, input: Buffer, sink: RegexSink): void {
    for (const id of shard.ids) {
      if (id >= 0 && this.compiled.get(id)?.test(input) === true) sink.onRegex(id);
    }
  }
}

function newShard(ids: number[], sources: string[]): Shard {
  const sourceChars = sources.reduce((n, s) => n + s.length, 0);
  return { ids, sources, live: ids.length, sourceChars, set: null, stale: true };
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
    newShard(shard.ids.slice(0, mid), shard.sources.slice(0, mid)),
    newShard(shard.ids.slice(mid), shard.sources.slice(mid)),
  ];
}
