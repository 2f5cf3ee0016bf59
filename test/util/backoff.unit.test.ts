import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff } from '../../src/util/backoff.js';

describe('backoff', () => {
  it('honours Retry-After as a floor, up to the maximum', () => {
    const backoff = new Backoff({ baseMs: 100, maxMs: 60_000, random: () => 0 });
    assert.equal(backoff.next(5_000), 5_000);
    assert.equal(backoff.next(30 * 24 * 3600 * 1000), 60_000, '30 days is cut to the maximum');
    assert.equal(backoff.next(Number.POSITIVE_INFINITY), 60_000);
    assert.equal(backoff.next(), 1, 'never 0');
  });
});
