import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PollPacer } from '../../src/ct/poll-pacer.js';

const options = { fastMs: 250, idleMs: 2_000, idleAfterMs: 10_000 };

/** A log signing a head every `cadence` ms from t = 0, `skew` ms ahead of our clock, growing by 10 per head. */
function head(n: number, cadence = 1_000, skew = 0): { treeSize: number; timestamp: number } {
  return { treeSize: 10 * n, timestamp: n * cadence + skew };
}

describe('head poll pacing', () => {
  it('polls at the idle interval until the log grows, then just after each predicted head', () => {
    const pacer = new PollPacer(options);
    pacer.headSeen(head(0), 5);
    assert.equal(pacer.nextPollAt(), 2_005, 'no growth seen yet: idle');
    pacer.headSeen(head(2), 2_005);
    // Grew; the gap of 2,000 ms was sampled at the idle rate (a head may have come between): no cadence yet.
    assert.equal(pacer.nextPollAt(), 2_255, 'the fast interval');
    pacer.headSeen(head(2), 2_255);
    pacer.headSeen(head(3), 3_003);
    // Cadence 1,000 ms, quickest sighting 3 ms after a head was signed, a little early.
    assert.equal(pacer.nextPollAt(), 4_000 + 3 - 10);
    pacer.headSeen(head(4), 4_001);
    assert.equal(pacer.nextPollAt(), 4_991);
    assert.equal(pacer.intervalMs(), 990);
  });

  it('absorbs clock skew: the prediction follows the shortest delay seen', () => {
    const pacer = new PollPacer(options);
    const skew = -700; // the log's clock is 700 ms behind ours
    pacer.headSeen(head(0, 1_000, skew), 0);
    pacer.headSeen(head(1, 1_000, skew), 1_000);
    pacer.headSeen(head(2, 1_000, skew), 2_000);
    assert.equal(pacer.nextPollAt(), 3_000 - 10);
  });

  it('steps quickly for a late head, for one fast interval, then polls at the fast interval', () => {
    const pacer = new PollPacer(options);
    pacer.headSeen(head(0), 0);
    pacer.headSeen(head(1), 1_000);
    pacer.headSeen(head(2), 2_000);
    assert.equal(pacer.nextPollAt(), 2_990);
    pacer.headSeen(head(2), 2_990); // not there yet
    assert.equal(pacer.nextPollAt(), 2_990 + 31.25);
    pacer.headSeen(head(2), 3_300); // late by more than a fast interval
    assert.equal(pacer.nextPollAt(), 3_550);
  });

  it('goes idle after a quiet spell', () => {
    const pacer = new PollPacer(options);
    pacer.headSeen(head(0), 0);
    pacer.headSeen(head(1), 1_000);
    // Heads keep coming, the tree no longer grows.
    for (let t = 2_000; t <= 11_000; t += 1_000) pacer.headSeen({ treeSize: 10, timestamp: t }, t);
    assert.equal(pacer.nextPollAt(), 13_000);
  });

  it('halves its rate for good after each 429, never below the idle rate, and takes no short steps then', () => {
    const pacer = new PollPacer(options);
    pacer.headSeen({ treeSize: 0, timestamp: 0 }, 0);
    pacer.headSeen({ treeSize: 5, timestamp: 0 }, 100); // grew, no cadence yet
    assert.equal(pacer.nextPollAt(), 350);
    pacer.rateLimited();
    assert.equal(pacer.nextPollAt(), 600);
    for (let i = 0; i < 5; i++) pacer.rateLimited();
    assert.equal(pacer.nextPollAt(), 2_100);
    pacer.headSeen(head(1), 2_100);
    pacer.headSeen(head(2), 2_200);
    pacer.headSeen(head(2), 3_200);
    assert.equal(pacer.nextPollAt(), 5_200, 'a late head is polled for at the rate-limited interval');
  });
});
