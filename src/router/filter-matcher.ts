/**
 * Server-side filter matching: which subscription filters match a certificate's domains.
 *
 * Semantics: a keyword matches a domain when it is a case-insensitive substring of it
 * (`domain.toLowerCase().includes(keyword.toLowerCase())`); a regex (RE2 syntax) matches when it
 * finds a match anywhere in the domain's UTF-8 form (`Buffer.from(domain)`: a lone surrogate, which
 * certificates never yield, reads as U+FFFD); a filter matches a certificate when any of its domains
 * matches any of its keywords or regexes; a filter with neither matches every certificate.
 *
 * Cost per certificate does not grow with the number of subscribers:
 * - identical filters (same canonical key) share one entry, reference-counted;
 * - all keywords of all filters are found in one Aho-Corasick pass per domain (TermIndex);
 * - each regex with required literals (see regex-literals.ts) joins that same pass through its
 *   literals and runs only on domains containing one (regexes sharing a literal, like ".com", run
 *   together as one RE2.Set); the other regexes run together in sharded RE2.Sets (RegexShards);
 * - each filter is reported once per certificate, using per-filter stamps rather than a Set.
 * Changes are applied lazily, at most once per match call, and rebuild only what they touch.
 */
import RE2 from 're2';
import type { TermSink } from './aho-corasick.js';
import { LITERAL_GROUP_DROP, LITERAL_GROUP_MIN, requiredLiterals } from './regex-literals.js';
import { RegexShards, type RegexShardStats, type RegexSink } from './regex-shards.js';
import { TermIndex, type TermIndexStats } from './term-index.js';
import { canonicalize, compileRegex, filterCost, scanRegexUnits, type FilterCost, type FilterSpec } from './filter-spec.js';
import { grown, removeItem } from '../util/arrays.js';

export { InvalidFilterError, scanRegexUnits, type FilterCost, type FilterSpec } from './filter-spec.js';

export interface FilterMatcherOptions {
  /** Longest regex accepted, in UTF-16 code units (default 512). */
  maxRegexLength?: number;
  /**
   * Build keyword automata on timers, a slice at a time, never inside match() (default false: builds
   * run in match(), fine for small matchers and measurements). New keywords are exact meanwhile.
   */
  backgroundBuilds?: boolean;
}

export interface FilterMatcherStats {
  readonly filters: number;
  readonly regexes: number;
  /** Regexes without usable literals, tried on every domain (through RE2.Set shards). */
  readonly unfilteredRegexes: RegexShardStats;
  /** Literals shared by so many regexes that those are tried as one RE2.Set. */
  readonly literalGroups: number;
  readonly terms: TermIndexStats;
}

interface FilterEntry {
  readonly id: number;
  readonly slot: number;
  readonly key: string;
  refs: number;
  readonly termIds: number[];
  readonly regexIds: number[];
}

interface RegexEntry {
  readonly source: string;
  readonly compiled: RE2;
  /** Slots of the filters using this regex. */
  readonly filterSlots: number[];
  /** Term ids of its required literals; null when it is matched through RegexShards instead. */
  readonly literalTermIds: number[] | null;
}

/** Stamps are reset before the epoch counter could overflow an Int32. */
const EPOCH_LIMIT = 0x3fff_ffff;

export class FilterMatcher {
  private readonly maxRegexLength: number;

  // Filters: external ids are never reused; slots (dense, reused) index the per-filter arrays.
  private readonly filtersByKey = new Map<string, FilterEntry>();
  private readonly filtersById = new Map<number, FilterEntry>();
  private nextId = 1;
  private readonly idOfSlot: number[] = [];
  private readonly freeSlots: number[] = [];
  private readonly matchAllSlots: number[] = [];

  // Keywords and regex literals, by term id: which filters and regexes they stand for.
  private readonly terms: TermIndex;
  private readonly filtersOfTerm: (number[] | undefined)[] = [];
  private readonly regexesOfTerm: (number[] | undefined)[] = [];
  /** For a literal shared by many regexes: those regexes as RE2.Sets. */
  private readonly regexGroupOfTerm: (RegexShards | undefined)[] = [];
  private readonly termsWithGroups = new Set<number>();

  // Distinct regexes, by regex id (ids are reused once freed).
  private readonly regexIdOf = new Map<string, number>();
  private readonly regexes: (RegexEntry | undefined)[] = [];
  private readonly freeRegexIds: number[] = [];
  private readonly shards = new RegexShards();
  private heldScanUnits = 0;

