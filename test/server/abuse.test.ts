/**
 * Hostile clients: floods of subscribes, huge pattern lists, pathological regexes, broken frames.
 * Each gets its documented error or close, and a healthy client on the same server keeps getting
 * its certificates within a second.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { DEFAULT_FILTER_BUDGET } from '../../src/config/defaults.js';
import { loadTransport } from '../../src/server/transport/index.js';
import { startStack, type Stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';
import { connectRecording, type RecordingClient } from '../support/ws-client.js';

type Json = Record<string, unknown>;

const isReply = (m: unknown): boolean => !['certificate_update', 'dns_entries', 'heartbeat'].includes((m as Json).message_type as string);
const replies = (client: RecordingClient): Json[] => client.messages.filter(isReply) as Json[];

/** Sends a message and returns the next reply, which must come within a second. */
async function request(client: RecordingClient, message: string | Buffer, binary = false): Promise<Json> {
  const before = replies(client).length;
  client.socket.send(message, { binary });
  await waitFor('a reply', () => replies(client).length > before, 1_000);
  return replies(client)[before]!;
}

function closeEvent(client: RecordingClient): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => client.socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

/** `^(?:a0|a1|...)$` grown to exactly `length` characters (the last alternative padded). */
function longestAlternation(length: number): string {
  const alternatives: string[] = [];
  const build = (): string => `^(?:${alternatives.join('|')})$`;
  while (build().length + `|a${alternatives.length}`.length <= length) alternatives.push(`a${alternatives.length}`);
  alternatives.push('b'.repeat(length - build().length - 1));
  return build();
}

describe('abusive clients', () => {
  let stack: Stack;
  let healthy: RecordingClient;
  let served = 0;

  /** A certificate published now reaches the healthy client within a second. */
  async function assertHealthyServed(...names: string[]): Promise<void> {
    const name = names[0] ?? `healthy${served++}.example`;
    stack.appendNamed([[name, ...names.slice(1)]]);
    await waitFor(`${name} to the healthy client`, () => healthy.messages.some((m) => ((m as Json).data as string[] | undefined)?.[0] === name), 1_000);
  }

  before(async () => {
    // The rate limit and the per-IP byte budget are raised here so that the server's handling of each
    // abuse is what is tested (test/server/limits.test.ts and filter-budget.test.ts cover those).
    stack = await startStack(
      { seed: 'abuse' },
      {
        messagesPerSecond: 1_000_000,
        messageBurst: 1_000_000,
        filterBudget: { ...DEFAULT_FILTER_BUDGET, messageBytesPerSecondPerIp: 1e9, messageBytesBurstPerIp: 1e9 },
      },
    );
    healthy = await connectRecording(`ws://${stack.base}/domains-only`);
  });

  after(async () => {
    await healthy.close();
    await stack.close();
  });

  it('handles 5,000 subscribes replacing the same id', async () => {
    const client = await connectRecording(`ws://${stack.base}/domains-only`);
    try {
      for (let i = 0; i < 5_000; i++) {
        client.socket.send(JSON.stringify({ type: 'subscribe', id: 'same', keywords: [`churn${i}x`] }));
      }
      await waitFor('5,000 replies', () => replies(client).length === 5_000, 10_000);
      assert.ok(replies(client).every((m) => m.message_type === 'subscribed' && m.id === 'same'));
      assert.ok(stack.server.router.topicCount <= 2, 'replaced subscriptions leave no topics behind');
      stack.appendNamed([['churn4998x.example'], ['churn4999x.example']]);
      await waitFor('the last subscription delivers', () => client.messages.some((m) => (m as Json).subscription === 'same'), 1_000);
      await assertHealthyServed();
      const delivered = client.messages.filter((m) => (m as Json).message_type === 'dns_entries') as Json[];
      assert.deepEqual(delivered.map((m) => m.data), [['churn4999x.example']]);
    } finally {
      await client.close();
    }
  });

  it('refuses a subscribe with 10,000 keywords with too_many_patterns', async () => {
    const client = await connectRecording(`ws://${stack.base}/`);
    try {
      // Short keywords keep the message under maxMessageBytes, so the pattern count is what fails.
      const keywords = Array.from({ length: 10_000 }, (_, i) => String(i % 10));
      const reply = await request(client, JSON.stringify({ type: 'subscribe', id: 'many', keywords }));
      assert.equal(reply.code, 'too_many_patterns', JSON.stringify(reply));
      assert.equal(reply.id, 'many');
      await assertHealthyServed();
    } finally {
      await client.close();
    }
  });

  it('never hangs on pathological regexes: each is accepted or refused with invalid_regex', async () => {
    const client = await connectRecording(`ws://${stack.base}/domains-only`);
    try {
      const alternation = longestAlternation(512);
      assert.equal(alternation.length, 512);
      const patterns = ['(a+)+$', '(x+x+)+y', '(a|aa)+$', '(.*a){20}', alternation, '((a{100}){100}){100}', '(a)\\1'];
      for (const [i, regex] of patterns.entries()) {
        const reply = await request(client, JSON.stringify({ type: 'subscribe', id: `re${i}`, regex: [regex] }));
        assert.ok(
          (reply.message_type === 'subscribed' && reply.id === `re${i}`) || reply.code === 'invalid_regex',
          `${regex}: ${JSON.stringify(reply)}`,
        );
      }
      // The full-length alternation is valid RE2 within maxRegexLength: it must be accepted.
      assert.equal(replies(client).filter((m) => m.id === 're4')[0]?.message_type, 'subscribed');
      // Domains that make backtracking engines explode go through every regex above.
      await assertHealthyServed(`healthy-regex.example`, `${'a'.repeat(200)}!.example`, `${'x'.repeat(200)}.example`);
    } finally {
      await client.close();
    }
  });

  it('answers binary frames with binary_not_supported', async () => {
    const client = await connectRecording(`ws://${stack.base}/`);
    try {
      const reply = await request(client, Buffer.from('{"type":"ping"}'), true);
      assert.equal(reply.code, 'binary_not_supported');
      assert.equal(client.socket.readyState, WebSocket.OPEN);
      await assertHealthyServed();
    } finally {
      await client.close();
    }
  });

  it('drops a connection sending a text frame of invalid UTF-8 (uWS without a close frame, the ws fallback with 1007)', async () => {
    const client = await connectRecording(`ws://${stack.base}/`);
    const lite = (): number => stack.server.connectionCounts().lite;
    const openBefore = lite();
    const closed = closeEvent(client);
    // ws does not validate what it sends, so this really is a text frame with bytes 0xff 0xfe.
    client.socket.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    const { code } = await closed;
    // Either transport closes the socket itself before the message reaches the server.
    assert.equal(code, loadTransport().name === 'uws' ? 1006 : 1007);
    assert.deepEqual(replies(client), []);
    await waitFor('the server counted the close', () => lite() === openBefore - 1, 1_000);
    await assertHealthyServed();
  });
});
