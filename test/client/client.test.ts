/**
 * The client library against the real server and simulator, in process: typed messages through
 * async iterators and callbacks, server-side filters, refusals, resume with `since`, automatic
 * reconnect through a connection that drops while the server keeps running, and backpressure.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import {
  ClientClosedError,
  connect,
  ServerError,
  seqOf,
  type CertStreamClient,
  type CertStreamMessage,
  type CertificateUpdateMessage,
  type GapEvent,
  type ReconnectEvent,
  type StandardWebSocketConstructor,
} from '../../src/client/index.js';
import { startStack, type Stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';
import { connectRecording } from '../support/ws-client.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

/** Takes `n` messages from an async iterator, within a deadline. */
async function take<T>(iterable: AsyncIterable<T>, n: number, timeoutMs = 10_000): Promise<T[]> {
  const taken: T[] = [];
  const deadline = setTimeout(() => undefined, timeoutMs);
  try {
    const result = await Promise.race([
      (async () => {
        for await (const item of iterable) {
          taken.push(item);
          if (taken.length === n) break;
        }
        return taken;
      })(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`got ${taken.length} of ${n} messages`)), timeoutMs).unref()),
    ]);
    return result;
  } finally {
    clearTimeout(deadline);
  }
}

const domainsOf = (m: CertificateUpdateMessage): string[] => m.data.leaf_cert.all_domains;

