/**
 * Resuming after a reconnect: a subscribe with `since` replays what the client missed from the
 * server's history, then continues live with no gap and no duplicate.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';
import { connectRecording, type RecordingClient } from '../support/ws-client.js';

type Json = Record<string, unknown>;
const entries = (c: RecordingClient): Json[] => c.messages.filter((m) => (m as Json).message_type === 'dns_entries') as Json[];
const replyTo = async (c: RecordingClient, message: object): Promise<Json> => {
  const count = (): number => c.messages.filter((m) => (m as Json).message_type === 'subscribed').length;
  const before = count();
  c.socket.send(JSON.stringify(message));
  await waitFor('subscribed', () => count() > before, 5_000);
  return c.messages.filter((m) => (m as Json).message_type === 'subscribed')[before] as Json;
};

describe('resume with since', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({ seed: 'resume', rfc6962Logs: 1, tiledLogs: 0 }, { historyMaxEvents: 1_000 });
  });

  after(async () => {
    await stack.close();
  });

  it('replays exactly what was missed, then continues live', async () => {
    const first = await connectRecording(`ws://${stack.base}/domains-only`);
    const sub = await replyTo(first, { type: 'subscribe', id: 'r', keywords: ['resume'] });
    assert.equal(typeof sub.epoch, 'string');
    assert.equal(typeof sub.seq, 'number');
    await stack.appendNamedAndIngest([['a.resume.example'], ['x.example']]);
    await waitFor('first match', () => entries(first).length === 1);
    const lastSeq = entries(first)[0]!.seq as number;
    await first.close();

    await stack.appendNamedAndIngest([['b.resume.example'], ['y.example'], ['c.resume.example']]);
    const second = await connectRecording(`ws://${stack.base}/domains-only`);
    const resumed = await replyTo(second, { type: 'subscribe', id: 'r', keywords: ['resume'], since: { seq: lastSeq, epoch: sub.epoch } });
    assert.equal(resumed.recovered, true);
    await stack.appendNamedAndIngest([['d.resume.example']]);
    await waitFor('replay and live', () => entries(second).length === 3);
    assert.deepEqual(entries(second).map((m) => m.data), [['b.resume.example'], ['c.resume.example'], ['d.resume.example']]);
    assert.ok(entries(second).every((m) => m.subscription === 'r'));
    await second.close();
  });

  it('merges a long replay with live events: every seq once, in order', async () => {
    const first = await connectRecording(`ws://${stack.base}/domains-only`);
    const sub = await replyTo(first, { type: 'subscribe', id: 'bulk', keywords: ['bulk'] });
    await first.close();
    const from = sub.seq as number;
    await stack.appendNamedAndIngest(Array.from({ length: 300 }, (_, i) => [`n${i}.bulk.example`]));
    const second = await connectRecording(`ws://${stack.base}/domains-only`);
    const resumed = await replyTo(second, { type: 'subscribe', id: 'bulk', keywords: ['bulk'], since: { seq: from, epoch: sub.epoch } });
    assert.equal(resumed.recovered, true);
    // Live events arrive while the replay is still running.
    // A last live certificate marks the end: once it is here, everything before it in seq order is too.
    stack.appendNamed([...Array.from({ length: 300 }, (_, i) => [`m${i}.bulk.example`]), ['end.bulk.example']]);
    await waitFor('the end marker', () => entries(second).some((m) => (m.data as string[])[0] === 'end.bulk.example'), 20_000);
    const seqs = entries(second).map((m) => m.seq as number);
    assert.equal(seqs.length, 601);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in seq order');
    assert.equal(new Set(seqs).size, 601, 'no duplicates');
    assert.deepEqual(
      entries(second).map((m) => (m.data as string[])[0]),
      [...Array.from({ length: 300 }, (_, i) => `n${i}.bulk.example`), ...Array.from({ length: 300 }, (_, i) => `m${i}.bulk.example`), 'end.bulk.example'],
    );
    await second.close();
  });

  it('says recovered:false for another epoch or a seq older than the history, then streams live', async () => {
    const client = await connectRecording(`ws://${stack.base}/domains-only`);
    const other = await replyTo(client, { type: 'subscribe', id: 'e', keywords: ['late'], since: { seq: 1, epoch: 'not-this-one' } });
    assert.equal(other.recovered, false);
    assert.equal(typeof other.oldest_seq, 'number');
    await stack.appendNamedAndIngest(Array.from({ length: 1_100 }, (_, i) => [`h${i}.filler.example`]));
    const old = await replyTo(client, { type: 'subscribe', id: 'o', keywords: ['late'], since: { seq: 1, epoch: other.epoch } });
    assert.equal(old.recovered, false, 'seq 1 has left a 1,000-event history');
    assert.ok((old.oldest_seq as number) > 2);
    await stack.appendNamedAndIngest([['late.example']]);
    await waitFor('live after recovered:false', () => entries(client).length === 2);
    assert.deepEqual(entries(client).map((m) => m.subscription).sort(), ['e', 'o']);
    await client.close();
  });
});

describe('resume history bounded by memory', () => {
  let stack: Stack;
  const maxBytes = 256 * 1024;

  before(async () => {
    stack = await startStack({ seed: 'resume-bytes', rfc6962Logs: 1, tiledLogs: 0 }, { historyMaxBytes: maxBytes });
  });

  after(async () => {
    await stack.close();
  });

  const health = async (): Promise<{ history: Record<string, number | null> }> => (await fetch(`http://${stack.base}/healthz`)).json() as never;

  it('keeps within its bytes, shows it on /healthz and /metrics, and resumes from what it holds', async () => {
    const client = await connectRecording(`ws://${stack.base}/domains-only`);
    const sub = await replyTo(client, { type: 'subscribe', id: 'm', keywords: ['mem'] });
    stack.appendNamed(Array.from({ length: 600 }, (_, i) => [`f${i}.mem.example`]));
    await stack.ingested();
    await waitFor('600 live', () => entries(client).length === 600);
    const { history } = await health();
    assert.ok(history.bytes! <= maxBytes, `${history.bytes} bytes held`);
    assert.ok(history.events! > 50 && history.events! < 600, `${history.events} events held`);
    assert.equal(history.newestSeq, entries(client).at(-1)!.seq);
    const metrics = await (await fetch(`http://${stack.base}/metrics`)).text();
    assert.match(metrics, new RegExp(`certstream_history\\{kind="events"\\} ${history.events}\\b`));
    assert.match(metrics, /certstream_history_dropped_events_total\{bound="bytes"\} [1-9]/);

    // From the start: no longer held. From the oldest held: every event after it, then live.
    const old = await replyTo(client, { type: 'subscribe', id: 'old', keywords: ['mem'], since: { seq: sub.seq, epoch: sub.epoch } });
    assert.equal(old.recovered, false);
    assert.equal(old.oldest_seq, history.oldestSeq);
    const from = history.oldestSeq! - 1;
    const recent = await replyTo(client, { type: 'subscribe', id: 'recent', keywords: ['mem'], since: { seq: from, epoch: sub.epoch } });
    assert.equal(recent.recovered, true);
    const replayed = (): Json[] => entries(client).filter((m) => m.subscription === 'recent');
    await waitFor('replay', () => replayed().length === history.events);
    assert.deepEqual(
      replayed().map((m) => m.data),
      entries(client).filter((m) => m.subscription === 'm' && (m.seq as number) > from).map((m) => m.data),
    );
    await client.close();
  });
});
