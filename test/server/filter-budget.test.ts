/**
 * What subscribes cost the server is budgeted per client IP and in total (src/server/filter-budget.ts):
 * - keyword churn: connections re-subscribing many times a second, each time with 256 new
 *   200-character keywords (inside every per-connection limit), get rate_limited once their IP's
 *   byte budget is spent, and index builds run in background slices, never inside delivery;
 * - regexes without literals (tried on every domain) are limited in cost units per IP and in total
 *   (too_many_scan_regexes), while regexes with literals stay unlimited.
 * Attackers connect from 127.0.0.2 and 127.0.0.3 (loopback, other IPs); the honest client from
 * 127.0.0.1 keeps subscribing and receiving its certificates while they run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_FILTER_BUDGET } from '../../src/config/defaults.js';
import { startStack, type Stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';
import { connectRecording, type RecordingClient } from '../support/ws-client.js';

type Json = Record<string, unknown>;

const replies = (client: RecordingClient): Json[] =>
  client.messages.filter((m) => ['subscribed', 'error'].includes((m as Json).message_type as string)) as Json[];
const entries = (client: RecordingClient): Json[] => client.messages.filter((m) => (m as Json).message_type === 'dns_entries') as Json[];

/** Sends a subscribe and returns its reply. */
async function subscribe(client: RecordingClient, message: Json): Promise<Json> {
  const before = replies(client).length;
  client.socket.send(JSON.stringify({ type: 'subscribe', ...message }));
  await waitFor('a reply', () => replies(client).length > before, 5_000);
  return replies(client)[before]!;
}

/** 256 distinct 200-character keywords, never seen before (round `r`, connection `c`). */
function churnKeywords(c: number, r: number): string[] {
  return Array.from({ length: 256 }, (_, k) => `churn-${c}-${r}-${k}-`.padEnd(200, 'q'));
}