describe('client library', () => {
  let stack: Stack;
  const clients: CertStreamClient[] = [];

  before(async () => {
    stack = await startStack({ seed: 'client-library' });
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await stack.close();
  });

  async function open(url = `ws://${stack.base}/`, options: Parameters<typeof connect>[1] = {}): Promise<CertStreamClient> {
    const client = await connect(url, options);
    clients.push(client);
    return client;
  }

  it('delivers typed, server-filtered certificates to an async iterator and to callbacks', async () => {
    const client = await open();
    const subscription = await client.subscribe({ id: 'pay', channel: 'lite', keywords: ['paypal'] });
    assert.equal(subscription.id, 'pay');
    assert.ok(subscription.position, 'the subscribed reply gives a position');
    const viaCallback: CertStreamMessage[] = [];
    subscription.on('message', (m) => viaCallback.push(m));
    const viaClient: CertStreamMessage[] = [];
    client.on('message', (m) => viaClient.push(m));

    const received = take(subscription, 2);
    stack.appendNamed([['login.paypal.example'], ['unrelated.example'], ['www.PayPal.com', 'other.example']]);
    const messages = await received;

    assert.deepEqual(messages.map(domainsOf), [['login.paypal.example'], ['www.PayPal.com', 'other.example']]);
    for (const m of messages) {
      assert.equal(m.message_type, 'certificate_update');
      assert.equal(m.subscription, 'pay');
      assert.equal(m.data.update_type, 'PrecertLogEntry');
      assert.equal(m.data.leaf_cert.as_der, undefined, 'lite has no DER');
    }
    assert.ok(messages[1]!.data.seq > messages[0]!.data.seq);
    assert.deepEqual(subscription.position, { seq: messages[1]!.data.seq, epoch: subscription.position.epoch });
    await waitFor('callbacks', () => viaCallback.length === 2 && viaClient.length === 2);
    assert.deepEqual(viaCallback, messages);
    assert.deepEqual(viaClient, messages);
  });

  it('types each channel: domains-only gives dns_entries with a seq, full gives DER', async () => {
    const client = await open();
    const domains = await client.subscribe({ channel: 'domains-only', regex: ['^api\\.'] });
    const full = await client.subscribe({ channel: 'full', keywords: ['api.'] });
    const gotDomains = take(domains, 1);
    const gotFull = take(full, 1);
    stack.appendNamed([['www.example'], ['api.example', 'www.api.example']]);
    const [dns] = await gotDomains;
    const [cert] = await gotFull;
    assert.deepEqual(dns!.data, ['api.example', 'www.api.example']);
    assert.equal(typeof seqOf(dns!), 'number');
    assert.equal(seqOf(dns!), cert!.data.seq, 'the same certificate has the same seq on every channel');
    assert.match(cert!.data.leaf_cert.as_der, /^[A-Za-z0-9+/]+=*$/);
  });

  it('rejects a refused subscribe with the server error, and goes on working', async () => {
    const client = await open();
    await assert.rejects(client.subscribe({ id: 'bad', regex: ['(unclosed'] }), (err: unknown) => {
      assert.ok(err instanceof ServerError);
      assert.equal(err.code, 'invalid_regex');
      assert.equal(err.id, 'bad');
      return true;
    });
    assert.deepEqual(client.subscriptionIds, []);
    assert.ok((await client.ping()) >= 0);
    const subscription = await client.subscribe({ keywords: ['still-works'] });
    const got = take(subscription, 1);
    stack.appendNamed([['still-works.example']]);
    assert.equal((await got).length, 1);
  });

  it('unsubscribe and close end the iterators', async () => {
    const client = await open();
    const a = await client.subscribe({ keywords: ['never-matches-anything'] });
    const b = await client.subscribe({ keywords: ['never-matches-either'] });
    const ended = take(a, 1).catch((err: unknown) => err);
    await a.unsubscribe();
    assert.deepEqual(await ended, [], 'the loop ends without a message');
    assert.ok(a.ended);
    assert.deepEqual(client.subscriptionIds, [b.id]);
    const clientLoop = take(client, 1);
    const bLoop = take(b, 1);
    await client.close();
    assert.deepEqual(await clientLoop, []);
    assert.deepEqual(await bLoop, []);
  });

  it('resumes with since: the server replays exactly the missed matching certificates, then goes on live', async () => {
    const first = await open();
    const subscription = await first.subscribe({ keywords: ['resume-a'] });
    const early = take(subscription, 2);
    stack.appendNamed([['1.resume-a.example'], ['2.resume-a.example']]);
    await early;
    const saved = subscription.position!;
    await first.close();

    // Published while nobody listens (a bystander confirms they went out).
    const bystander = await connectRecording(`ws://${stack.base}/domains-only`);
    stack.appendNamed([['3.resume-a.example'], ['skip.example'], ['4.resume-a.example'], ['5.resume-a.example']]);
    await waitFor('published', () => bystander.messages.length === 4);
    await bystander.close();

    const second = await open();
    const gaps: GapEvent[] = [];
    second.on('gap', (g) => gaps.push(g));
    const resumed = await second.subscribe({ keywords: ['resume-a'], since: saved });
    assert.equal(resumed.result?.recovered, true);
    const got = take(resumed, 4);
    // Logged while the replay may still run: it comes after the replayed ones either way.
    stack.appendNamed([['6.resume-a.example']]);
    const messages = (await got) as CertificateUpdateMessage[];
    assert.deepEqual(
      messages.map((m) => m.data.leaf_cert.all_domains[0]),
      ['3.resume-a.example', '4.resume-a.example', '5.resume-a.example', '6.resume-a.example'],
    );
    assert.ok(messages.every((m, i) => i === 0 || m.data.seq > messages[i - 1]!.data.seq));
    assert.ok(messages[0]!.data.seq > saved.seq);
    assert.deepEqual(gaps, []);
  });

  it('reconnects by itself after the connection drops and resumes with nothing missed', async () => {
    const proxy = await startTcpProxy(Number(stack.base.split(':')[1]));
    try {
      const client = await open(`ws://127.0.0.1:${proxy.port}/`, { reconnect: { minDelayMs: 50, maxDelayMs: 200 } });
      const disconnected = new Promise((resolve) => client.on('disconnect', resolve));
      const reconnected = new Promise<ReconnectEvent>((resolve) => client.on('reconnect', resolve));
      const subscription = await client.subscribe({ channel: 'domains-only', keywords: ['drop-test'] });
      const received: string[] = [];
      subscription.on('message', (m) => received.push(...(m.data)));

      stack.appendNamed([['a.drop-test.example'], ['b.drop-test.example']]);
      await waitFor('before the drop', () => received.length === 2);
      await proxy.cut();
      await disconnected;

      // Logged and published while the client is cut off.
      const bystander = await connectRecording(`ws://${stack.base}/domains-only`);
      stack.appendNamed([['c.drop-test.example'], ['other.example'], ['d.drop-test.example']]);
      await waitFor('published while down', () => bystander.messages.length === 3);
      await bystander.close();
      await proxy.restore();

      const event = await reconnected;
      assert.equal(event.recovered, true);
      assert.deepEqual(event.gaps, []);
      stack.appendNamed([['e.drop-test.example']]);
      // e is the last certificate logged: the stream is in seq order, so a repeat would be here by now.
      await waitFor('after the reconnect', () => received.length === 5);
      assert.deepEqual(received, ['a', 'b', 'c', 'd', 'e'].map((x) => `${x}.drop-test.example`));
      assert.equal(client.stats.reconnects, 1);
    } finally {
      await proxy.close();
    }
  });

  it('moves a quiet subscription on with the heartbeats, so it still resumes after history moved past it', async () => {
    // A short history and frequent heartbeats: 60 certificates that do not match push the
    // subscription's starting point out of the history.
    const quiet = await startStack({ seed: 'client-quiet' }, { heartbeatMs: 100, historyMaxEvents: 30 });
    const proxy = await startTcpProxy(Number(quiet.base.split(':')[1]));
    try {
      const client = await open(`ws://127.0.0.1:${proxy.port}/`, { reconnect: { minDelayMs: 50, maxDelayMs: 200 } });
      const reconnected = new Promise<ReconnectEvent>((resolve) => client.on('reconnect', resolve));
      const subscription = await client.subscribe({ channel: 'domains-only', keywords: ['rare-match'] });
      const received: string[] = [];
      subscription.on('message', (m) => received.push(...m.data));
      const startedAt = subscription.position!.seq;

      quiet.appendNamed(Array.from({ length: 60 }, (_, i) => [`n${i}.unrelated.example`]));
      await waitFor('60 more certificates', () => quiet.ingest.lastSeq >= startedAt + 60);
      await waitFor('a heartbeat with the newest seq', () => subscription.position!.seq === quiet.ingest.lastSeq);

      await proxy.cut();
      quiet.appendNamed([['x.rare-match.example'], ['other.example']]);
      await waitFor('published while down', () => quiet.ingest.lastSeq >= startedAt + 62);
      await proxy.restore();

      const event = await reconnected;
      assert.equal(event.recovered, true, 'resumed although nothing had matched since the subscription started');
      await waitFor('the match logged while down', () => received.length === 1);
      assert.deepEqual(received, ['x.rare-match.example']);
      await client.close();
    } finally {
      await proxy.close();
      await quiet.close();
    }
  });

  it('replaces a connection that went silent (half-open) and resumes', async () => {
    const quick = await startStack({ seed: 'client-idle' }, { heartbeatMs: 100 });
    const proxy = await startTcpProxy(Number(quick.base.split(':')[1]));
    try {
      const client = await connect(`ws://127.0.0.1:${proxy.port}/`, { idleTimeoutMs: 600, reconnect: { minDelayMs: 20, maxDelayMs: 50 } });
      const reconnects: ReconnectEvent[] = [];
      client.on('reconnect', (e) => reconnects.push(e));
      const subscription = await client.subscribe({ channel: 'lite', keywords: ['idle'] });
      const got: string[] = [];
      subscription.on('message', (m) => got.push(...m.data.leaf_cert.all_domains));
      // A real wait: longer than the idle timeout the client enforces (600 ms).
      await new Promise((r) => setTimeout(r, 1_000));
      assert.equal(reconnects.length, 0, 'heartbeats keep a healthy connection');

      proxy.freeze();
      quick.appendNamed([['a.idle.example']]);
      await waitFor('replaced', () => reconnects.length === 1, 5_000);
      assert.equal(reconnects[0]!.recovered, true);
      await waitFor('replayed', () => got.length === 1);
      assert.deepEqual(got, ['a.idle.example']);
      await client.close();
    } finally {
      await proxy.close();
      await quick.close();
    }
  });

  it('with reconnect: false, a lost connection ends the loops with an error', async () => {
    const proxy = await startTcpProxy(Number(stack.base.split(':')[1]));
    try {
      const client = await open(`ws://127.0.0.1:${proxy.port}/`, { reconnect: false });
      const closed = new Promise<void>((resolve) => client.on('close', resolve));
      const subscription = await client.subscribe({ keywords: ['never-matches'] });
      const loop = take(subscription, 1).then(() => null, (err: unknown) => err);
      await proxy.cut();
      await closed;
      const error = await loop;
      assert.ok(error instanceof ClientClosedError, String(error));
      await assert.rejects(client.subscribe({}), ClientClosedError);
    } finally {
      await proxy.close();
    }
  });

  it('gives up on a server that does not answer (not a certstream-ts server)', async () => {
    const silent = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => silent.once('listening', resolve));
    try {
      const { port } = silent.address() as { port: number };
      const client = await open(`ws://127.0.0.1:${port}/`, { replyTimeoutMs: 300 });
      await assert.rejects(client.subscribe({}), /no answer to subscribe s\d+ within 300 ms \(is this a certstream-ts server\?\)/);
      await client.close();
    } finally {
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('says when it cannot resume: history too short gives recovered false and a gap', async () => {
    const small = await startStack({ seed: 'client-small-history' }, { historyMaxEvents: 2 });
    try {
      const first = await connect(`ws://${small.base}/`);
      const subscription = await first.subscribe({ keywords: ['short'] });
      const got = take(subscription, 1);
      small.appendNamed([['1.short.example']]);
      await got;
      const saved = subscription.position!;
      await first.close();

      const bystander = await connectRecording(`ws://${small.base}/domains-only`);
      small.appendNamed([['2.short.example'], ['3.short.example'], ['4.short.example'], ['5.short.example']]);
      await waitFor('published', () => bystander.messages.length === 4);
      await bystander.close();

      const second = await connect(`ws://${small.base}/`);
      const gaps: GapEvent[] = [];
      second.on('gap', (g) => gaps.push(g));
      const resumed = await second.subscribe({ keywords: ['short'], since: saved });
      assert.equal(resumed.result?.recovered, false);
      assert.equal(gaps.length, 1);
      assert.deepEqual(
        { ...gaps[0], oldestSeq: undefined },
        { subscription: resumed.id, reason: 'not_recovered', missedFrom: saved.seq + 1, epoch: saved.epoch, serverRestarted: false, oldestSeq: undefined },
      );
      assert.ok(gaps[0]!.oldestSeq! > saved.seq + 1);
      await second.close();
    } finally {
      await small.close();
    }
  });

  it('backpressure: a slow async iterator pauses reading from the socket, and nothing is lost', async () => {
    const client = await open(undefined, { highWaterMark: 4 });
    const subscription = await client.subscribe({ keywords: ['slow-reader'] });
    let sawPaused = false;
    let maxBuffered = 0;
    const names = Array.from({ length: 60 }, (_, i) => [`${i}.slow-reader.example`]);
    const got: string[] = [];
    const reading = (async () => {
      for await (const m of subscription) {
        const { paused, buffered } = client.stats;
        sawPaused ||= paused;
        maxBuffered = Math.max(maxBuffered, buffered);
        got.push((m as CertificateUpdateMessage).data.leaf_cert.all_domains[0]!);
        if (got.length === names.length) break;
        // A slow reader on purpose: its queue fills while it waits.
        await new Promise((r) => setTimeout(r, got.length < 20 ? 30 : 0));
      }
    })();
    stack.appendNamed(names);
    await Promise.race([reading, new Promise((_, reject) => setTimeout(() => reject(new Error(`got ${got.length}`)), 20_000).unref())]);
    assert.deepEqual(got, names.map((n) => n[0]));
    assert.ok(sawPaused, 'reading was paused');
    // Reading stops at the mark; what one socket read already held still comes in.
    assert.ok(maxBuffered < names.length, `buffered ${maxBuffered}`);
    assert.equal(client.stats.paused, false);
  });

  it('where reading cannot pause (a browser WebSocket), a full iterator drops and reports the gap', async () => {
    // ws's WebSocket also implements the standard onopen/onmessage interface, without pausing.
    const client = await open(undefined, { highWaterMark: 3, WebSocket: WebSocket as unknown as StandardWebSocketConstructor });
    const subscription = await client.subscribe({ keywords: ['overflow'] });
    const gaps: GapEvent[] = [];
    client.on('gap', (g) => gaps.push(g));
    const all: number[] = [];
    subscription.on('message', (m) => all.push(seqOf(m)!));
    const iterator = subscription[Symbol.asyncIterator]();
    stack.appendNamed(Array.from({ length: 10 }, (_, i) => [`${i}.overflow.example`]));
    await waitFor('all arrived', () => all.length === 10);
    assert.equal(client.stats.buffered, 3);
    const firstThree: number[] = [];
    for (let i = 0; i < 3; i++) firstThree.push(seqOf((await iterator.next()).value as CertStreamMessage)!);
    assert.deepEqual(firstThree, all.slice(0, 3));
    assert.deepEqual(gaps, [{ reason: 'overflow', dropped: 7, subscription: subscription.id, missedFrom: all[3], epoch: subscription.position!.epoch }]);
    await iterator.return!();
  });

  it('fails to connect with a clear error', async () => {
    await assert.rejects(connect('ws://127.0.0.1:1/', { connectTimeoutMs: 2_000 }), /cannot connect to ws:\/\/127\.0\.0\.1:1\/: .*ECONNREFUSED/);
  });
});
