/**
 * Robustness: real certificates with random corruption (bit flips, byte changes, truncation,
 * deletions, insertions, duplicated slices) must either parse (possibly with field issues) or throw
 * CertParseError; never another exception, never a hang. The PRNG is seeded so a failure names a
 * reproducible input.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CertParseError, parseCertificate, type CertFieldIssue, type CertParseErrorReason } from '../../src/x509/index.js';
import { sharedFixtures } from '../support/fixtures.js';
import { createRng } from '../../src/sim/rng.js';
import { mutate, mutationSeeds as seeds } from './mutate.js';
import { skipWithout } from '../support/requirements.js';

const ITERATIONS = 30000;

const REASONS: ReadonlySet<CertParseErrorReason> = new Set(['der', 'structure', 'integer', 'oid', 'string', 'time', 'extension', 'pem']);

describe('x509 mutation robustness', { skip: skipWithout(sharedFixtures), timeout: 120_000 }, () => {
  it(`survives ${ITERATIONS} corrupted certificates with only CertParseError`, () => {
    const corpus = seeds();
    assert.ok(corpus.length > 40, `only ${corpus.length} seed certificates`);
    const random = createRng(0x5eed).next;
    const outcomes = new Map<string, number>();
    for (let n = 0; n < ITERATIONS; n++) {
      const seed = corpus[n % corpus.length]!;
      const mutant = mutate(seed.der, random);
      let outcome = 'parsed';
      const issues: CertFieldIssue[] = [];
      try {
        parseCertificate(mutant, issues);
        for (const issue of issues) outcomes.set(`issue ${issue.reason}`, (outcomes.get(`issue ${issue.reason}`) ?? 0) + 1);
      } catch (error) {
        if (!(error instanceof CertParseError) || !REASONS.has(error.reason) || error.message === '') {
          assert.fail(`iteration ${n} (${seed.label}, input ${Buffer.from(mutant).toString('base64')}) threw ${String(error)}`);
        }
        outcome = error.reason;
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    // The mutations must reach deep enough to exercise most error and issue paths, and some must survive.
    for (const reason of ['parsed', 'der', 'structure', 'integer', 'issue string', 'issue time', 'issue extension']) {
      assert.ok((outcomes.get(reason) ?? 0) > 0, `no mutant ended as ${reason}: ${JSON.stringify([...outcomes])}`);
    }
  });

  it('rejects every proper prefix of a certificate', () => {
    for (const { label, der } of seeds().slice(0, 10)) {
      for (let length = 0; length < der.length; length++) {
        assert.throws(() => parseCertificate(der.subarray(0, length)), CertParseError, `${label} cut at ${length}`);
      }
    }
  });
});
