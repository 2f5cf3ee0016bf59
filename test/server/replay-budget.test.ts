/**
 * Replays are budgeted in total and shared fairly between client IPs (ReplayScheduler), and a
 * replay that outlives the history tells its client which seqs it could not send (a gap message):
 * - replay storm: connections from another IP re-subscribing many times a second with `since` at
 *   the oldest event and a filter that never matches examine no more history than the server-wide
 *   budget allows, while an honest client's resume (127.0.0.1) completes and live delivery goes on;
 * - a replay slower than the history's turnover sends `gap` with the lost seqs; every seq after the
 *   resume point is delivered or named in a gap, in order, once; the client library reports it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, type GapEvent } from '../../src/client/index.js';
import { startStack, type Stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';
import { connectRecording, type RecordingClient } from '../support/ws-client.js';

type Json = Record<string, unknown>;
const entries = (c: RecordingClient): Json[] => c.messages.filter((m) => (m as Json).message_type === 'dns_entries') as Json[];
const subscribedReplies = (c: RecordingClient): Json[] => c.messages.filter((m) => (m as Json).message_type === 'subscribed') as Json[];

async function subscribe(client: RecordingClient, message: Json): Promise<Json> {
  const before = subscribedReplies(client).length;
  client.socket.send(JSON.stringify({ type: 'subscribe', ...message }));
  await waitFor('subscribed', () => subscribedReplies(client).length > before, 5_000);
  return subscribedReplies(client)[before]!;
}

async function metric(stack: Stack, name: string): Promise<number> {
  const text = await (await fetch(`http://${stack.base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}


describe('replay budget', () => {
  let stack: Stack;
  const budget = { eventsPerTurn: 200, turnMs: 4, eventsPerSecond: 5_000, eventsPerSecondPerOwner: 3_000, maxBuffered: 1024 * 1024 };

  before(async () => {
    stack = await startStack({ seed: 'replay-storm', rfc6962Logs: 1, tiledLogs: 0 }, { historyMaxEvents: 5_000, replayBudget: budget });
  });

  after(async () => {
    await stack.close();
  });

  it('replay storm: total replay work stays within the budget; an honest resume completes and live goes on', async () => {
    const honest = await connectRecording(`ws://${stack.base}/domains-only`);
    const first = await subscribe(honest, { id: 'h', keywords: ['storm-honest'] });
    await honest.close();
    const since = { seq: first.seq as number, epoch: first.epoch as string };
    // 600 events in history, every 30th for the honest subscription.
    await stack.appendNamedAndIngest(Array.from({ length: 600 }, (_, i) => [i % 30 === 0 ? `n${i}.storm-honest.example` : `n${i}.filler.example`]));

    const attackers = await Promise.all(Array.from({ length: 8 }, () => connectRecording(`ws://${stack.base}/domains-only`, { localAddress: '127.0.0.2' })));
    const examinedBefore = await metric(stack, 'certstream_replay_events_examined_total');
    const started = Date.now();
    let storming = true;
    const storm = (async () => {
      while (storming) {
        for (const a of attackers) a.socket.send(JSON.stringify({ type: 'subscribe', id: 'storm', keywords: ['never-matches-zq'], since }));
        // Paced: a storm that lasts while the honest client resumes, under the message rate limit.
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    try {
      await waitFor('the storm is replaying', () => attackers.every((a) => subscribedReplies(a).length >= 3), 10_000);
      const resumed = await connectRecording(`ws://${stack.base}/domains-only`);
      const reply = await subscribe(resumed, { id: 'h', keywords: ['storm-honest'], since });
      assert.equal(reply.recovered, true);
      await waitFor('the honest replay', () => entries(resumed).length === 20, 20_000);
      await stack.appendNamedAndIngest([['live.storm-honest.example']]);
      await waitFor('live after the replay', () => entries(resumed).length === 21, 5_000);
      assert.deepEqual(
        entries(resumed).map((m) => (m.data as string[])[0]),
        [...Array.from({ length: 20 }, (_, i) => `n${i * 30}.storm-honest.example`), 'live.storm-honest.example'],
      );
      assert.ok(!resumed.messages.some((m) => (m as Json).message_type === 'gap'));
      await resumed.close();
    } finally {
      storming = false;
      await storm;
    }
    const elapsedS = (Date.now() - started) / 1000;
    const examined = (await metric(stack, 'certstream_replay_events_examined_total')) - examinedBefore;
    const allowed = budget.eventsPerSecond * (elapsedS + 1);
    assert.ok(examined > 0 && examined <= allowed, `examined ${examined} events in ${elapsedS.toFixed(1)} s; budget allows ${allowed}`);
    await Promise.all(attackers.map((a) => a.close()));
  });
});

describe('a replay that outlives the history', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack(
      { seed: 'replay-gap', rfc6962Logs: 1, tiledLogs: 0 },
      { historyMaxEvents: 30, replayBudget: { eventsPerTurn: 8, turnMs: 4, eventsPerSecond: 8, eventsPerSecondPerOwner: 8, maxBuffered: 1024 * 1024 } },
    );
  });

  after(async () => {
    await stack.close();
  });

  it('sends gap with the lost seqs after recovered:true; the client library reports it; nothing is lost silently', async () => {
    const first = await connect(`ws://${stack.base}`, { reconnect: false });
    const sub = await first.subscribe({ channel: 'domains-only', keywords: ['gapkw'] });
    const position = sub.position!;
    await first.close();
    // A live subscriber is the barrier: once it has all 40, the history has them.
    const watcher = await connectRecording(`ws://${stack.base}/domains-only`);
    await subscribe(watcher, { id: 'w', keywords: ['gapkw'] });
    stack.appendNamed(Array.from({ length: 28 }, (_, i) => [`a${i}.gapkw.example`]));
    await waitFor('28 events published', () => entries(watcher).length === 28);
    await watcher.close();

    const client = await connect(`ws://${stack.base}`, { reconnect: false });
    const gaps: GapEvent[] = [];
    client.on('gap', (gap) => gaps.push(gap));
    const seqs: number[] = [];
    const resumed = await client.subscribe({ channel: 'domains-only', keywords: ['gapkw'], since: position });
    resumed.on('message', (m) => seqs.push(m.seq));
    // The replay examines 8 events a second: 100 more push the ones it has not reached out of the history.
    await stack.appendNamedAndIngest(Array.from({ length: 100 }, (_, i) => [`b${i}.gapkw.example`]));
    const newest = position.seq + 128;
    const covered = (): number => seqs.length + gaps.reduce((n, g) => n + g.missedTo! - g.missedFrom! + 1, 0);
    await waitFor('every seq delivered or named in a gap', () => covered() >= 128, 30_000);

    assert.ok(gaps.length >= 1, 'a gap was reported');
    for (const gap of gaps) {
      assert.equal(gap.reason, 'history_expired');
      assert.equal(gap.subscription, resumed.id);
      assert.ok(gap.missedFrom! <= gap.missedTo!);
    }
    // Delivered seqs and gap ranges tile position+1..newest exactly, in order.
    const timeline = [...seqs.map((s) => [s, s] as const), ...gaps.map((g) => [g.missedFrom!, g.missedTo!] as const)].sort((a, b) => a[0] - b[0]);
    let expected = position.seq + 1;
    for (const [from, to] of timeline) {
      assert.equal(from, expected, `seq ${expected} neither delivered nor in a gap`);
      expected = to + 1;
    }
    assert.equal(expected, newest + 1);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'delivered in order');
    const lost = gaps.reduce((n, g) => n + g.missedTo! - g.missedFrom! + 1, 0);
    assert.equal(await metric(stack, 'certstream_replay_lost_events_total'), lost);
    assert.equal(await metric(stack, 'certstream_replay_gaps_total'), gaps.length);
    assert.equal(resumed.position!.seq, newest);
    await client.close();
  });
});
