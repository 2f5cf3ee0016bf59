import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CertCache, CertParseError, parseCertificate } from '../../src/x509/index.js';
import { parsedCertBytes } from '../../src/x509/cert-cache.js';
import { sharedFixtures } from '../support/fixtures.js';
import { danadjsEntry } from './fixture-certs.js';
import { skipWithout } from '../support/requirements.js';

describe('CertCache', { skip: skipWithout(sharedFixtures) }, () => {
  it('parses once per distinct DER and returns the same frozen object on hits', () => {
    const { leaf, chain } = danadjsEntry();
    const cache = new CertCache(10);
    const first = cache.get(chain[0]!);
    assert.deepEqual(first, parseCertificate(chain[0]!));
    assert.equal(cache.get(Uint8Array.from(chain[0]!)), first, 'an equal copy of the DER hits');
    cache.get(chain[1]!);
    cache.get(leaf);
    assert.deepEqual(cache.stats(), {
      hits: 1, misses: 3, evictions: 0, size: 3, capacity: 10,
      bytes: parsedCertBytes(chain[0]!.length) + parsedCertBytes(chain[1]!.length) + parsedCertBytes(leaf.length),
    });
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
    assert.deepEqual(cache.stats(), { hits: 2, misses: 3, evictions: 1, size: 2, capacity: 2, bytes: parsedCertBytes(a.length) + parsedCertBytes(c.length) });
    cache.get(b);
    assert.equal(cache.stats().misses, 4, 'b was evicted, so it is parsed again');
  });

  it('evicts past its byte budget, and keeps no certificate bigger than the whole budget', () => {
    const { leaf, chain } = danadjsEntry();
    const [a, b] = [chain[0]!, chain[1]!];
    // One byte short of holding all three: the third evicts exactly one.
    const cache = new CertCache(100, parsedCertBytes(a.length) + parsedCertBytes(b.length) + parsedCertBytes(leaf.length) - 1);
    cache.get(a);
    cache.get(b);
    cache.get(leaf); // over the bytes (not the count): a, the oldest, goes
    assert.equal(cache.stats().evictions, 1);
    assert.equal(cache.stats().bytes, parsedCertBytes(b.length) + parsedCertBytes(leaf.length));
    const tiny = new CertCache(100, parsedCertBytes(a.length) - 1);
    assert.deepEqual(tiny.get(a), parseCertificate(a));
    assert.deepEqual([tiny.stats().size, tiny.stats().bytes], [0, 0]);
  });

  it('does not cache parse errors', () => {
    const cache = new CertCache(2);
    const broken = Uint8Array.from([0x30, 0x80, 0x00, 0x00]);
    assert.throws(() => cache.get(broken), CertParseError);
    assert.throws(() => cache.get(broken), CertParseError);
    assert.deepEqual(cache.stats(), { hits: 0, misses: 2, evictions: 0, size: 0, capacity: 2, bytes: 0 });
  });

  it('requires a positive capacity', () => {
    assert.throws(() => new CertCache(0), RangeError);
    assert.throws(() => new CertCache(1.5), RangeError);
  });
});
