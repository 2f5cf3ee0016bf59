import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AhoCorasick } from '../../src/router/aho-corasick.js';
import { TermIndex } from '../../src/router/term-index.js';
import { createRng, type Rng } from '../../src/sim/rng.js';
import { waitFor } from '../support/wait.js';

/**
 * One random change to the index, mirrored in `held` (id -> term) and `refs` (id -> references):
 * acquire a word (checking an id stands for one term while held) or release a held id.
 */
function churnStep(index: TermIndex, rng: Rng, words: readonly string[], held: Map<number, string>, refs: Map<number, number>): void {
  if (rng.chance(0.55) || refs.size === 0) {
    const word = rng.pick(words);
    const id = index.acquire(word);
    const known = held.get(id);
    assert.ok(known === undefined || known === word, 'an id stands for one term while held');
    held.set(id, word);
    refs.set(id, (refs.get(id) ?? 0) + 1);
  } else {
    const id = rng.pick([...refs.keys()]);
    index.release(id);
    const left = refs.get(id)! - 1;
    if (left === 0) {
      refs.delete(id);
      held.delete(id);
    } else refs.set(id, left);
  }
}

/** Distinct ids of the terms found in `text`. */
function found(scanner: { scan: AhoCorasick['scan'] }, text: string): number[] {
  const ids = new Set<number>();
  scanner.scan(text, { onTerm: (id) => ids.add(id) });
  return [...ids].sort((a, b) => a - b);
}

/** Reference: ids of the terms that are substrings of the lower-cased text. */
function naive(terms: readonly string[], ids: readonly number[], text: string): number[] {
  const lowered = text.toLowerCase();
  return ids.filter((_, i) => lowered.includes(terms[i]!)).sort((a, b) => a - b);
}

describe('AhoCorasick', () => {
  it('reports overlapping terms and terms that are suffixes of others', () => {
    const terms = ['he', 'she', 'his', 'hers', 'e'];
    const ac = new AhoCorasick(terms, [10, 11, 12, 13, 14]);
    assert.deepEqual(found(ac, 'ushers'), [10, 11, 13, 14]);
    assert.deepEqual(found(ac, 'hi'), []);
    assert.deepEqual(found(ac, 'ahishe'), [10, 11, 12, 14]);
    let occurrences = 0;
    ac.scan('eee', { onTerm: () => occurrences++ });
    assert.equal(occurrences, 3, 'one report per occurrence');
  });

  it('matches case-insensitively, including non-ASCII text', () => {
    const terms = ['paypal', 'пример', 'straße', 'i̇stanbul'];
    const ac = new AhoCorasick(terms, [0, 1, 2, 3]);
    assert.deepEqual(found(ac, 'WWW.PayPal.COM'), [0]);
    assert.deepEqual(found(ac, 'ПРИМЕР.рф'), [1]);
    assert.deepEqual(found(ac, 'STRAßE.de'), [2]);
    assert.deepEqual(found(ac, 'İSTANBUL.tr'), [3], 'İ lower-cases to i + combining dot');
    assert.deepEqual(found(ac, 'paypal-пример'), [0, 1], 'ASCII prefix before the restart is not lost');
  });

  it('handles no terms and characters that occur in no term', () => {
    assert.deepEqual(found(new AhoCorasick([], []), 'anything'), []);
    assert.deepEqual(found(new AhoCorasick(['abc'], [1]), '\u0000\uffff😀abc'), [1]);
  });

  const cjk = Array.from({ length: 3000 }, (_, i) => String.fromCharCode(0x4e00 + i));
  for (const [label, chars] of [
    ['small ASCII alphabet (dense rows)', [...'abcAB.-']],
    // 3,000 classes leave room for only ~350 dense rows; a and b make deep states likely.
    ['large alphabet (sparse states past the dense budget)', [...cjk, ...'ab'.repeat(3000)]],
  ] as const) {
    it(`agrees with a naive search over random terms: ${label}`, () => {
      const rng = createRng(label.length);
      const randomText = (max: number): string => Array.from({ length: 1 + rng.int(max) }, () => rng.pick(chars)).join('');
      const terms = [...new Set(Array.from({ length: 2000 }, () => randomText(6).toLowerCase()))];
      const ids = terms.map((_, i) => i * 3 + 1);
      const ac = new AhoCorasick(terms, ids);
      for (let i = 0; i < 2000; i++) {
        const text = randomText(30);
        assert.deepEqual(found(ac, text), naive(terms, ids, text), text);
      }
    });
  }
});

