/**
 * The Router on its own, over an in-memory topic fan-out standing in for uWebSockets.js: who gets
 * which event, on which channel, with which subscription field, how identical subscriptions share
 * a topic, and that topics and filters are released when the last subscriber leaves.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Channel } from '../../src/protocol/channels.js';
import { channelTopic, Router, type Publisher, type SubscriptionSet, type TopicMember } from '../../src/router/router.js';
import type { RoutedEvent } from '../../src/router/routed-event.js';

/** Topic membership and delivery as the transport does it: every member of a topic gets its messages. */
class FanOut implements Publisher {
  private readonly members = new Map<string, Set<Member>>();
  published = 0;

  publish(topic: string, message: string): void {
    this.published++;
    for (const member of this.members.get(topic) ?? []) member.received.push(message);
  }

  subscriberCount(topic: string): number {
    return this.members.get(topic)?.size ?? 0;
  }

  join(topic: string, member: Member): boolean {
    const set = this.members.get(topic) ?? new Set<Member>();
    this.members.set(topic, set);
    set.add(member);
    return true;
  }

  leave(topic: string, member: Member): boolean {
    return this.members.get(topic)?.delete(member) ?? false;
  }
}

/** One connection: its topic memberships, its subscriptions and what it received. */
class Member implements TopicMember {
  readonly received: string[] = [];
  readonly subs: SubscriptionSet = new Map();

  constructor(private readonly fanOut: FanOut) {}

  subscribe(topic: string): boolean {
    return this.fanOut.join(topic, this);
  }

  unsubscribe(topic: string): boolean {
    return this.fanOut.leave(topic, this);
  }

  /** The messages received, parsed. */
  messages(): { channel: string; seq: number; subscription?: string }[] {
    return this.received.map((m) => JSON.parse(m) as { channel: string; seq: number; subscription?: string });
  }
}

/** An event whose message on each channel names the channel and seq; counts its serializations. */
function event(seq: number, domains: string[], duplicateOf?: number): RoutedEvent & { serialized: number } {
  return {
    seq,
    domains,
    duplicateOf,
    serialized: 0,
    message(channel: Channel) {
      this.serialized++;
      return JSON.stringify({ channel, seq });
    },
  };
}

function setUp() {
  const fanOut = new FanOut();
  const router = new Router(fanOut);
  return { fanOut, router, member: () => new Member(fanOut) };
}

const keywords = (...words: string[]) => ({ keywords: words, regex: [] });

describe('Router', () => {
  it('delivers every event to the unfiltered stream of each channel, serializing it once per channel', () => {
    const { router, member } = setUp();
    const full = member();
    const lite = member();
    full.subscribe(channelTopic('full'));
    lite.subscribe(channelTopic('lite'));
    const e = event(1, ['a.example']);
    router.publish(e);
    assert.deepEqual(full.messages(), [{ channel: 'full', seq: 1 }]);
    assert.deepEqual(lite.messages(), [{ channel: 'lite', seq: 1 }]);
    assert.equal(e.serialized, 2, 'domains-only has no receiver: not serialized');
    assert.deepEqual(router.stats.sent, { full: 1, lite: 1, 'domains-only': 0 });
  });

  it('delivers to matching subscriptions only, with their id spliced into the message', () => {
    const { router, member } = setUp();
    const m = member();
    router.subscribe(m, m.subs, 'pay', 'lite', keywords('paypal'));
    router.subscribe(m, m.subs, 'bank', 'domains-only', keywords('bank'));
    router.publish(event(1, ['www.paypal.example']));
    router.publish(event(2, ['other.example']));
    router.publish(event(3, ['mybank.example', 'paypal.example']));
    const got = m.messages().map((x) => `${x.seq} ${x.subscription} ${x.channel}`);
    assert.deepEqual(got.sort(), ['1 pay lite', '3 bank domains-only', '3 pay lite']);
  });

  it('shares one topic between identical subscriptions and releases it with the last one', () => {
    const { router, member, fanOut } = setUp();
    const a = member();
    const b = member();
    router.subscribe(a, a.subs, 's', 'lite', keywords('shared'));
    router.subscribe(b, b.subs, 's', 'lite', keywords('shared'));
    assert.equal(router.topicCount, 1);
    router.subscribe(b, b.subs, 'other-id', 'lite', keywords('shared'));
    assert.equal(router.topicCount, 2, 'another id is another topic (its messages name the id)');
    router.publish(event(1, ['shared.example']));
    assert.equal(fanOut.published, 2, 'one publish per topic, not per subscriber');
    assert.equal(a.received.length + b.received.length, 3);

    assert.equal(router.unsubscribe(a, a.subs, 's'), true);
    assert.equal(router.topicCount, 2, 'b still holds it');
    router.releaseAll(b.subs);
    assert.equal(router.topicCount, 0);
    assert.equal(router.unsubscribe(a, a.subs, 's'), false, 'nothing left by that id');
    router.publish(event(2, ['shared.example']));
    assert.equal(a.received.length + b.received.length, 3, 'nothing after leaving');
  });

  it('replaces a subscription with the same id, and keeps the old one when the new filter is invalid', () => {
    const { router, member } = setUp();
    const m = member();
    router.subscribe(m, m.subs, 'x', 'lite', keywords('first'));
    router.subscribe(m, m.subs, 'x', 'lite', keywords('second'));
    assert.equal(router.topicCount, 1, 'the replaced topic is gone');
    assert.throws(() => router.subscribe(m, m.subs, 'x', 'lite', { keywords: [], regex: ['(unclosed'] }), { name: 'InvalidFilterError' });
    router.publish(event(1, ['first.example']));
    router.publish(event(2, ['second.example']));
    assert.deepEqual(m.messages().map((x) => x.seq), [2]);
  });

  it('holds a subscription back until join() when it starts with a replay', () => {
    const { router, member } = setUp();
    const m = member();
    router.subscribe(m, m.subs, 'r', 'lite', keywords('held'), false);
    router.publish(event(1, ['held.example']));
    assert.deepEqual(m.received, []);
    router.join(m, m.subs, 'r');
    router.publish(event(2, ['held.example']));
    assert.deepEqual(m.messages().map((x) => x.seq), [2]);
  });

  it('keeps repeats (duplicate_of) from dedupe subscriptions only', () => {
    const { router, member } = setUp();
    const m = member();
    router.subscribe(m, m.subs, 'all', 'lite', keywords('dup'));
    router.subscribe(m, m.subs, 'firsts', 'lite', keywords('dup'), true, true);
    router.publish(event(1, ['dup.example']));
    router.publish(event(2, ['dup.example'], 1));
    assert.deepEqual(m.messages().map((x) => `${x.subscription}:${x.seq}`), ['all:1', 'firsts:1', 'all:2']);
  });
});
