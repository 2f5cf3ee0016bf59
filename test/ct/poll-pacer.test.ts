import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PollPacer } from '../../src/ct/poll-pacer.js';

describe('head poll pacing', () => {
  const options = { fastMs: 250, idleMs: 2_000, idleAfterMs: 10_000 };

  it('polls at the idle interval until the log grows, fast while it grows, idle again after a quiet spell', () => {
    const pacer = new PollPacer(options);
    assert.equal(pacer.intervalMs(0), 2_000);
    pacer.headSeen(false, 1_000);
    assert.equal(pacer.intervalMs(1_000), 2_000);
    pacer.headSeen(true, 2_000);
    assert.equal(pacer.intervalMs(2_000), 250);
    pacer.headSeen(false, 9_000); // heads 5 s apart still count as growing
    assert.equal(pacer.intervalMs(11_999), 250);
    assert.equal(pacer.intervalMs(12_000), 2_000);
  });

  it('halves its rate for good after each 429, never below the idle rate', () => {
    const pacer = new PollPacer(options);
    pacer.headSeen(true, 0);
    pacer.rateLimited();
    assert.equal(pacer.intervalMs(1), 500);
    pacer.rateLimited();
    pacer.rateLimited();
    pacer.rateLimited();
    assert.equal(pacer.intervalMs(1), 2_000);
    pacer.headSeen(true, 5_000);
    assert.equal(pacer.intervalMs(5_001), 2_000);
  });

  it('never polls faster than the idle interval when that is the shorter one', () => {
    const pacer = new PollPacer({ fastMs: 250, idleMs: 50, idleAfterMs: 250 });
    pacer.headSeen(true, 0);
    assert.equal(pacer.intervalMs(1), 50);
  });
});
