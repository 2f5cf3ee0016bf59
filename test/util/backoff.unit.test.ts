import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Backoff, sleep } from '../../src/util/backoff.js';

describe('backoff', () => {
  it('honours Retry-After as a floor, up to the maximum', () => {
    const backoff = new Backoff({ baseMs: 100, maxMs: 60_000, random: () => 0 });
    assert.equal(backoff.next(5_000), 5_000);
    assert.equal(backoff.next(30 * 24 * 3600 * 1000), 60_000, '30 days is cut to the maximum');
    assert.equal(backoff.next(Number.POSITIVE_INFINITY), 60_000);
    assert.equal(backoff.next(), 1, 'never 0');
  });

  it('sleeps a wait already past as 0, without the warning Node 23+ gives a negative timer', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      // Node emits the warning on the next tick, before any timer fires: once sleep ends, it would be here.
      await sleep(-50);
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(warnings, []);
  });
});
