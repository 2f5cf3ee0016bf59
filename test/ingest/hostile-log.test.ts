/**
 * A hostile log that stays within what a log may validly do: a Retry-After longer than a timer can
 * hold (Node would fire it after 1 ms: a retry storm), and a validly signed tree that jumps by far
 * more than the catch-up cap while we follow it. Each is contained to that log, counted and logged,
 * and an honest client on the same server keeps getting the other log's certificates.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { SimLog } from '../../src/sim/sim-log.js';
import { createLogger } from '../../src/util/logger.js';
import { startStack, type Stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';
import { connectRecording, type RecordingClient } from '../support/ws-client.js';

const MAX_CATCH_UP = 100;
const BACKOFF_MAX_MS = 400;
/** 30 days: beyond the 2^31-1 ms (~24.8 days) a Node timer holds. */
const HUGE_RETRY_AFTER_S = 30 * 24 * 3600;

interface LiteMessage {
  message_type: string;
  data: { cert_index: number; source: { url: string }; leaf_cert: { all_domains: string[] } };
}

describe('a hostile log within the limits', () => {
  let stack: Stack;
  let client: RecordingClient;
  let honest: SimLog;
  let hostile: SimLog;
  const logLines: string[] = [];

  const certificates = (): LiteMessage[] => (client.messages as LiteMessage[]).filter((m) => m.message_type === 'certificate_update');
  const indexesFrom = (log: SimLog): number[] => {
    // source.url is the log's URL as the log list gives it.
    const url = log.urls.url;
    return certificates().filter((m) => m.data.source.url === url).map((m) => m.data.cert_index);
  };
  const statusOf = (log: SimLog) => stack.ingest.status().find((s) => s.url === log.urls.url)!;
  /** Appends a marker certificate to the honest log; resolves once the honest client has it. */
  const honestClientGets = async (name: string): Promise<void> => {
    stack.appendNamed([[name]]);
    await waitFor(`the honest client to get ${name}`, () => certificates().some((m) => m.data.leaf_cert.all_domains.includes(name)));
  };

  before(async () => {
    const capture = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    stack = await startStack(
      { seed: 'hostile-log', rfc6962Logs: 2, tiledLogs: 0, initialEntries: 5 },
      {},
      {
        follower: { pollIntervalMs: 50, backoffBaseMs: 20, backoffMaxMs: BACKOFF_MAX_MS, maxCatchUp: MAX_CATCH_UP },
        logger: createLogger('warn', { format: 'json', stream: capture }),
      },
    );
    [honest, hostile] = stack.sim.logs as [SimLog, SimLog];
    client = await connectRecording(`ws://${stack.base}/`);
    await waitFor('followers at head', () => stack.ingest.status().every((s) => s.next === 5));
  });

  after(async () => {
    await client.close();
    await stack.close();
  });

  it('waits at most the backoff maximum when Retry-After is beyond what a timer holds', async () => {
    stack.sim.setFaults(hostile.slug, { rateLimit: { retryAfterSeconds: HUGE_RETRY_AFTER_S } });
    stack.sim.append(3, hostile.slug);
    await waitFor('the 429 seen', () => (statusOf(hostile).errors.http_429 ?? 0) >= 1);
    // The wait is the cap: neither 30 days (the log would be lost) nor the 1 ms of an overflowed timer.
    assert.equal(statusOf(hostile).state, 'backoff');
    assert.equal(statusOf(hostile).retryInMs, BACKOFF_MAX_MS);
    await honestClientGets('honest-during-retry-after.example');
    // Each 429 waits the full cap; without it, the retries would run at ~1,000/s.
    const afterHonest = statusOf(hostile).errors.http_429!;
    await waitFor('a second 429', () => statusOf(hostile).errors.http_429! > afterHonest);
    assert.equal(statusOf(hostile).retryInMs, BACKOFF_MAX_MS);

    stack.sim.clearFaults();
    await waitFor('the hostile log read again', () => indexesFrom(hostile).length === 3);
    assert.deepEqual(indexesFrom(hostile), [5, 6, 7], 'nothing lost once the log answers again');
  });

  it('reads at most maxCatchUp entries when a head jumps while following, and counts the rest as skipped', async () => {
    const from = hostile.size;
    const honestBefore = indexesFrom(honest).length;
    // A validly signed tree head 1,000 entries ahead, published at once.
    stack.sim.append(1_000, hostile.slug);
    await waitFor('the hostile log at its head', () => statusOf(hostile).next === hostile.size);
    await waitFor('the last entry delivered', () => indexesFrom(hostile).includes(hostile.size - 1));
    const to = hostile.size - MAX_CATCH_UP;
    assert.equal(statusOf(hostile).skipped, to - from, 'the skipped entries are counted');
    const read = indexesFrom(hostile).filter((i) => i >= from);
    assert.deepEqual(read, Array.from({ length: MAX_CATCH_UP }, (_, i) => to + i), 'only the newest maxCatchUp entries are read');
    const skipLine = logLines.map((l) => JSON.parse(l) as { msg: string; from?: number; to?: number }).find((l) => l.msg === 'skipped entries' && l.from === from);
    assert.equal(skipLine?.to, to, 'the skip is logged with its range');

    await honestClientGets('honest-after-jump.example');
    assert.equal(indexesFrom(honest).length, honestBefore + 1);
    assert.equal(statusOf(honest).skipped, 0);
  });
});