describe('TermIndex', () => {
  it('finds terms added after the base build, and reuses a dead term without a rebuild', () => {
    const index = new TermIndex();
    const a = index.acquire('alpha');
    index.refresh();
    const b = index.acquire('beta');
    index.refresh();
    assert.deepEqual(found(index, 'alpha-beta'), [a, b].sort((x, y) => x - y));
    const builds = index.stats();
    index.release(b);
    assert.equal(index.acquire('beta'), b, 'a dead term keeps its id');
    index.refresh();
    assert.deepEqual(index.stats(), builds, 'no rebuild for a revived term');
  });

  it('stays exact across random churn, rebuilds and id reuse', () => {
    const rng = createRng(7);
    const index = new TermIndex();
    const held = new Map<number, string>();
    const refs = new Map<number, number>();
    const words = Array.from({ length: 3000 }, (_, i) => `w${i.toString(36)}x`);
    for (let round = 0; round < 60; round++) {
      for (let i = 0; i < 100; i++) {
        churnStep(index, rng, words, held, refs);
      }
      index.refresh();
      const text = Array.from({ length: 5 }, () => rng.pick(words)).join('.');
      const live = [...refs.keys()].filter((id) => text.includes(held.get(id)!)).sort((a, b) => a - b);
      assert.deepEqual(found(index, text).filter((id) => refs.has(id)), live);
    }
    assert.ok(index.stats().baseBuilds > 1, 'churn went through base rebuilds');
  });
});

describe('TermIndex in background mode', () => {
  it('builds outside refresh(), a slice at a time, and finds new terms exactly meanwhile', async () => {
    const index = new TermIndex({ background: true });
    const terms = Array.from({ length: 512 }, (_, i) => `bg-${i}-`.padEnd(200, 'k'));
    const ids = terms.map((t) => index.acquire(t));
    index.refresh();
    assert.equal(index.stats().baseBuilds + index.stats().deltaBuilds, 0, 'refresh() itself built nothing');
    assert.equal(index.stats().pendingTerms, 512);
    assert.deepEqual(found(index, `x.${terms[300]!}.example`), [ids[300]]);
    // Churn while the build runs: a term released before it is installed, one added after it started.
    await new Promise((resolve) => setTimeout(resolve, 5));
    index.release(ids[5]!);
    const late = index.acquire('late-term');
    index.refresh();
    await waitFor('builds installed', () => index.stats().pendingTerms === 0, 20_000);
    assert.ok(index.stats().baseBuilds >= 1);
    assert.deepEqual(found(index, `${terms[300]!}.late-term.example`), [ids[300]!, late].sort((a, b) => a - b));
    assert.deepEqual(found(index, `${terms[5]!}`).filter((id) => id !== ids[5]), [], 'a released term reports only its own (dead) id');
  });

  it('builds what was added even when nothing calls refresh() (no certificates flowing)', async () => {
    const index = new TermIndex({ background: true });
    const id = index.acquire('lonely-term'.padEnd(2000, 'q'));
    await waitFor('the build', () => index.stats().pendingTerms === 0, 20_000);
    assert.deepEqual(found(index, `x${'lonely-term'.padEnd(2000, 'q')}x`), [id]);
  });
});

describe('TermIndex in background mode, under churn', () => {
  it('stays exact while builds start, run and install between changes', async () => {
    const rng = createRng(11);
    const index = new TermIndex({ background: true });
    const held = new Map<number, string>();
    const refs = new Map<number, number>();
    // Long terms, so that builds span several slices and changes land in the middle of them.
    const words = Array.from({ length: 2000 }, (_, i) => `w${i.toString(36)}x`.padEnd(40 + (i % 60), 'y'));
    for (let round = 0; round < 80; round++) {
      for (let i = 0; i < 60; i++) {
        churnStep(index, rng, words, held, refs);
      }
      index.refresh();
      for (let probe = 0; probe < 3; probe++) {
        const text = Array.from({ length: 3 }, () => rng.pick(words)).join('.');
        const live = [...refs.keys()].filter((id) => text.includes(held.get(id)!)).sort((a, b) => a - b);
        assert.deepEqual(found(index, text).filter((id) => refs.has(id)), live, `round ${round}`);
      }
      // A real yield of 0-2 ms: background build slices run between rounds, landing at varied points.
      await new Promise((resolve) => setTimeout(resolve, round % 3));
    }
    await waitFor('builds installed', () => index.stats().pendingTerms === 0, 30_000);
    const text = [...held.values()].slice(0, 5).join('.');
    const live = [...refs.keys()].filter((id) => text.includes(held.get(id)!)).sort((a, b) => a - b);
    assert.deepEqual(found(index, text).filter((id) => refs.has(id)), live);
    assert.ok(index.stats().baseBuilds >= 1 && index.stats().deltaBuilds >= 1, JSON.stringify(index.stats()));
  });
});
