/**
 * JSON text of the server's replies, built directly (they are sent often enough that going through
 * an object and JSON.stringify of the whole is not worth it, and the key order stays fixed).
 */
import type { ErrorCode } from './server-messages.js';

export interface SubscribedDetails {
  epoch: string;
  seq: number;
  /** Only for a subscribe with since. */
  recovered?: boolean;
  /** With recovered false: the oldest seq still kept. */
  oldestSeq?: number;
}

export function subscribedMessage(id: string, details: SubscribedDetails): string {
  const recovered = details.recovered === undefined ? '' : `,"recovered":${details.recovered}`;
  const oldest = details.oldestSeq === undefined ? '' : `,"oldest_seq":${details.oldestSeq}`;
  return `{"message_type":"subscribed","id":${JSON.stringify(id)},"epoch":${JSON.stringify(details.epoch)},"seq":${details.seq}${recovered}${oldest}}`;
}

/** Seqs fromSeq..toSeq of subscription `id` could not be replayed: they left the history first. */
export function gapMessage(id: string, fromSeq: number, toSeq: number): string {
  return `{"message_type":"gap","id":${JSON.stringify(id)},"from_seq":${fromSeq},"to_seq":${toSeq},"reason":"history_expired"}`;
}

export function unsubscribedMessage(id: string): string {
  return `{"message_type":"unsubscribed","id":${JSON.stringify(id)}}`;
}

export function pongMessage(id?: string): string {
  return id === undefined ? '{"message_type":"pong"}' : `{"message_type":"pong","id":${JSON.stringify(id)}}`;
}

export function errorMessage(code: ErrorCode, message: string, id?: string): string {
  const idField = id === undefined ? '' : `"id":${JSON.stringify(id)},`;
  return `{"message_type":"error",${idField}"code":${JSON.stringify(code)},"message":${JSON.stringify(message)}}`;
}

/** The `,"subscription":"<id>"` member that tags a message for one subscription. */
export function subscriptionField(subscriptionId: string): string {
  return `,"subscription":${JSON.stringify(subscriptionId)}`;
}

/**
 * Adds the top-level `"subscription"` field to a serialized CertStream message (a JSON object), so
 * a message serialized once per channel can be tagged per matching subscription by concatenation.
 */
export function withSubscription(messageJson: string, subscriptionId: string): string {
  const end = messageJson.lastIndexOf('}');
  if (end < 0) throw new TypeError('not a JSON object');
  return `${messageJson.slice(0, end)}${subscriptionField(subscriptionId)}${messageJson.slice(end)}`;
}

/** The last message of an HTTP stream the server ends, with the WebSocket close code it stands for. */
export function closedMessage(code: number, reason: string): string {
  return `{"message_type":"closed","code":${code},"reason":${JSON.stringify(reason)}}`;
}
