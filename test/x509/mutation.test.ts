/**
 * Robustness: real certificates with random corruption (bit flips, byte changes, truncation,
 * deletions, insertions, duplicated slices) must either parse or throw CertParseError; never
 * another exception, never a hang. The PRNG is seeded so a failure names a reproducible input.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CertParseError, parseCertificate, type CertParseErrorReason } from '../../src/x509/index.js';
import { skipWithoutFixtures } from '../support/fixtures.js';
import { parsableFixtureCerts, type FixtureCert } from './fixture-certs.js';
import { createRng } from '../../src/sim/rng.js';

const ITERATIONS = 30000;

const REASONS: ReadonlySet<CertParseErrorReason> = new Set(['der', 'structure', 'integer', 'oid', 'string', 'time', 'extension', 'pem']);

/** A spread of real certificates: every parsable certs/ blob plus a sample of the CT-embedded ones. */
function seeds(): FixtureCert[] {
  return parsableFixtureCerts().filter((c, i) => c.label.startsWith('certs/') || i % 40 === 0);
}

function mutate(der: Uint8Array, random: () => number): Uint8Array {
  const at = (n: number): number => Math.floor(random() * n);
  const edits = 1 + at(3);
  let bytes = Uint8Array.from(der);
  for (let e = 0; e < edits; e++) {
    const pos = at(bytes.length);
    switch (at(7)) {
      case 0:
        bytes[pos] = bytes[pos]! ^ (1 << at(8));
        break;
      case 1:
        bytes[pos] = [0x00, 0x7f, 0x80, 0x81, 0x82, 0xff][at(6)]!;
        break;
      case 2:
        bytes[pos] = at(256);
        break;
      case 3:
        bytes = bytes.slice(0, pos);
        break;
      case 4:
        bytes = Uint8Array.from([...bytes.subarray(0, pos), ...bytes.subarray(pos + 1 + at(16))]);
        break;
      case 5:
        bytes = Uint8Array.from([...bytes.subarray(0, pos), ...Array.from({ length: 1 + at(4) }, () => at(256)), ...bytes.subarray(pos)]);
        break;
      default: {
        const length = 1 + at(64);
        bytes = Uint8Array.from([...bytes.subarray(0, pos), ...bytes.subarray(pos, pos + length), ...bytes.subarray(pos)]);
      }
    }
    if (bytes.length === 0) break;
  }
  return bytes;
}

describe('x509 mutation robustness', { skip: skipWithoutFixtures, timeout: 120_000 }, () => {
  it(`survives ${ITERATIONS} corrupted certificates with only CertParseError`, () => {
    const corpus = seeds();
    assert.ok(corpus.length > 40, `only ${corpus.length} seed certificates`);
    const random = createRng(0x5eed).next;
    const outcomes = new Map<string, number>();
    for (let n = 0; n < ITERATIONS; n++) {
      const seed = corpus[n % corpus.length]!;
      const mutant = mutate(seed.der, random);
      let outcome = 'parsed';
      try {
        parseCertificate(mutant);
      } catch (error) {
        if (!(error instanceof CertParseError) || !REASONS.has(error.reason) || error.message === '') {
          assert.fail(`iteration ${n} (${seed.label}, input ${Buffer.from(mutant).toString('base64')}) threw ${String(error)}`);
        }
        outcome = error.reason;
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    // The mutations must reach deep enough to exercise most error paths, and some must survive.
    for (const reason of ['parsed', 'der', 'structure', 'integer', 'string', 'time', 'extension']) {
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
