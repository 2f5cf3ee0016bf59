/**
 * Randomized differential test: the FilterMatcher against a naive loop over every filter, with
 * random keywords, regexes of varied syntax, Unicode and IDN domains, and acquire/release churn
 * large enough to go through automaton rebuilds, grouped literals, several RE2.Set shards and
 * shard compaction.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import RE2 from 're2';
import { FilterMatcher, type FilterSpec } from '../../src/router/filter-matcher.js';
import { createRng, type Rng } from '../../src/sim/rng.js';
import { randomDomain, randomKeyword, randomRegex, regexInput } from './random.js';

const compiled = new Map<string, RE2>();

function naiveRegex(pattern: string): RE2 {
  let re = compiled.get(pattern);
  if (re === undefined) compiled.set(pattern, (re = new RE2(pattern, 'u')));
  return re;
}

/**
 * The reference semantics, filter by filter: a keyword matches a domain when
 * `domain.toLowerCase().includes(keyword.toLowerCase())` (whole strings lowered, so length-changing
 * and context-dependent mappings like İ and final Σ count); a regex when RE2 finds it in the
 * domain's UTF-8 (regexInput). `lowered` is `domains` lowered, `inputs` their UTF-8.
 */
function naiveMatches(spec: FilterSpec, lowered: readonly string[], inputs: readonly Buffer[]): boolean {
  if (spec.keywords.length === 0 && spec.regex.length === 0) return true;
  const keywords = spec.keywords.map((keyword) => keyword.toLowerCase());
  return (
    lowered.some((domain) => keywords.some((keyword) => domain.includes(keyword))) ||
    spec.regex.some((pattern) => {
      const re = naiveRegex(pattern);
      return inputs.some((input) => re.test(input));
    })
  );
}

function randomSpec(rng: Rng): FilterSpec {
  const keywords: string[] = [];
  const regex: string[] = [];
  const kind = rng.next();
  const keywordCount = kind < 0.45 ? 1 + rng.int(3) : kind < 0.75 ? rng.int(2) : 0;
  const regexCount = kind < 0.45 ? rng.int(2) : 1 + rng.int(2);
  for (let i = 0; i < keywordCount; i++) {
    // Some rare keywords, so that the set of distinct terms keeps changing.
    keywords.push(rng.chance(0.25) ? `${randomKeyword(rng)}${rng.int(5000).toString(36)}` : randomKeyword(rng));
  }
  while (regex.length < regexCount) {
    // Some share one literal, enough of them for it to be run as a group (one RE2.Set).
    const pattern = rng.chance(0.25) ? `paypal(?:${randomRegex(rng)})` : randomRegex(rng);
    try {
      naiveRegex(pattern);
      regex.push(pattern);
    } catch {
      // RE2 rejected the generated pattern (rare): draw another
    }
  }
  return { keywords, regex };
}

function randomCertificate(rng: Rng): string[] {
  const count = rng.chance(0.05) ? 40 + rng.int(80) : 1 + rng.int(8);
  return Array.from({ length: count }, () => randomDomain(rng));
}

class Harness {
  readonly matcher = new FilterMatcher();
  private readonly specOf = new Map<number, FilterSpec>();
  private readonly refs = new Map<number, number>();
  checked = 0;
  matched = 0;
  /** Most literals seen at once whose regexes ran as one RE2.Set. */
  literalGroups = 0;

  acquire(spec: FilterSpec): void {
    const id = this.matcher.acquire(spec);
    const known = this.specOf.get(id);
    if (known !== undefined) {
      assert.equal(FilterMatcher.canonicalKey(known), FilterMatcher.canonicalKey(spec), 'an id stands for one filter');
    }
    this.specOf.set(id, spec);
    this.refs.set(id, (this.refs.get(id) ?? 0) + 1);
  }

  releaseRandom(rng: Rng): void {
    const ids = [...this.refs.keys()];
    if (ids.length === 0) return;
    const id = rng.pick(ids);
    this.matcher.release(id);
    const left = this.refs.get(id)! - 1;
    if (left > 0) {
      this.refs.set(id, left);
    } else {
      this.refs.delete(id);
      this.specOf.delete(id);
    }
  }

