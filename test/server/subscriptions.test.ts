/**
 * The subscription protocol end to end: real server, real simulator, real WebSocket clients.
 * Every protocol message and error code; filters on the server; URL filters; many subscribers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { startStack, type Stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';
import { connectRecording, type RecordingClient } from '../support/ws-client.js';

type Json = Record<string, unknown>;

const ofType = (client: RecordingClient, type: string): Json[] =>
  client.messages.filter((m) => (m as Json).message_type === type) as Json[];

/** Sends a client message and waits for the next reply that is not a stream message. */
async function request(client: RecordingClient, message: string | Buffer, binary = false): Promise<Json> {
  const isReply = (m: unknown): boolean => !['certificate_update', 'dns_entries', 'heartbeat'].includes((m as Json).message_type as string);
  const before = client.messages.filter(isReply).length;
  client.socket.send(message, { binary });
  await waitFor('a reply', () => client.messages.filter(isReply).length > before, 5_000);
  return client.messages.filter(isReply)[before] as Json;
}

const domainsOf = (m: Json): string[] => {
  const data = m.data as Json | string[];
  return Array.isArray(data) ? data : ((data.leaf_cert as Json).all_domains as string[]);
};

describe('subscription protocol', () => {
  let stack: Stack;

  before(async () => {
    stack = await startStack({ seed: 'subscriptions' });
  });

  after(async () => {
    await stack.close();
  });

  it('answers subscribe, unsubscribe and ping, and filters on the server', async () => {
    const client = await connectRecording(`ws://${stack.base}/`);
    try {
      assert.deepEqual(await request(client, JSON.stringify({ type: 'ping' })), { message_type: 'pong' });
      const sub = await request(client, JSON.stringify({ type: 'subscribe', id: 's1', channel: 'domains-only', keywords: ['PayPal'] }));
      assert.equal(sub.message_type, 'subscribed');
      assert.equal(sub.id, 's1');
      const sub2 = await request(client, JSON.stringify({ type: 'subscribe', id: 's2', channel: 'lite', regex: ['^login\\.'] }));
      assert.equal(sub2.message_type, 'subscribed');
      stack.appendNamed([['www.paypal-secure.example'], ['login.bank.example'], ['nothing.example'], ['login.paypal.example']]);
      await waitFor('matches', () => ofType(client, 'dns_entries').length === 2 && ofType(client, 'certificate_update').length === 2);
      assert.deepEqual(
        ofType(client, 'dns_entries').map((m) => [m.subscription, domainsOf(m)]),
        [
          ['s1', ['www.paypal-secure.example']],
          ['s1', ['login.paypal.example']],
        ],
      );
      const lite = ofType(client, 'certificate_update');
      assert.deepEqual(lite.map((m) => [m.subscription, domainsOf(m)]), [
        ['s2', ['login.bank.example']],
        ['s2', ['login.paypal.example']],
      ]);
      for (const m of lite) assert.equal(JSON.stringify(m).includes('as_der'), false, 'lite channel has no DER');

      assert.deepEqual(await request(client, JSON.stringify({ type: 'unsubscribe', id: 's1' })), { message_type: 'unsubscribed', id: 's1' });
      stack.appendNamed([['paypal.example'], ['login.x.example']]);
      // login.x.example is the batch's last certificate: once it is here, the server has routed
      // paypal.example before it (one log, routed in order), so a message for s1 would be here too.
      await waitFor('s2 only', () => ofType(client, 'certificate_update').length === 3);
      assert.deepEqual(domainsOf(ofType(client, 'certificate_update')[2]!), ['login.x.example']);
      assert.equal(ofType(client, 'dns_entries').length, 2, 'nothing more for the removed subscription');
    } finally {
      await client.close();
    }
  });

  it('answers every bad message with its error code and keeps the connection usable', async () => {
    const client = await connectRecording(`ws://${stack.base}/domains-only`);
    try {
      await request(client, JSON.stringify({ type: 'subscribe', id: 'keep', keywords: ['keepme'] }));
      const expectError = async (message: string | Buffer, code: string, binary = false): Promise<Json> => {
        const reply = await request(client, message, binary);
        assert.equal(reply.message_type, 'error', JSON.stringify(reply));
        assert.equal(reply.code, code, JSON.stringify(reply));
        assert.equal(typeof reply.message, 'string');
        return reply;
      };
      await expectError('{not json', 'bad_json');
      await expectError(JSON.stringify({ type: 'dance' }), 'unknown_type');
      const invalid = await expectError(JSON.stringify({ type: 'subscribe', id: 'x1', channel: 'nope' }), 'invalid_field');
      assert.equal(invalid.id, 'x1');
      const badRegex = await expectError(JSON.stringify({ type: 'subscribe', id: 'r1', regex: ['(a)\\1'] }), 'invalid_regex');
      assert.equal(badRegex.id, 'r1');
      await expectError(JSON.stringify({ type: 'subscribe', id: 'k1', keywords: Array.from({ length: 257 }, (_, i) => `k${i}`) }), 'too_many_patterns');
      await expectError(JSON.stringify({ type: 'unsubscribe', id: 'never' }), 'unknown_subscription');
      await expectError(JSON.stringify({ type: 'ping', pad: 'x'.repeat(70 * 1024) }), 'message_too_large');
      await expectError(Buffer.from('{"type":"ping"}'), 'binary_not_supported', true);
      for (let i = 0; i < 15; i++) await request(client, JSON.stringify({ type: 'subscribe', id: `n${i}`, keywords: [`never-${i}`] }));
      await expectError(JSON.stringify({ type: 'subscribe', id: 'n16', keywords: ['x'] }), 'too_many_subscriptions');

      // After all that, the first subscription still delivers.
      stack.appendNamed([['keepme.example']]);
      await waitFor('delivery after errors', () => ofType(client, 'dns_entries').some((m) => m.subscription === 'keep'));
      assert.equal(client.socket.readyState, WebSocket.OPEN);
    } finally {
      await client.close();
    }
  });

  it('streams unfiltered until the first subscribe', async () => {
    const client = await connectRecording(`ws://${stack.base}/domains-only`);
    try {
      stack.appendNamed([['a.unfiltered.example']]);
      await waitFor('unfiltered message', () => ofType(client, 'dns_entries').length >= 1);
      assert.ok(ofType(client, 'dns_entries').every((m) => m.subscription === undefined));
      await request(client, JSON.stringify({ type: 'subscribe', id: 'only', keywords: ['wanted'] }));
      const before = ofType(client, 'dns_entries').length;
      stack.appendNamed([['other.example'], ['wanted.example']]);
      // wanted.example is the batch's last certificate: other.example was routed before it.
      await waitFor('filtered message', () => ofType(client, 'dns_entries').length === before + 1);
      const last = ofType(client, 'dns_entries').slice(before);
      assert.deepEqual(last.map((m) => [m.subscription, domainsOf(m)]), [['only', ['wanted.example']]]);
    } finally {
      await client.close();
    }
  });

  it('applies filters given in the URL and rejects bad ones with HTTP 400', async () => {
    const client = await connectRecording(`ws://${stack.base}/domains-only?keywords=apple,paypal&regex=${encodeURIComponent('^mail\\.')}`);
    try {
      stack.appendNamed([['shop.apple.example'], ['x.example'], ['mail.x.example'], ['www.paypal.example']]);
      // www.paypal.example is the batch's last certificate: everything before it was routed.
      await waitFor('url-filtered', () => ofType(client, 'dns_entries').length === 3);
      assert.deepEqual(ofType(client, 'dns_entries').map(domainsOf), [['shop.apple.example'], ['mail.x.example'], ['www.paypal.example']]);
      assert.equal(ofType(client, 'subscribed').length, 0, 'classic clients get no protocol replies');
    } finally {
      await client.close();
    }
    const refused = new WebSocket(`ws://${stack.base}/domains-only?regex=${encodeURIComponent('(a)\\1')}`);
    const [status, body] = await new Promise<[number, string]>((resolve, reject) => {
      refused.on('unexpected-response', (_req, res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve([res.statusCode ?? 0, text]));
      });
      refused.on('open', () => reject(new Error('a bad URL filter was accepted')));
      refused.on('error', () => undefined);
    });
    assert.equal(status, 400);
    assert.equal((JSON.parse(body) as Json).code, 'invalid_regex');
  });

  it('gives 1,000 concurrent subscribers exactly their matches', async () => {
    const clients: RecordingClient[] = [];
    try {
      for (let i = 0; i < 1000; i++) {
        clients.push(await connectRecording(`ws://${stack.base}/domains-only`));
      }
      // Subscriber i wants keyword w<i % 100>: ten subscribers share each keyword.
      await Promise.all(
        clients.map((c, i) => request(c, JSON.stringify({ type: 'subscribe', id: 'm', keywords: [`zq${i % 100}x`] }))),
      );
      const names = Array.from({ length: 60 }, (_, j) => [`host${j}.zq${(j * 7) % 100}x.example`, `alt${j}.example`]);
      // A last certificate every subscriber matches: once a subscriber has it, it has all it will get.
      const marker = Array.from({ length: 100 }, (_, k) => `end.zq${k}x.example`);
      stack.appendNamed([...names, marker]);
      const expected = (i: number): string[][] => [...names.filter(([n]) => n!.includes(`.zq${i % 100}x.`)), marker];
      const gotMarker = (c: RecordingClient): boolean => ofType(c, 'dns_entries').some((m) => domainsOf(m)[0] === marker[0]);
      await waitFor('the marker at every subscriber', () => clients.every(gotMarker), 30_000);
      clients.forEach((c, i) => {
        assert.deepEqual(ofType(c, 'dns_entries').map(domainsOf), expected(i), `subscriber ${i}`);
      });
      assert.equal(stack.server.router.topicCount, 100, 'identical subscriptions share a topic');
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });
});
