/**
 * The edge's EdgeFeed over a stand-in for a JetStream stream (no nats-server): the backfill at
 * start, numbering by stream sequence, skipping what a replaced consumer hands over twice, reading
 * on from the last sequence after a consumer ends or the connection comes back, and skipping
 * messages that are not envelopes.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { OrderedConsumerOptions } from '@nats-io/jetstream';
import { EdgeFeed, type EdgeFeedConnection } from '../../src/cluster/edge-feed.js';
import { encodeEnvelope } from '../../src/cluster/envelope.js';
import type { CertEvent } from '../../src/ingest/event.js';
import { silentLogger } from '../../src/util/logger.js';
import { simulatedEvent } from '../support/events.js';
import { waitFor } from '../support/wait.js';

interface Message {
  seq: number;
  data: Uint8Array;
  info: { timestampNanos: number };
}

/** One consumer's messages: the test pushes them in and ends them; stop() ends them too. */
class Messages implements AsyncIterable<Message> {
  private readonly queue: Message[] = [];
  private wake: (() => void) | null = null;
  stopped = false;

  push(...messages: Message[]): void {
    this.queue.push(...messages);
    this.wake?.();
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Message> {
    for (;;) {
      const next = this.queue.shift();
      if (next) yield next;
      else if (this.stopped) return;
      else await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

/** A stream with messages 1..n and a connection whose status the test drives. */
class FakeCluster implements EdgeFeedConnection {
  readonly stored: Message[] = [];
  /** The start sequence each consumer was created with, and its messages. */
  readonly consumers: { startSeq: number; messages: Messages }[] = [];
  private statusWake: ((status: { type: string }) => void) | null = null;

  readonly names = { stream: 'TEST' };
  readonly jsm = {
    streams: {
      info: (): Promise<{ state: { first_seq: number; last_seq: number } }> =>
        Promise.resolve({ state: { first_seq: this.stored.length > 0 ? 1 : 0, last_seq: this.stored.length } }),
    },
  };
  readonly js = {
    consumers: {
      get: (_stream: string, options: Partial<OrderedConsumerOptions>) => {
        const messages = new Messages();
        this.consumers.push({ startSeq: options.opt_start_seq ?? 1, messages });
        return Promise.resolve({ consume: () => Promise.resolve(messages) });
      },
    },
  };
  readonly nc = {
    status: (): AsyncIterable<{ type: string }> => ({
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<{ type: string }>>((resolve) => (this.statusWake = (status) => resolve({ value: status, done: false }))),
      }),
    }),
  };

  store(data: Uint8Array): Message {
    const message = { seq: this.stored.length + 1, data, info: { timestampNanos: (this.stored.length + 1) * 1_000_000 } };
    this.stored.push(message);
    return message;
  }

  /** Messages `from`..`to` of the stream, as a consumer starting at `from` hands them over. */
  range(from: number, to: number): Message[] {
    return this.stored.slice(from - 1, to);
  }

  get current(): { startSeq: number; messages: Messages } {
    return this.consumers[this.consumers.length - 1]!;
  }

  reconnected(): void {
    this.statusWake?.({ type: 'reconnect' });
  }
}

describe('EdgeFeed', () => {
  let envelope: Uint8Array;
  before(async () => {
    envelope = encodeEnvelope(await simulatedEvent('edge-feed', ['edge.example']));
  });

  function startFeed(cluster: FakeCluster) {
    const received: { seq: number; at: number }[] = [];
    const feed = new EdgeFeed(cluster, (event: CertEvent, at) => received.push({ seq: event.seq, at }), silentLogger);
    return { feed, received, seqs: () => received.map((r) => r.seq) };
  }

  it('reads back the newest `backfill` messages first and resolves once it has handed them on', async () => {
    const cluster = new FakeCluster();
    for (let i = 0; i < 10; i++) cluster.store(envelope);
    const { feed, received, seqs } = startFeed(cluster);
    let started = false;
    const starting = feed.start(4).then(() => (started = true));
    await waitFor('the first consumer', () => cluster.consumers.length === 1);
    assert.equal(cluster.current.startSeq, 7, 'the newest 4 of 10');
    cluster.current.messages.push(...cluster.range(7, 9));
    await waitFor('three handed on', () => received.length === 3);
    assert.equal(started, false, 'not caught up before seq 10');
    cluster.current.messages.push(...cluster.range(10, 10));
    await starting;
    assert.deepEqual(seqs(), [7, 8, 9, 10], 'numbered by stream sequence');
    assert.deepEqual(received.map((r) => r.at), [7, 8, 9, 10], 'stored-at times from the stream, in ms');
    assert.equal(feed.stats.lastSeq, 10);
    feed.stop();
    await feed.stopped();
  });

  it('reads on from the last sequence with a new consumer, skipping what the old one hands over twice', async () => {
    const cluster = new FakeCluster();
    for (let i = 0; i < 6; i++) cluster.store(envelope);
    const { feed, seqs } = startFeed(cluster);
    const starting = feed.start(0);
    await starting; // an empty backfill: nothing to wait for
    const first = cluster.current;
    assert.equal(first.startSeq, 7);
    for (let i = 0; i < 4; i++) cluster.store(envelope);
    first.messages.push(...cluster.range(7, 8));
    await waitFor('7 and 8', () => seqs().length === 2);

    // The consumer ends early: a new one starts after the last sequence handed on.
    first.messages.stop();
    await waitFor('a second consumer', () => cluster.consumers.length === 2);
    assert.equal(cluster.current.startSeq, 9);
    assert.equal(feed.stats.restarts, 1);
    // Overlap, as from a consumer that is being replaced: 8 again, then new ones.
    cluster.current.messages.push(...cluster.range(8, 10));
    await waitFor('9 and 10', () => feed.stats.lastSeq === 10);
    assert.deepEqual(seqs(), [7, 8, 9, 10], 'each sequence once, in order');
    feed.stop();
    await feed.stopped();
  });

  it('replaces the consumer at once when the NATS connection comes back', async () => {
    const cluster = new FakeCluster();
    const { feed, seqs } = startFeed(cluster);
    await feed.start(100);
    cluster.store(envelope);
    cluster.current.messages.push(...cluster.range(1, 1));
    await waitFor('the first message', () => seqs().length === 1);
    const before = cluster.current;
    cluster.reconnected();
    await waitFor('a new consumer', () => cluster.consumers.length === 2);
    assert.equal(before.messages.stopped, true, 'the old consumer is stopped');
    assert.equal(cluster.current.startSeq, 2);
    feed.stop();
    await feed.stopped();
  });

  it('counts and skips a message that is not an envelope, and goes on', async () => {
    const cluster = new FakeCluster();
    const { feed, seqs } = startFeed(cluster);
    await feed.start(0);
    cluster.store(envelope);
    cluster.store(new Uint8Array([99, 1, 2, 3]));
    cluster.store(envelope);
    cluster.current.messages.push(...cluster.range(1, 3));
    await waitFor('all three read', () => feed.stats.received === 3);
    assert.deepEqual(seqs(), [1, 3]);
    assert.equal(feed.stats.malformed, 1);
    assert.equal(feed.stats.lastSeq, 3);
    feed.stop();
    await feed.stopped();
  });
});
