/**
 * Messages a client may send, as zod schemas: the single source of truth for validation, for the
 * TypeScript types and for protocol/client-messages.schema.json. The schemas depend on the limits,
 * so they are built by createClientMessageSchemas; the exported instances use the defaults.
 *
 * Objects are strict: an unknown field is an error, because a misspelt filter ("keyword") would
 * otherwise silently subscribe to every certificate.
 */
import { z } from 'zod';
import { channelSchema } from './channels.js';
import { DEFAULT_PROTOCOL_LIMITS, SUBSCRIPTION_ID_MAX_LENGTH, SUBSCRIPTION_ID_PATTERN, type ProtocolLimits } from './limits.js';

export const CLIENT_MESSAGE_TYPES = ['subscribe', 'unsubscribe', 'ping'] as const;
export type ClientMessageType = (typeof CLIENT_MESSAGE_TYPES)[number];

export const subscriptionIdSchema = z
  .string()
  .min(1)
  .max(SUBSCRIPTION_ID_MAX_LENGTH)
  .regex(SUBSCRIPTION_ID_PATTERN)
  .describe(`1..${SUBSCRIPTION_ID_MAX_LENGTH} characters of [A-Za-z0-9_.:-], chosen by the client.`);

export function createClientMessageSchemas(limits: ProtocolLimits) {
  const keywordSchema = z
    .string()
    .min(1)
    .max(limits.maxKeywordLength)
    .describe('Matches a domain that contains it, ignoring case.');
  const regexSchema = z
    .string()
    .min(1)
    .max(limits.maxRegexLength)
    .describe('RE2 syntax; matches a domain in which it finds a match (unanchored).');

  const subscribe = z
    .strictObject({
      type: z.literal('subscribe'),
      id: subscriptionIdSchema.describe('Names the subscription; a subscribe with an id in use replaces that subscription.'),
      channel: channelSchema.optional().describe('Shape of delivered messages; defaults to the channel of the connection path.'),
      keywords: z.array(keywordSchema).max(limits.maxKeywords).default([]),
      regex: z.array(regexSchema).max(limits.maxRegexes).default([]),
      dedupe: z
        .boolean()
        .default(false)
        .describe(
          'Only first sightings: leave out certificates already streamed within the server\'s dedupe window (those with duplicate_of). ' +
            'The decision is the certificate\'s, so a replay with since gives what a live subscription gave.',
        ),
      since: z
        .strictObject({
          seq: z.number().int().nonnegative().describe('The last seq the client received.'),
          epoch: z.string().min(1).max(64).describe('The epoch the server reported in its subscribed reply.'),
        })
        .optional()
        .describe('Resume: replay the matching certificates after seq (same server epoch), then continue live.'),
    })
    .meta({
      id: 'SubscribeMessage',
      description:
        'Starts (or replaces) a subscription. A certificate matches when any of its domains matches any keyword or regex; ' +
        'with neither, every certificate matches. Answered by subscribed or error.',
    });

  const unsubscribe = z
    .strictObject({
      type: z.literal('unsubscribe'),
      id: subscriptionIdSchema,
    })
    .meta({ id: 'UnsubscribeMessage', description: 'Ends a subscription. Answered by unsubscribed or error.' });

  const ping = z
    .strictObject({
      type: z.literal('ping'),
      id: subscriptionIdSchema.optional().describe('Echoed in the pong.'),
    })
    .meta({ id: 'PingMessage', description: 'Application-level ping. Answered by pong.' });

  const clientMessage = z
    .discriminatedUnion('type', [subscribe, unsubscribe, ping])
    .meta({ title: 'certstream-ts client message', description: 'A JSON text frame sent by a client.' });

  return { subscribe, unsubscribe, ping, clientMessage };
}

export type ClientMessageSchemas = ReturnType<typeof createClientMessageSchemas>;

const defaultSchemas = createClientMessageSchemas(DEFAULT_PROTOCOL_LIMITS);

export const subscribeMessageSchema = defaultSchemas.subscribe;
export const unsubscribeMessageSchema = defaultSchemas.unsubscribe;
export const pingMessageSchema = defaultSchemas.ping;
export const clientMessageSchema = defaultSchemas.clientMessage;

/** Messages as the server sees them after parsing (keywords and regex filled in). */
export type SubscribeMessage = z.output<typeof subscribeMessageSchema>;
export type UnsubscribeMessage = z.output<typeof unsubscribeMessageSchema>;
export type PingMessage = z.output<typeof pingMessageSchema>;
export type ClientMessage = z.output<typeof clientMessageSchema>;

/** Messages as a client may write them (keywords and regex optional). */
export type SubscribeMessageInput = z.input<typeof subscribeMessageSchema>;
export type ClientMessageInput = z.input<typeof clientMessageSchema>;
