/** The catch-up progress line: what it measures, how it reads, and when it is shown. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CatchUpTracker, formatBacklog, formatDuration, measureBacklog, type Backlog } from '../../src/cli/catch-up-progress.js';

const log = (treeSize: number | null, next: number | null, entriesPerSecond = 0) => ({ treeSize, next, entriesPerSecond });

describe('catch-up progress', () => {
  it('sums what every log has left to read, counting the logs far behind', () => {
    const backlog = measureBacklog([log(50_000, 10_000, 5_000), log(10_500, 10_000, 200), log(null, null), log(100, 100, 3_000)], 1_000);
    assert.deepEqual(backlog, { logs: 1, entries: 40_500, entriesPerSecond: 8_200 });
  });

  it('ignores a cursor past the known head (the head is polled less often than entries are read)', () => {
    assert.deepEqual(measureBacklog([log(100, 150)]), { logs: 0, entries: 0, entriesPerSecond: 0 });
  });

  it('reads as one line with thousands separators and an ETA', () => {
    assert.equal(
      formatBacklog({ logs: 3, entries: 45_120, entriesPerSecond: 8_200 }),
      'catching up: 3 logs, 45,120 entries behind, 8,200/s, ETA 6s',
    );
    assert.equal(formatBacklog({ logs: 1, entries: 12_000, entriesPerSecond: 0 }), 'catching up: 1 log, 12,000 entries behind, 0/s, ETA unknown');
  });

  it('formats durations in the two largest units', () => {
    assert.equal(formatDuration(0.2), '1s');
    assert.equal(formatDuration(59), '59s');
    assert.equal(formatDuration(125), '2m 05s');
    assert.equal(formatDuration(3_720), '1h 02m');
  });

  it('starts only above the threshold, reports at its pace, and says once when caught up', () => {
    const tracker = new CatchUpTracker(10_000, { farBehind: 1_000, startAt: 10_000 });
    const behind = (entries: number, logs = 1): Backlog => ({ logs, entries, entriesPerSecond: 100 });
    assert.equal(tracker.step(behind(5_000), 0), null, 'a small backlog is steady state');
    assert.equal(tracker.step(behind(20_000), 1_000), 'report', 'first report at once');
    assert.equal(tracker.step(behind(19_000), 2_000), null, 'then at most every 10 s');
    assert.equal(tracker.step(behind(5_000), 11_000), 'report', 'still behind, though below the start threshold');
    assert.equal(tracker.step(behind(500, 0), 12_000), 'caught-up');
    assert.equal(tracker.step(behind(500, 0), 13_000), null, 'said once');
    assert.equal(tracker.step(behind(50_000, 2), 14_000), 'report', 'falling behind again shows it again');
  });
});
