/**
 * The client refuses options it does not know, or of the wrong type, at run time (JavaScript
 * callers have no compiler to catch `keyword:`), before anything reaches the server; the client
 * then goes on working. Against the real server and simulator.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, InvalidOptionsError, type CertStreamClient, type CertStreamMessage, type ConnectOptions, type SubscribeOptions } from '../../src/client/index.js';
import { startStack, type Stack } from '../support/stack.js';

/** Options as a JavaScript caller may write them, past the type checker. */
const untyped = <T>(options: Record<string, unknown>): T => options as T;

function invalidOptions(pattern: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof InvalidOptionsError, `an InvalidOptionsError, got ${String(err)}`);
    assert.ok(err instanceof TypeError);
    assert.match(err.message, pattern);
    return true;
  };
}

async function first(iterable: AsyncIterable<CertStreamMessage>): Promise<CertStreamMessage> {
  for await (const message of iterable) return message;
  throw new Error('the subscription ended');
}

describe('client option checks', () => {
  let stack: Stack;
  let client: CertStreamClient;

  before(async () => {
    stack = await startStack({ seed: 'client-options' });
    client = await connect(`ws://${stack.base}/`);
  });

  after(async () => {
    await client.close();
    await stack.close();
  });

  it('refuses a misspelt or ill-typed subscribe option, naming it, and subscribes to nothing', async () => {
    await assert.rejects(
      client.subscribe(untyped<SubscribeOptions>({ keyword: ['paypal'] })),
      invalidOptions(/^subscribe\(\) options: unknown field "keyword" \(known: .*keywords.*\)$/),
    );
    await assert.rejects(client.subscribe(untyped<SubscribeOptions>({ keywords: 'paypal' })), invalidOptions(/keywords must be an array/));
    await assert.rejects(client.subscribe(untyped<SubscribeOptions>({ channel: 'fulll' })), invalidOptions(/channel must be one of "full", "lite", "domains-only"/));
    await assert.rejects(client.subscribe(untyped<SubscribeOptions>({ id: 'has space' })), invalidOptions(/id may only contain/));
    await assert.rejects(client.subscribe(untyped<SubscribeOptions>({ since: { seq: 1 } })), invalidOptions(/since\.epoch is required/));
    assert.deepEqual(client.subscriptionIds, []);

    // Still usable, and a correct subscription filters on the server.
    const subscription = await client.subscribe({ keywords: ['options-ok'], dedupe: false });
    const got = first(subscription);
    stack.appendNamed([['unrelated.example'], ['options-ok.example']]);
    const message = await got;
    assert.equal(message.message_type, 'certificate_update');
    assert.deepEqual(message.message_type === 'certificate_update' ? message.data.leaf_cert.all_domains : [], ['options-ok.example']);
  });

  it('refuses unknown or ill-typed connect options before connecting', async () => {
    const url = `ws://${stack.base}/`;
    await assert.rejects(connect(url, untyped<ConnectOptions>({ reconect: false })), invalidOptions(/^connect\(\) options: unknown field "reconect" \(known: reconnect,/));
    await assert.rejects(connect(url, untyped<ConnectOptions>({ connectTimeoutMs: '5000' })), invalidOptions(/connectTimeoutMs must be a number/));
    await assert.rejects(connect(url, untyped<ConnectOptions>({ reconnect: { maxDelay: 5 } })), invalidOptions(/unknown field "maxDelay"/));
    const ok = await connect(url, { reconnect: { maxDelayMs: 1_000, random: () => 0.5 }, highWaterMark: 10 });
    await ok.close();
  });
});
