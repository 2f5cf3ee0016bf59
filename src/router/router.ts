/**
 * Routes each certificate event to subscribers: the unfiltered stream of each channel, and every
 * subscription whose filter matches. Work per event is bounded by the matching filters, not by the
 * number of subscribers: identical subscriptions (same channel, filter and id) share one pub/sub
 * topic, each message is serialized once per channel, and the transport fans a topic out natively.
 */
import { type Channel, CHANNELS } from '../protocol/channels.js';
import type { RoutedEvent } from './routed-event.js';
import { subscriptionField } from '../protocol/replies.js';
import { FilterMatcher, type FilterSpec } from './filter-matcher.js';

/** The transport's topic fan-out (uWebSockets.js app in production). */
export interface Publisher {
  /** `seq` is the event's (absent for messages that are not certificates). */
  publish(topic: string, message: string, seq?: number): void;
  subscriberCount(topic: string): number;
}

/** One connection's side of topic membership (a uWS WebSocket satisfies it). */
export interface TopicMember {
  subscribe(topic: string): boolean;
  unsubscribe(topic: string): boolean;
}

interface Topic {
  readonly name: string;
  readonly key: string;
  readonly channel: Channel;
  readonly filterId: number;
  /** Only first sightings (events without duplicate_of). */
  readonly dedupe: boolean;
  /** `,"subscription":"<id>"}` appended to a channel message for this topic. */
  readonly suffix: string;
  refs: number;
}

/** A connection's subscriptions by id. Kept by the connection, changed only through the Router. */
export type SubscriptionSet = Map<string, Topic>;

export interface RouteStats {
  /** Messages handed to subscribers, per channel (counted per receiving connection). */
  sent: Record<Channel, number>;
}

/** Topic of a channel's unfiltered stream. */
export function channelTopic(channel: Channel): string {
  return channel;
}

export class Router {
  private readonly topicsByKey = new Map<string, Topic>();
  private readonly topicsByFilter = new Map<number, Set<Topic>>();
  private nextTopic = 1;
  readonly stats: RouteStats = { sent: { full: 0, lite: 0, 'domains-only': 0 } };
  /** Per-event serialization cache, reset for each event. */
  private readonly serialized: Record<Channel, string | undefined> = { full: undefined, lite: undefined, 'domains-only': undefined };
  private current: RoutedEvent | undefined;

  constructor(
    private readonly publisher: Publisher,
    readonly matcher: FilterMatcher = new FilterMatcher(),
  ) {}

  /** Distinct subscription topics (for metrics and tests). */
  get topicCount(): number {
    return this.topicsByKey.size;
  }

  /**
   * Adds (or replaces) subscription `id` of a connection. Throws InvalidFilterError for a filter the
   * matcher rejects, leaving any previous subscription with that id in place. With `join` false the
   * connection does not receive the topic yet (a replay runs first) until join() is called. A
   * `dedupe` subscription gets no repeats (events with duplicate_of).
   */
  subscribe(member: TopicMember, subs: SubscriptionSet, id: string, channel: Channel, spec: FilterSpec, join = true, dedupe = false): void {
    const filterId = this.matcher.acquire(spec);
    const key = `${channel}\u0000${filterId}\u0000${dedupe ? 'd' : ''}\u0000${id}`;
    let topic = this.topicsByKey.get(key);
    if (topic) {
      // The matcher holds one reference per topic, not per subscriber.
      this.matcher.release(filterId);
    } else {
      topic = { name: `s${this.nextTopic++}`, key, channel, filterId, dedupe, suffix: `${subscriptionField(id)}}`, refs: 0 };
      this.topicsByKey.set(key, topic);
      let set = this.topicsByFilter.get(filterId);
      if (!set) this.topicsByFilter.set(filterId, (set = new Set()));
      set.add(topic);
    }
    const previous = subs.get(id);
    if (previous === topic) return;
    topic.refs++;
    if (join) member.subscribe(topic.name);
    subs.set(id, topic);
    if (previous) this.leave(member, previous);
  }

  /** Starts delivering subscription `id`'s topic to the connection (after a replay caught up). */
  join(member: TopicMember, subs: SubscriptionSet, id: string): void {
    const topic = subs.get(id);
    if (topic) member.subscribe(topic.name);
  }

  /** Removes subscription `id`; false when the connection has none by that id. */
  unsubscribe(member: TopicMember, subs: SubscriptionSet, id: string): boolean {
    const topic = subs.get(id);
    if (!topic) return false;
    subs.delete(id);
    this.leave(member, topic);
    return true;
  }

  /** Drops every subscription of a closed connection (its topic memberships went with it). */
  releaseAll(subs: SubscriptionSet): void {
    for (const topic of subs.values()) this.release(topic);
    subs.clear();
  }

  private leave(member: TopicMember, topic: Topic): void {
    member.unsubscribe(topic.name);
    this.release(topic);
  }

  private release(topic: Topic): void {
    if (--topic.refs > 0) return;
    this.topicsByKey.delete(topic.key);
    const set = this.topicsByFilter.get(topic.filterId);
    set?.delete(topic);
    if (set?.size === 0) this.topicsByFilter.delete(topic.filterId);
    this.matcher.release(topic.filterId);
  }

  private message(channel: Channel): string {
    let text = this.serialized[channel];
    if (text === undefined) {
      text = this.current!.message(channel);
      this.serialized[channel] = text;
    }
    return text;
  }

  /** Publishes to a topic that has receivers; the message is only built when someone gets it. */
  private send(topic: string, channel: Channel, message: () => string): void {
    const receivers = this.publisher.subscriberCount(topic);
    if (receivers === 0) return;
    this.publisher.publish(topic, message(), this.current!.seq);
    this.stats.sent[channel] += receivers;
  }

  /** Delivers one event to the unfiltered streams and to every matching subscription. */
  publish(event: RoutedEvent): void {
    this.current = event;
    for (const channel of CHANNELS) this.serialized[channel] = undefined;
    for (const channel of CHANNELS) this.send(channelTopic(channel), channel, () => this.message(channel));
    if (this.topicsByFilter.size > 0) {
      this.matcher.match(event.domains, (filterId) => {
        const topics = this.topicsByFilter.get(filterId);
        if (!topics) return;
        for (const topic of topics) {
          if (topic.dedupe && event.duplicateOf !== undefined) continue;
          this.send(topic.name, topic.channel, () => this.message(topic.channel).slice(0, -1) + topic.suffix);
        }
      });
    }
    this.current = undefined;
  }
}