  // Match state: stamps hold the epoch of the certificate or domain they were last set for.
  private epoch = 0;
  private certEpoch = 0;
  private domainEpoch = 0;
  private filterStamp = new Int32Array(64);
  private termStamp = new Int32Array(64);
  private termDomainStamp = new Int32Array(64);
  private regexMatchedStamp = new Int32Array(64);
  private regexCandidateStamp = new Int32Array(64);
  private candidates = new Int32Array(64);
  private candidateCount = 0;
  /** Literals with a regex group found in the current domain. */
  private groupTerms = new Int32Array(64);
  private groupTermCount = 0;
  private found: number[] = [];
  private readonly reusableFound: number[] = [];
  private delivering = false;
  private utf8 = Buffer.alloc(1024);
  private utf8Views: (Buffer | undefined)[] = [];

  private readonly termSink: TermSink = { onTerm: (termId) => this.onTerm(termId) };
  private readonly regexSink: RegexSink = { onRegex: (regexId) => this.onRegexMatch(regexId) };

  constructor(options: FilterMatcherOptions = {}) {
    this.maxRegexLength = options.maxRegexLength ?? 512;
    this.terms = new TermIndex({ background: options.backgroundBuilds ?? false });
  }

  /**
   * What acquiring `spec` would cost now (nothing new for a filter already held). Throws
   * InvalidFilterError for a malformed spec, as acquire does (RE2 compilation is left to acquire).
   */
  cost(spec: FilterSpec): FilterCost {
    return filterCost(spec, this.maxRegexLength, {
      hasKeyword: (keyword) => this.terms.has(keyword),
      heldRegexIsScan: (source) => {
        const regexId = this.regexIdOf.get(source);
        return regexId === undefined ? undefined : this.regexes[regexId]!.literalTermIds === null;
      },
    });
  }

  /**
   * Canonical key of a spec (identical filters share one entry): lower-cased, de-duplicated, sorted
   * keywords and de-duplicated, sorted regexes. Throws InvalidFilterError for a malformed spec or a
   * regex RE2 rejects. (The regex length limit is a matcher option, checked by acquire.)
   */
  static canonicalKey(spec: FilterSpec): string {
    const canonical = canonicalize(spec, Infinity);
    for (const source of canonical.regex) compileRegex(source);
    return canonical.key;
  }

  /**
   * Adds a reference to the filter and returns its id: the same id for identical specs while any
   * reference remains; ids are never reused. Throws InvalidFilterError.
   */
  acquire(spec: FilterSpec): number {
    const canonical = canonicalize(spec, this.maxRegexLength);
    const existing = this.filtersByKey.get(canonical.key);
    if (existing !== undefined) {
      existing.refs++;
      return existing.id;
    }
    // Compile new regexes before changing anything, so that a rejected spec leaves no trace.
    const compiled = new Map<string, RE2>();
    for (const source of canonical.regex) {
      if (!this.regexIdOf.has(source)) compiled.set(source, compileRegex(source));
    }

    const slot = this.freeSlots.pop() ?? this.idOfSlot.length;
    const filter: FilterEntry = { id: this.nextId++, slot, key: canonical.key, refs: 1, termIds: [], regexIds: [] };
    this.idOfSlot[slot] = filter.id;
    for (const keyword of canonical.keywords) {
      const termId = this.terms.acquire(keyword);
      (this.filtersOfTerm[termId] ??= []).push(slot);
      filter.termIds.push(termId);
    }
    for (const source of canonical.regex) {
      const regexId = this.regexIdOf.get(source) ?? this.addRegex(source, compiled.get(source)!);
      this.regexes[regexId]!.filterSlots.push(slot);
      filter.regexIds.push(regexId);
    }
    if (filter.termIds.length === 0 && filter.regexIds.length === 0) this.matchAllSlots.push(slot);
    this.filtersByKey.set(filter.key, filter);
    this.filtersById.set(filter.id, filter);
    this.ensureCapacity();
    return filter.id;
  }

