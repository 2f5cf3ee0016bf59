/**
 * The subscribe request and what its answer means: the message for a filter (resuming from a
 * position, or live), and the result, with the gap when a resume could not be honoured.
 */
import type { SubscribedMessage } from '../protocol/server-messages.js';
import type { SubscriptionFilter } from './subscription.js';
import type { GapEvent, StreamPosition, SubscribeResult } from './types.js';

export function subscribeMessage(id: string, filter: SubscriptionFilter, since: StreamPosition | undefined): object {
  return {
    type: 'subscribe',
    id,
    ...(filter.channel === undefined ? {} : { channel: filter.channel }),
    keywords: filter.keywords,
    regex: filter.regex,
    ...(filter.dedupe === true ? { dedupe: true } : {}),
    ...(since === undefined ? {} : { since: { seq: since.seq, epoch: since.epoch } }),
  };
}

export function toResult(reply: SubscribedMessage): SubscribeResult {
  const result: SubscribeResult = { position: { seq: reply.seq, epoch: reply.epoch } };
  if (reply.recovered !== undefined) result.recovered = reply.recovered;
  if (reply.oldest_seq !== undefined) result.oldestSeq = reply.oldest_seq;
  return result;
}

/** The answer to a subscribe, and the gap when it asked to resume and could not. */
export function subscribeResult(id: string, since: StreamPosition | undefined, reply: SubscribedMessage): SubscribeResult & { gap?: GapEvent } {
  const result: SubscribeResult & { gap?: GapEvent } = toResult(reply);
  if (since !== undefined && reply.recovered !== true) {
    const gap: GapEvent = { subscription: id, reason: 'not_recovered', missedFrom: since.seq + 1, epoch: since.epoch };
    gap.serverRestarted = reply.epoch !== since.epoch;
    if (reply.oldest_seq !== undefined) gap.oldestSeq = reply.oldest_seq;
    result.gap = gap;
  }
  return result;
}
