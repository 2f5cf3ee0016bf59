import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CertCache, CertParseError, parseCertificate } from '../../src/x509/index.js';
import { skipWithoutFixtures } from '../support/fixtures.js';
import { danadjsEntry } from './fixture-certs.js';

describe('CertCache', { skip: skipWithoutFixtures }, () => {
  it('parses once per distinct DER and returns the same frozen object on hits', () => {
    const { leaf, chain } = danadjsEntry();
    const cache = new CertCache(10);
    const first = cache.get(chain[0]!);
    assert.deepEqual(first, parseCertificate(chain[0]!));
    assert.equal(cache.get(Uint8Array.from(chain[0]!)), first, 'an equal copy of the DER hits');
    cache.get(chain[1]!);
    cache.get(leaf);
    assert.deepEqual(cache.stats(), { hits: 1, misses: 3, evictions: 0, size: 3, capacity: 10 });
    assert.ok(Object.isFrozen(first) && Object.isFrozen(first.subject) && Object.isFrozen(first.extensions) && Object.isFrozen(first.all_domains));
    assert.throws(() => {
      (first as { serial_number: string }).serial_number = 'changed';
    }, TypeError);
  });

  it('evicts the least recently used entry past capacity', () => {
    const { leaf, chain } = danadjsEntry();
    const [a, b, c] = [chain[0]!, chain[1]!, leaf];
    const cache = new CertCache(2);
    const parsedA = cache.get(a);
    cache.get(b);
    assert.equal(cache.get(a), parsedA, 'a is now the most recent');
    cache.get(c); // evicts b
    assert.equal(cache.get(a), parsedA);
    assert.deepEqual(cache.stats(), { hits: 2, misses: 3, evictions: 1, size: 2, capacity: 2 });
    cache.get(b);
    assert.equal(cache.stats().misses, 4, 'b was evicted, so it is parsed again');
  });

  it('does not cache parse errors', () => {
    const cache = new CertCache(2);
    const broken = Uint8Array.from([0x30, 0x80, 0x00, 0x00]);
    assert.throws(() => cache.get(broken), CertParseError);
    assert.throws(() => cache.get(broken), CertParseError);
    assert.deepEqual(cache.stats(), { hits: 0, misses: 2, evictions: 0, size: 0, capacity: 2 });
  });

  it('requires a positive capacity', () => {
    assert.throws(() => new CertCache(0), RangeError);
    assert.throws(() => new CertCache(1.5), RangeError);
  });
});