describe('filter budget', () => {
  let stack: Stack;
  let honest: RecordingClient;
  let marker = 0;

  /** A certificate published now reaches the honest client. */
  async function assertHonestServed(): Promise<void> {
    const name = `honest${marker++}.example`;
    stack.appendNamed([[name]]);
    await waitFor(`${name} to the honest client`, () => entries(honest).some((m) => (m.data as string[])[0] === name), 2_000);
  }

  before(async () => {
    stack = await startStack(
      { seed: 'filter-budget' },
      { filterBudget: { ...DEFAULT_FILTER_BUDGET, scanRegexUnitsPerIp: 64, scanRegexUnits: 128 } },
    );
    honest = await connectRecording(`ws://${stack.base}/domains-only`);
    assert.equal((await subscribe(honest, { id: 'h', keywords: ['honest'] })).message_type, 'subscribed');
  });

  after(async () => {
    await honest.close();
    await stack.close();
  });

  it('keyword churn: the attacking IP is refused with rate_limited past its budget; the honest client goes on', async () => {
    const attackers = await Promise.all(Array.from({ length: 4 }, () => connectRecording(`ws://${stack.base}/domains-only`, { localAddress: '127.0.0.2' })));
    try {
      const rounds = 12;
      const started = Date.now();
      // 16 subscribes a second per connection: under the per-connection message rate limit.
      for (let r = 0; r < rounds; r++) {
        attackers.forEach((a, c) => a.socket.send(JSON.stringify({ type: 'subscribe', id: `s${r % 4}`, keywords: churnKeywords(c, r) })));
        if (r % 4 === 3) await assertHonestServed();
        // Paced on purpose: the budget under test refills with time.
        await new Promise((resolve) => setTimeout(resolve, 1000 / 16));
      }
      const sent = rounds * attackers.length;
      await waitFor('every attacker subscribe answered', () => attackers.reduce((n, a) => n + replies(a).length, 0) === sent, 10_000);
      const elapsedS = (Date.now() - started) / 1000;
      const all = attackers.flatMap(replies);
      const admitted = all.filter((m) => m.message_type === 'subscribed').length;
      const refused = all.filter((m) => m.code === 'rate_limited');
      assert.equal(admitted + refused.length, sent, JSON.stringify(all.find((m) => m.message_type === 'error' && m.code !== 'rate_limited')));
      // The IP's bucket holds the burst plus the refill, in bytes of messages (checked before parsing).
      const budget = DEFAULT_FILTER_BUDGET;
      const bytes = JSON.stringify({ type: 'subscribe', id: 's0', keywords: churnKeywords(0, 0) }).length;
      const allowed = Math.floor((budget.messageBytesBurstPerIp + budget.messageBytesPerSecondPerIp * elapsedS) / bytes) + 1;
      assert.ok(admitted >= 1 && admitted <= allowed, `admitted ${admitted} of ${sent}, budget allows ${allowed}`);
      assert.ok(refused.some((m) => /from this client IP/.test(String(m.message))), JSON.stringify(refused[0]));

      // Admitted filters match at once, exactly, even before their keywords are built into an automaton.
      const lucky = attackers.find((a) => replies(a).some((m) => m.message_type === 'subscribed'))!;
      const keyword = churnKeywords(attackers.indexOf(lucky), 0)[7]!;
      assert.equal(replies(lucky)[0]!.message_type, 'subscribed', 'the first subscribe of each attacker fits the burst');
      stack.appendNamed([[`${keyword}.example`], ['nothing-to-see.example']]);
      await waitFor('the admitted attacker filter delivers', () => entries(lucky).length > 0, 5_000);
      await assertHonestServed();

      // The honest IP has its own budget: it can still bring new keywords.
      const fresh = await subscribe(honest, { id: 'h2', keywords: Array.from({ length: 64 }, (_, i) => `fresh-${i}-`.padEnd(200, 'z')) });
      assert.equal(fresh.message_type, 'subscribed');
      const terms = (): ReturnType<typeof stack.server.router.matcher.stats>['terms'] => stack.server.router.matcher.stats().terms;
      await waitFor('the background builds to finish', () => terms().pendingTerms === 0, 60_000);
      assert.ok(terms().baseBuilds + terms().deltaBuilds > 0);
      stack.appendNamed([[`x.${keyword}.example`]]);
      await waitFor('the attacker filter still delivers, now through the automaton', () => entries(lucky).length > 1, 5_000);
    } finally {
      await Promise.all(attackers.map((a) => a.close()));
    }
  });

  it('scan regexes: limited per IP and in total with too_many_scan_regexes; regexes with literals are not', async () => {
    const fromTwo = await connectRecording(`ws://${stack.base}/domains-only`, { localAddress: '127.0.0.2' });
    const fromThree = await connectRecording(`ws://${stack.base}/domains-only`, { localAddress: '127.0.0.3' });
    try {
      const scanRegexes = (tag: string, n: number): string[] => Array.from({ length: n }, (_, i) => `(?i)^${tag}${i}[a-z]*\\d`);
      // 64 units per IP: the first subscribe fills it, the next is refused.
      assert.equal((await subscribe(fromTwo, { id: 'a', regex: scanRegexes('two', 64) })).message_type, 'subscribed');
      const overIp = await subscribe(fromTwo, { id: 'b', regex: scanRegexes('more', 1) });
      assert.equal(overIp.code, 'too_many_scan_regexes', JSON.stringify(overIp));
      assert.match(String(overIp.message), /for this client IP/);
      // Regexes with a literal are prefiltered, so they do not count.
      assert.equal((await subscribe(fromTwo, { id: 'c', regex: ['paypal-\\d+\\.example'] })).message_type, 'subscribed');
      // Another IP fills the server's 128 units; a third subscribe finds the server full.
      assert.equal((await subscribe(fromThree, { id: 'a', regex: scanRegexes('three', 64) })).message_type, 'subscribed');
      assert.equal(stack.server.router.matcher.scanUnits, 128);
      const overTotal = await subscribe(honest, { id: 'h3', regex: ['(?i)^h[0-9]+'] });
      assert.equal(overTotal.code, 'too_many_scan_regexes');
      assert.match(String(overTotal.message), /the server holds its limit/);
      await assertHonestServed();

      // Units come back when subscriptions end, by unsubscribe or close.
      fromTwo.socket.send(JSON.stringify({ type: 'unsubscribe', id: 'a' }));
      await waitFor('unsubscribed', () => fromTwo.messages.some((m) => (m as Json).message_type === 'unsubscribed'), 5_000);
      assert.equal((await subscribe(fromTwo, { id: 'b', regex: scanRegexes('more', 1) })).message_type, 'subscribed');
      await fromThree.close();
      await waitFor('units released on close', () => stack.server.router.matcher.scanUnits === 1, 5_000);
      assert.equal((await subscribe(honest, { id: 'h3', regex: ['(?i)^h[0-9]+'] })).message_type, 'subscribed');
      stack.appendNamed([['h42.example']]);
      await waitFor('the scan regex delivers', () => entries(honest).some((m) => m.subscription === 'h3'), 5_000);
    } finally {
      await fromTwo.close();
      await fromThree.close();
    }
  });
});
