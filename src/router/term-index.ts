/**
 * Reference-counted terms (lower-cased literals) searched for in one pass, kept cheap to change.
 *
 * Rebuilding one automaton over every term on each subscription change would cost milliseconds
 * at 10,000 filters. Instead there are two tiers: a large base automaton, rebuilt rarely, and a small
 * delta automaton holding the terms added since, rebuilt (cheaply) when it changes. The base absorbs
 * the delta once the delta reaches DELTA_LIMIT terms. A term whose last reference goes stays in its
 * automaton as a dead term (reported to nobody) and keeps its id, so re-adding it costs nothing;
 * dead terms are dropped, and their ids recycled, when the base is rebuilt.
 */
import { AhoCorasick, type TermSink } from './aho-corasick.js';

/** Terms in the delta tier that trigger a base rebuild. */
const DELTA_LIMIT = 256;
/** Dead terms tolerated in the automata, as a fraction of live terms, before a base rebuild. */
const DEAD_FRACTION = 0.5;
const DEAD_MINIMUM = 1024;

const NOTHING = new AhoCorasick([], []);

export interface TermIndexStats {
  readonly baseTerms: number;
  readonly deltaTerms: number;
  readonly deadTerms: number;
  readonly baseBuilds: number;
  readonly deltaBuilds: number;
  readonly bytes: number;
}

export class TermIndex {
  private readonly idOf = new Map<string, number>();
  /** By term id: the term, or undefined for a free id. */
  private readonly terms: (string | undefined)[] = [];
  /** By term id: references held. */
  private readonly refs: number[] = [];
  private readonly freeIds: number[] = [];
  /** Term ids in the base and delta automata. */
  private baseIds: number[] = [];
  private deltaIds: number[] = [];
  private base = NOTHING;
  private delta = NOTHING;
  private deltaStale = false;
  private deadCount = 0;
  private baseBuilds = 0;
  private deltaBuilds = 0;

  /** One past the largest term id in use: arrays indexed by term id need this length. */
  get idLimit(): number {
    return this.terms.length;
  }

  /** Adds a reference to `term` (lower-cased, non-empty) and returns its id. */
  acquire(term: string): number {
    let id = this.idOf.get(term);
    if (id !== undefined) {
      if (this.refs[id]!++ === 0) this.deadCount--;
      return id;
    }
    id = this.freeIds.pop() ?? this.terms.length;
    this.terms[id] = term;
    this.refs[id] = 1;
    this.idOf.set(term, id);
    this.deltaIds.push(id);
    this.deltaStale = true;
    return id;
  }

  /** Drops a reference; the term is dead (but still known) when none is left. */
  release(id: number): void {
    const refs = this.refs[id];
    if (refs === undefined || refs <= 0) throw new Error(`term ${id} is not held`);
    this.refs[id] = refs - 1;
    if (refs === 1) this.deadCount++;
  }

  /** Makes the automata reflect every term added so far. */
  refresh(): void {
    const live = this.idOf.size - this.deadCount;
    if (this.deltaIds.length > DELTA_LIMIT || this.deadCount > Math.max(DEAD_MINIMUM, live * DEAD_FRACTION)) {
      this.rebuildBase();
    } else if (this.deltaStale) {
      this.deltaIds = this.dropDead(this.deltaIds);
      this.delta = this.build(this.deltaIds);
      this.deltaBuilds++;
    }
    this.deltaStale = false;
  }

  /** Rebuilds everything into the base tier, forgetting dead terms. */
  rebuildBase(): void {
    this.baseIds = this.dropDead([...this.baseIds, ...this.deltaIds]);
    this.deltaIds = [];
    this.base = this.build(this.baseIds);
    this.delta = NOTHING;
    this.deltaStale = false;
    this.baseBuilds++;
  }

  /** Reports each occurrence of each term (dead ones included) in `text`, case-insensitively. */
  scan(text: string, sink: TermSink): void {
    this.base.scan(text, sink);
    if (this.deltaIds.length > 0) this.delta.scan(text, sink);
  }

  stats(): TermIndexStats {
    return {
      baseTerms: this.baseIds.length,
      deltaTerms: this.deltaIds.length,
      deadTerms: this.deadCount,
      baseBuilds: this.baseBuilds,
      deltaBuilds: this.deltaBuilds,
      bytes: this.base.byteSize + this.delta.byteSize,
    };
  }

  private build(ids: readonly number[]): AhoCorasick {
    return new AhoCorasick(
      ids.map((id) => this.terms[id]!),
      ids,
    );
  }

  /** The live ids of `ids`; dead ones are forgotten and their ids freed. */
  private dropDead(ids: readonly number[]): number[] {
    const live: number[] = [];
    for (const id of ids) {
      if (this.refs[id]! > 0) {
        live.push(id);
      } else {
        this.idOf.delete(this.terms[id]!);
        this.terms[id] = undefined;
        this.freeIds.push(id);
        this.deadCount--;
      }
    }
    return live;
  }
}
