/** Pub/sub for the fallback transport: members of each topic in the order they subscribed. */
import type { RecognizedString } from 'uWebSockets.js';
import { toBuffer } from './bytes.js';

export interface TopicSubscriber {
  /** uWS's send: 1 sent, 0 sent but buffered, 2 dropped (over maxBackpressure). */
  send(message: Buffer, isBinary: boolean): number;
}

export class TopicHub {
  private readonly topics = new Map<string, Set<TopicSubscriber>>();

  /** False when `member` already was subscribed. */
  join(topic: string, member: TopicSubscriber): boolean {
    let members = this.topics.get(topic);
    if (!members) this.topics.set(topic, (members = new Set()));
    if (members.has(member)) return false;
    members.add(member);
    return true;
  }

  /** False when `member` was not subscribed. */
  leave(topic: string, member: TopicSubscriber): boolean {
    const members = this.topics.get(topic);
    if (!members?.delete(member)) return false;
    if (members.size === 0) this.topics.delete(topic);
    return true;
  }

  count(topic: string): number {
    return this.topics.get(topic)?.size ?? 0;
  }

  /** Encodes the message once, then sends it to every member; true when there was any. */
  publish(topic: string, message: RecognizedString, isBinary: boolean): boolean {
    const members = this.topics.get(topic);
    if (!members) return false;
    const data = toBuffer(message);
    // A send may close its member, which then leaves the set: deleting the visited entry is safe.
    for (const member of members) member.send(data, isBinary);
    return true;
  }
}