  /** Drops a reference; the filter is forgotten when none remains. Unknown ids are ignored. */
  release(id: number): void {
    const filter = this.filtersById.get(id);
    if (filter === undefined || --filter.refs > 0) return;
    this.filtersById.delete(id);
    this.filtersByKey.delete(filter.key);
    const slot = filter.slot;
    for (const termId of filter.termIds) {
      removeItem(this.filtersOfTerm[termId]!, slot);
      this.terms.release(termId);
    }
    for (const regexId of filter.regexIds) {
      const regex = this.regexes[regexId]!;
      removeItem(regex.filterSlots, slot);
      if (regex.filterSlots.length === 0) this.removeRegex(regexId, regex);
    }
    if (filter.termIds.length === 0 && filter.regexIds.length === 0) removeItem(this.matchAllSlots, slot);
    this.idOfSlot[slot] = 0;
    this.freeSlots.push(slot);
  }

  /**
   * Calls onMatch(filterId) exactly once for each filter matching any of `domains`. The callbacks
   * run after matching is complete, so they may acquire, release or match again.
   */
  match(domains: readonly string[], onMatch: (filterId: number) => void): void {
    this.refresh();
    const found = this.delivering ? [] : this.reusableFound;
    found.length = 0;
    this.found = found;

    if (this.epoch > EPOCH_LIMIT - domains.length - 2) this.resetStamps();
    this.certEpoch = ++this.epoch;
    for (const slot of this.matchAllSlots) this.report(slot);
    if (this.filtersByKey.size > this.matchAllSlots.length) {
      for (const domain of domains) this.matchDomain(domain);
    }

    const wasDelivering = this.delivering;
    this.delivering = true;
    try {
      for (const id of found) onMatch(id);
    } finally {
      this.delivering = wasDelivering;
    }
  }

  /** Number of distinct filters. */
  get size(): number {
    return this.filtersByKey.size;
  }

  /** Cost units (scanRegexUnits) of the distinct regexes without usable literals held. */
  get scanUnits(): number {
    return this.heldScanUnits;
  }

  /** Applies the changes that are due (match does this itself; exposed for measurements). */
  refresh(): void {
    this.terms.refresh();
    this.shards.refresh();
    for (const termId of this.termsWithGroups) this.regexGroupOfTerm[termId]!.refresh();
  }

  /** Applies every pending change now, with every term in one automaton (for measurements). */
  rebuild(): void {
    this.terms.rebuildBase();
    this.shards.flush();
    for (const termId of this.termsWithGroups) this.regexGroupOfTerm[termId]!.flush();
  }

  stats(): FilterMatcherStats {
    return {
      filters: this.filtersByKey.size,
      regexes: this.regexIdOf.size,
      unfilteredRegexes: this.shards.stats(),
      literalGroups: this.termsWithGroups.size,
      terms: this.terms.stats(),
    };
  }

  private matchDomain(domain: string): void {
    this.domainEpoch = ++this.epoch;
    this.candidateCount = 0;
    this.groupTermCount = 0;
    this.terms.scan(domain, this.termSink);
    if (this.candidateCount === 0 && this.groupTermCount === 0 && this.shards.size === 0) return;

    const input = this.utf8Of(domain);
    for (let i = 0; i < this.candidateCount; i++) {
      const regexId = this.candidates[i]!;
      if (this.regexMatchedStamp[regexId]! < this.certEpoch && this.regexes[regexId]!.compiled.test(input)) {
        this.onRegexMatch(regexId);
      }
    }
    for (let i = 0; i < this.groupTermCount; i++) this.regexGroupOfTerm[this.groupTerms[i]!]!.match(input, this.regexSink);
    if (this.shards.size > 0) this.shards.match(input, this.regexSink);
  }

  /** A keyword or regex literal occurs in the current domain. */
  private onTerm(termId: number): void {
    if (this.termStamp[termId]! < this.certEpoch) {
      this.termStamp[termId] = this.certEpoch;
      const slots = this.filtersOfTerm[termId];
      if (slots !== undefined) for (const slot of slots) this.report(slot);
    }
    if (this.regexGroupOfTerm[termId] !== undefined) {
      if (this.termDomainStamp[termId] !== this.domainEpoch) {
        this.termDomainStamp[termId] = this.domainEpoch;
        this.groupTerms[this.groupTermCount++] = termId;
      }
      return;
    }
    const regexIds = this.regexesOfTerm[termId];
    if (regexIds === undefined) return;
    for (const regexId of regexIds) {
      if (this.regexMatchedStamp[regexId]! < this.certEpoch && this.regexCandidateStamp[regexId] !== this.domainEpoch) {
        this.regexCandidateStamp[regexId] = this.domainEpoch;
        this.candidates[this.candidateCount++] = regexId;
      }
    }
  }

