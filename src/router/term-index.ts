/**
 * Reference-counted terms (lower-cased literals) searched for in one pass, kept cheap to change.
 *
 * Building an Aho-Corasick automaton costs about a microsecond per term character, so 256 keywords
 * of 200 characters take tens of milliseconds and an index of millions of characters seconds. So:
 * - there are two automata: a large base, rebuilt rarely, and a delta holding the terms added
 *   since; the base absorbs the delta once the delta passes a fraction of its size (and a minimum),
 *   so each character is rebuilt a bounded number of times on average;
 * - in background mode builds never run inside match() (except a delta of up to SYNC_CHARS): they
 *   run a slice of about SLICE_MS at a time, with pauses as long, on timers; until a build that
 *   includes them is installed, new terms are found by a plain substring search (exact, slower);
 * - a term whose last reference goes stays in its automaton as a dead term (reported to nobody) and
 *   keeps its id, so re-adding it costs nothing; dead terms are dropped, and their ids freed, when
 *   the automaton holding them is replaced.
 * Without background mode (a replay's private matcher, measurements) builds run inside refresh().
 */
import { AhoCorasick, type TermSink } from './aho-corasick.js';

/** The delta is merged into the base when it holds more terms or characters than these... */
const DELTA_MIN_TERMS = 256;
const DELTA_MIN_CHARS = 16_384;
/** ...and more than this fraction of the base's characters. */
const DELTA_FRACTION = 0.25;
/** Dead terms tolerated in the automata, as a fraction of live terms, before a base rebuild. */
const DEAD_FRACTION = 0.5;
const DEAD_MINIMUM = 1024;
/** A delta this small is rebuilt inside refresh() even in background mode (about a millisecond). */
const SYNC_CHARS = 1024;
/** Longest build slice, and the pause after it (so background builds take at most half a core). */
export const SLICE_MS = 2;

const NOTHING = new AhoCorasick([], []);

export interface TermIndexStats {
  readonly baseTerms: number;
  readonly deltaTerms: number;
  readonly deadTerms: number;
  /** Terms found by plain substring search until a build including them is installed. */
  readonly pendingTerms: number;
  readonly baseBuilds: number;
  readonly deltaBuilds: number;
  /** Characters of the terms put into automata by all builds so far (the work done). */
  readonly builtChars: number;
  readonly bytes: number;
}

export interface TermIndexOptions {
  /** Build on timers, a slice at a time, instead of inside refresh() (default false). */
  readonly background?: boolean;
}

interface Build {
  readonly kind: 'base' | 'delta';
  readonly ids: number[];
  readonly steps: Generator<void, AhoCorasick>;
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
  private baseChars = 0;
  private deltaChars = 0;
  /** Terms in no automaton yet (searched one by one), and those of them the running build includes. */
  private pending: number[] = [];
  private pendingChars = 0;
  private building: number[] = [];
  private build: Build | null = null;
  private deadCount = 0;
  private baseBuilds = 0;
  private deltaBuilds = 0;
  private builtChars = 0;
  private readonly background: boolean;
  private timer: NodeJS.Timeout | null = null;

  constructor(options: TermIndexOptions = {}) {
    this.background = options.background ?? false;
  }

  /** One past the largest term id in use: arrays indexed by term id need this length. */
  get idLimit(): number {
    return this.terms.length;
  }

  /** Whether `term` (lower-cased) is known, live or dead: acquiring it costs no build. */
  has(term: string): boolean {
    return this.idOf.has(term);
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
    this.pending.push(id);
    this.pendingChars += term.length;
    // Not only on the next refresh(): with no certificates flowing, builds still catch up.
    if (this.background) this.scheduleSlice(0);
    return id;
  }

  /** Drops a reference; the term is dead (but still known) when none is left. */
  release(id: number): void {
    const refs = this.refs[id];
    if (refs === undefined || refs <= 0) throw new Error(`term ${id} is not held`);
    this.refs[id] = refs - 1;
    if (refs === 1) this.deadCount++;
  }

  /**
   * Makes the automata reflect every term added so far (synchronous mode), or schedules the builds
   * that are due (background mode; until then new terms are searched one by one).
   */
  refresh(): void {
    const due = this.build === null ? this.dueBuild() : null;
    if (!this.background || (due === 'delta' && this.deltaChars + this.pendingChars <= SYNC_CHARS)) {
      if (due !== null) this.startBuild(due);
      this.finishBuild();
    } else if (this.build !== null || due !== null) {
      this.scheduleSlice(0);
    }
  }

  /** Rebuilds everything into the base tier now, forgetting dead terms. */
  rebuildBase(): void {
    this.cancelBuild();
    this.startBuild('base');
    this.finishBuild();
  }