  check(domains: readonly string[]): void {
    const got: number[] = [];
    this.matcher.match(domains, (id) => got.push(id));
    assert.equal(new Set(got).size, got.length, 'each filter is reported once');
    const lowered = domains.map((domain) => domain.toLowerCase());
    const inputs = domains.map(regexInput);
    const expected = [...this.specOf].filter(([, spec]) => naiveMatches(spec, lowered, inputs)).map(([id]) => id);
    const byNumber = (a: number, b: number): number => a - b;
    got.sort(byNumber);
    expected.sort(byNumber);
    if (got.join() !== expected.join()) assert.fail(this.explain(domains, got, expected));
    assert.equal(this.matcher.size, this.specOf.size);
    this.checked++;
    this.matched += got.length;
    this.literalGroups = Math.max(this.literalGroups, this.matcher.stats().literalGroups);
  }

  private explain(domains: readonly string[], got: number[], expected: number[]): string {
    const diff = [...got.filter((id) => !expected.includes(id)), ...expected.filter((id) => !got.includes(id))];
    return `domains ${JSON.stringify(domains)}\ndiffering filters: ${JSON.stringify(diff.map((id) => this.specOf.get(id) ?? id))}`;
  }
}

describe('FilterMatcher against a naive per-filter loop', () => {
  for (const seed of [1, 2, 3]) {
    it(`agrees on random filters and certificates, through churn (seed ${seed})`, () => {
      const rng = createRng(seed * 7919);
      const h = new Harness();
      const specs: FilterSpec[] = [];
      for (let i = 0; i < 600; i++) {
        // Some filters are re-subscribed identically (shared entries), some in another order.
        const spec =
          specs.length > 0 && rng.chance(0.15)
            ? (({ keywords, regex }) => ({ keywords: [...keywords].reverse(), regex: [...regex].reverse() }))(rng.pick(specs))
            : randomSpec(rng);
        specs.push(spec);
        h.acquire(spec);
      }
      for (let i = 0; i < 80; i++) h.check(randomCertificate(rng));

      for (let round = 0; round < 24; round++) {
        const operations = 1 + rng.int(rng.chance(0.2) ? 400 : 30);
        for (let op = 0; op < operations; op++) {
          if (rng.chance(0.5)) h.releaseRandom(rng);
          else h.acquire(rng.chance(0.3) ? rng.pick(specs) : randomSpec(rng));
        }
        for (let i = 0; i < 5; i++) h.check(randomCertificate(rng));
      }

      // Drain almost everything (dead terms, shard compaction), then refill.
      for (let i = 0; i < 5000 && h.matcher.size > 5; i++) h.releaseRandom(rng);
      for (let i = 0; i < 20; i++) h.check(randomCertificate(rng));
      for (let i = 0; i < 300; i++) h.acquire(randomSpec(rng));
      for (let i = 0; i < 30; i++) h.check(randomCertificate(rng));

      const stats = h.matcher.stats();
      assert.ok(h.matched > h.checked, `matches happen (${h.matched} over ${h.checked} certificates)`);
      assert.ok(stats.terms.baseBuilds >= 2 && stats.terms.deltaBuilds >= 2, JSON.stringify(stats.terms));
      assert.ok(h.literalGroups > 0, 'some literals were shared by enough regexes to be grouped');
    });
  }

  it('stays exact with many unfiltered regexes over several RE2.Set shards', () => {
    const rng = createRng(99);
    const h = new Harness();
    // Regexes without literals go to the Set shards (500 unanchored patterns per shard).
    for (let i = 0; i < 1100; i++) {
      const from = String.fromCharCode(97 + (i % 26));
      h.acquire({ keywords: [], regex: [`[a-z]{${1 + (i % 7)}}[${from}-z]${i % 3 === 0 ? '\\.' : '.'}[0-9]{0,${i % 11}}`] });
    }
    for (let i = 0; i < 300; i++) h.acquire(randomSpec(rng));
    for (let i = 0; i < 60; i++) h.check(randomCertificate(rng));
    assert.ok(h.matcher.stats().unfilteredRegexes.shards >= 3, JSON.stringify(h.matcher.stats()));
    for (let i = 0; i < 700; i++) h.releaseRandom(rng);
    for (let i = 0; i < 60; i++) h.check(randomCertificate(rng));
  });
});