  private onRegexMatch(regexId: number): void {
    if (this.regexMatchedStamp[regexId]! >= this.certEpoch) return;
    this.regexMatchedStamp[regexId] = this.certEpoch;
    for (const slot of this.regexes[regexId]!.filterSlots) this.report(slot);
  }

  private report(slot: number): void {
    if (this.filterStamp[slot]! >= this.certEpoch) return;
    this.filterStamp[slot] = this.certEpoch;
    this.found.push(this.idOfSlot[slot]!);
  }

  /** `text` as UTF-8 in a reused buffer: RE2 would convert it per call, and wrongly on Node 24 past a lone surrogate. */
  private utf8Of(text: string): Buffer {
    if (text.length * 3 > this.utf8.length) {
      this.utf8 = Buffer.alloc(Math.max(text.length * 3, this.utf8.length * 2));
      this.utf8Views = [];
    }
    const length = this.utf8.write(text, 0, 'utf8');
    return (this.utf8Views[length] ??= this.utf8.subarray(0, length));
  }

  private addRegex(source: string, compiled: RE2): number {
    const regexId = this.freeRegexIds.pop() ?? this.regexes.length;
    const literals = requiredLiterals(source);
    const literalTermIds = literals?.map((literal) => this.terms.acquire(literal)) ?? null;
    this.regexes[regexId] = { source, compiled, filterSlots: [], literalTermIds };
    this.regexIdOf.set(source, regexId);
    if (literalTermIds === null) {
      this.heldScanUnits += scanRegexUnits(source);
      this.shards.add(regexId, source, compiled);
    } else {
      for (const termId of literalTermIds) {
        const regexIds = (this.regexesOfTerm[termId] ??= []);
        regexIds.push(regexId);
        const group = this.regexGroupOfTerm[termId];
        if (group !== undefined) group.add(regexId, source, compiled);
        else if (regexIds.length >= LITERAL_GROUP_MIN) this.groupRegexesOf(termId, regexIds);
      }
    }
    return regexId;
  }

  /** Makes the regexes sharing literal `termId` run as one RE2.Set when the literal occurs. */
  private groupRegexesOf(termId: number, regexIds: readonly number[]): void {
    const group = new RegexShards();
    for (const id of regexIds) group.add(id, this.regexes[id]!.source, this.regexes[id]!.compiled);
    this.regexGroupOfTerm[termId] = group;
    this.termsWithGroups.add(termId);
  }

  private removeRegex(regexId: number, regex: RegexEntry): void {
    this.regexIdOf.delete(regex.source);
    this.regexes[regexId] = undefined;
    this.freeRegexIds.push(regexId);
    if (regex.literalTermIds === null) {
      this.heldScanUnits -= scanRegexUnits(regex.source);
      this.shards.remove(regexId);
    } else {
      for (const termId of regex.literalTermIds) {
        const regexIds = this.regexesOfTerm[termId]!;
        removeItem(regexIds, regexId);
        const group = this.regexGroupOfTerm[termId];
        group?.remove(regexId);
        if (group !== undefined && regexIds.length < LITERAL_GROUP_DROP) {
          this.regexGroupOfTerm[termId] = undefined;
          this.termsWithGroups.delete(termId);
        }
        this.terms.release(termId);
      }
    }
  }

  /** Grows the stamp arrays to cover every slot, term id and regex id in use. */
  private ensureCapacity(): void {
    this.filterStamp = grown(this.filterStamp, this.idOfSlot.length);
    this.termStamp = grown(this.termStamp, this.terms.idLimit);
    this.termDomainStamp = grown(this.termDomainStamp, this.terms.idLimit);
    this.groupTerms = grown(this.groupTerms, this.terms.idLimit);
    this.regexMatchedStamp = grown(this.regexMatchedStamp, this.regexes.length);
    this.regexCandidateStamp = grown(this.regexCandidateStamp, this.regexes.length);
    this.candidates = grown(this.candidates, this.regexes.length);
  }

  private resetStamps(): void {
    this.epoch = 0;
    for (const stamps of [this.filterStamp, this.termStamp, this.termDomainStamp, this.regexMatchedStamp, this.regexCandidateStamp]) {
      stamps.fill(0);
    }
  }
}