  /** Reports each occurrence of each term (dead ones included) in `text`, case-insensitively. */
  scan(text: string, sink: TermSink): void {
    this.base.scan(text, sink);
    if (this.deltaIds.length > 0) this.delta.scan(text, sink);
    if (this.pending.length > 0 || this.building.length > 0) {
      const lowered = text.toLowerCase();
      for (const id of this.building) if (lowered.includes(this.terms[id]!)) sink.onTerm(id);
      for (const id of this.pending) if (lowered.includes(this.terms[id]!)) sink.onTerm(id);
    }
  }

  stats(): TermIndexStats {
    return {
      baseTerms: this.baseIds.length,
      deltaTerms: this.deltaIds.length,
      deadTerms: this.deadCount,
      pendingTerms: this.pending.length + this.building.length,
      baseBuilds: this.baseBuilds,
      deltaBuilds: this.deltaBuilds,
      builtChars: this.builtChars,
      bytes: this.base.byteSize + this.delta.byteSize,
    };
  }

  /** Which build is due, if any. */
  private dueBuild(): 'base' | 'delta' | null {
    const live = this.idOf.size - this.deadCount;
    const unmergedTerms = this.deltaIds.length + this.pending.length;
    const unmergedChars = this.deltaChars + this.pendingChars;
    if ((unmergedTerms > DELTA_MIN_TERMS || unmergedChars > DELTA_MIN_CHARS) && unmergedChars > this.baseChars * DELTA_FRACTION) return 'base';
    if (this.deadCount > Math.max(DEAD_MINIMUM, live * DEAD_FRACTION)) return 'base';
    return this.pending.length > 0 ? 'delta' : null;
  }

  /** Runs builds for up to SLICE_MS, then pauses as long before the next slice. */
  private workSlice(): void {
    this.timer = null;
    const deadline = performance.now() + SLICE_MS;
    while (performance.now() < deadline) {
      if (this.build === null) {
        const due = this.dueBuild();
        if (due === null) return;
        this.startBuild(due);
      }
      const step = this.build!.steps.next();
      if (step.done === true) this.install(step.value);
    }
    this.scheduleSlice(SLICE_MS);
  }

  private scheduleSlice(delayMs: number): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => this.workSlice(), delayMs);
    this.timer.unref();
  }

  private startBuild(kind: 'base' | 'delta'): void {
    const candidates = kind === 'base' ? [...this.baseIds, ...this.deltaIds, ...this.pending] : [...this.deltaIds, ...this.pending];
    const ids = candidates.filter((id) => this.refs[id]! > 0);
    // Terms that died before ever being built are in no automaton: forget them now.
    for (const id of this.pending) if (this.refs[id] === 0) this.free(id);
    this.building = this.pending.filter((id) => this.refs[id]! > 0);
    this.pending = [];
    this.pendingChars = 0;
    this.build = { kind, ids, steps: AhoCorasick.build(ids.map((id) => this.terms[id]!), ids) };
  }

  /** Runs the current build to its end and installs it. */
  private finishBuild(): void {
    if (this.build === null) return;
    let step = this.build.steps.next();
    while (step.done !== true) step = this.build.steps.next();
    this.install(step.value);
  }

  /** Puts the automaton the current build produced in place of those it replaces. */
  private install(automaton: AhoCorasick): void {
    const build = this.build!;
    this.build = null;
    const chars = build.ids.reduce((n, id) => n + this.terms[id]!.length, 0);
    this.builtChars += chars;
    const replaced = build.kind === 'base' ? [...this.baseIds, ...this.deltaIds, ...this.building] : [...this.deltaIds, ...this.building];
    if (build.kind === 'base') {
      this.base = automaton;
      this.baseIds = build.ids;
      this.baseChars = chars;
      this.delta = NOTHING;
      this.deltaIds = [];
      this.deltaChars = 0;
      this.baseBuilds++;
    } else {
      this.delta = automaton;
      this.deltaIds = build.ids;
      this.deltaChars = chars;
      this.deltaBuilds++;
    }
    this.building = [];
    const kept = new Set(build.ids);
    for (const id of replaced) {
      if (kept.has(id)) continue;
      // Dead when the build started; revived since, it is searched one by one until the next build.
      if (this.refs[id]! > 0) this.addPending(id);
      else this.free(id);
    }
  }

  /** Abandons a running build; its new terms go back to the pending list. */
  private cancelBuild(): void {
    if (this.build === null) return;
    this.build = null;
    for (const id of this.building) this.addPending(id);
    this.building = [];
  }

  private addPending(id: number): void {
    this.pending.push(id);
    this.pendingChars += this.terms[id]!.length;
  }

  private free(id: number): void {
    this.idOf.delete(this.terms[id]!);
    this.terms[id] = undefined;
    this.freeIds.push(id);
    this.deadCount--;
  }
}
