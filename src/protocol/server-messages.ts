/**
 * Messages the server sends, as zod schemas: the CertStream messages (certificate_update,
 * dns_entries, heartbeat) in the shape of the original server plus this server's additions, and
 * the replies to client messages. Objects are loose so that a client validating with them keeps
 * working when a later server adds fields.
 */
import { z } from 'zod';
import { subscriptionIdSchema } from './client-messages.js';

export const ERROR_CODES = [
  'bad_json',
  'unknown_type',
  'invalid_field',
  'invalid_regex',
  'too_many_subscriptions',
  'too_many_patterns',
  'message_too_large',
  'unknown_subscription',
  'binary_not_supported',
  'rate_limited',
  'too_many_scan_regexes',
  'too_many_connections',
  'too_many_connections_from_ip',
  'unauthorized',
  'too_many_connections_for_token',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** When each error code is sent (Markdown): the source of the table in protocol/README.md, written by `npm run docs`. */
export const ERROR_CODE_DESCRIPTIONS: Readonly<Record<ErrorCode, string>> = Object.freeze({
  bad_json:
    'The text frame is not valid UTF-8 JSON, or is JSON but not an object.',
  unknown_type:
    '`type` is missing, not a string, or not `subscribe`, `unsubscribe` or `ping`.',
  invalid_field:
    'A field is missing, has the wrong type, length or characters (ids), names an unknown channel, or is not part of the message; in the URL, malformed percent-encoding.',
  invalid_regex:
    'A regex is empty, longer than `maxRegexLength`, or not valid RE2.',
  too_many_subscriptions:
    'A `subscribe` with a new id while the connection already has `maxSubscriptions` subscriptions (replacing an existing id is always allowed).',
  too_many_patterns:
    '`keywords` has more than `maxKeywords` items, or `regex` more than `maxRegexes`.',
  message_too_large:
    'The message is longer than `maxMessageBytes` bytes, or the URL query is.',
  unknown_subscription:
    'An `unsubscribe` names an id the connection has no subscription for.',
  binary_not_supported:
    'The client sent a binary frame; the protocol uses text frames only.',
  rate_limited:
    'The connection sends messages faster than `messagesPerSecond` (after a burst of `messageBurst`), or its client IP more bytes than its [filter budget](#filter-budget), or a `subscribe` brings keyword/regex characters new to the server faster than the server-wide budget; the message was dropped, not processed.',
  too_many_scan_regexes:
    'A `subscribe` would make its client IP, or the whole server, hold more than the [filter budget](#filter-budget) of regexes without a literal (`scanRegexUnitsPerIp`, `scanRegexUnits`).',
  too_many_connections:
    'HTTP 503 instead of the WebSocket upgrade: the server already has `maxConnections` connections.',
  too_many_connections_from_ip:
    'HTTP 429 instead of the WebSocket upgrade: the client\'s IP already has `maxConnectionsPerIp` connections.',
  unauthorized:
    'HTTP 401 instead of the upgrade or stream: the server was started with access tokens (`--auth-tokens`) and the request presented none (`Authorization: Bearer <token>` or `?token=<token>`) or an unknown one.',
  too_many_connections_for_token:
    'HTTP 429 instead of the upgrade or stream: the access token already has the `maxConnections` its token file gives it.',
});

/**
 * WebSocket close codes the server sends; 4000-4999 are application codes (RFC 6455 7.4.2).
 * Other ends of a connection (shutdown, a frame beyond the transport limit) drop it without a close
 * frame, which clients report as 1006.
 */
export const CLOSE_CODES = Object.freeze({
  /** More than maxBackpressure bytes queued for a client that does not read fast enough. */
  backpressure: 4008,
  /** The client kept sending after rateLimitCloseAfter of its messages were refused with rate_limited. */
  rateLimited: 4029,
  /** The server is shutting down (SIGTERM): reconnect, and resume, in a moment. */
  goingAway: 1001,
} as const);
export type CloseCodeName = keyof typeof CLOSE_CODES;

/** Close reason sent with each close code. */
export const CLOSE_REASONS: Readonly<Record<CloseCodeName, string>> = Object.freeze({
  backpressure: 'backpressure',
  rateLimited: 'rate limited',
  goingAway: 'server shutting down',
});

// --- certificates, in CertStream's shape (see src/x509/types.ts) ---

const colonHex = (bytes: number): z.ZodString =>
  z.string().regex(new RegExp(`^[0-9A-F]{2}(:[0-9A-F]{2}){${bytes - 1}}$`));

export const certStreamNameSchema = z
  .looseObject({
    aggregated: z.string().describe('"/C=US/CN=.../O=..." of the attributes present.'),
    C: z.string().nullable(),
    ST: z.string().nullable(),
    L: z.string().nullable(),
    O: z.string().nullable(),
    OU: z.string().nullable(),
    CN: z.string().nullable().describe('The last CN when the name has several (all_domains has them all).'),
  })
  .meta({ id: 'CertStreamName' });

export const certStreamExtensionsSchema = z
  .record(z.string(), z.union([z.string(), z.literal(true)]))
  .meta({
    id: 'CertStreamExtensions',
    description: 'OpenSSL-style text keyed by OpenSSL short name; ctlPoisonByte is true on precertificates.',
  });

/** A chain certificate; as_der is there on the full channel only. */
export const chainCertSchema = z
  .looseObject({
    subject: certStreamNameSchema,
    issuer: certStreamNameSchema,
    extensions: certStreamExtensionsSchema,
    not_before: z.number().int().nullable().describe('Unix seconds; null when the certificate\'s time does not decode.'),
    not_after: z.number().int().nullable().describe('Unix seconds; null when the certificate\'s time does not decode.'),
    serial_number: z.string().describe('Upper-case hex without leading zeros; "-" first when negative.'),
    fingerprint: colonHex(20).describe('SHA-1 of the DER, "AA:BB:..." upper case.'),
    sha1: colonHex(20).describe('Same as fingerprint.'),
    sha256: colonHex(32).describe('SHA-256 of the DER, "AA:BB:..." upper case.'),
    signature_algorithm: z.string().describe('"sha256, rsa", "ecdsa, sha384", "ed25519", ...'),
    is_ca: z.boolean(),
    as_der: z.string().optional().describe('Base64 DER; full channel only.'),
  })
  .meta({ id: 'ChainCert' });

export const leafCertSchema = chainCertSchema
  .extend({
    all_domains: z.array(z.string()).describe('Every subject CN, then the SAN DNS names, de-duplicated, in order.'),
  })
  .meta({ id: 'LeafCert' });

export const fullChainCertSchema = chainCertSchema.extend({ as_der: z.string() });
export const fullLeafCertSchema = leafCertSchema.extend({ as_der: z.string() });

const subscriptionField = subscriptionIdSchema
  .optional()
  .describe('Id of the subscription that matched; absent on the unfiltered stream.');

/** What a resuming client passes back as `since.seq`. */
const seqSchema = z.number().int().nonnegative().describe('Server-wide sequence number, increasing by one per certificate.');

const certKeySchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/)
  .describe(
    'The certificate\'s identity, hex: SHA-256 of its TBSCertificate without the CT poison and embedded SCT list extensions. ' +
      'The same for a precertificate and its final certificate, and for the same entry in any log (protocol/README.md "Certificate identity").',
  );

const duplicateOfSchema = z
  .number()
  .int()
  .positive()
  .optional()
  .describe('Present when this certificate was already streamed within the dedupe window: the seq of its first sighting.');

export const certificateUpdateDataSchema = z
  .looseObject({
    update_type: z.enum(['X509LogEntry', 'PrecertLogEntry']),
    leaf_cert: leafCertSchema,
    chain: z.array(chainCertSchema).optional().describe('Issuer chain, leaf excluded, as the log gives it; full channel only.'),
    cert_index: z.number().int().nonnegative().describe('Index of the entry in its log.'),
    cert_link: z.string().describe('URL the entry can be fetched from.'),
    seen: z.number().describe('Unix seconds, with fractions, when the server read the entry.'),
    source: z.looseObject({ url: z.string().describe('Log URL as the log list gives it, scheme included.'), name: z.string() }),
    seq: seqSchema,
    cert_key: certKeySchema.optional().describe('On the full channel (and domains-only); lite leaves it out to stay small. ' + certKeySchema.description!),
    duplicate_of: duplicateOfSchema,
  })
  .meta({ id: 'CertificateUpdateData' });

export const certificateUpdateMessageSchema = z
  .looseObject({
    message_type: z.literal('certificate_update'),
    data: certificateUpdateDataSchema,
    subscription: subscriptionField,
  })
  .meta({ id: 'CertificateUpdateMessage', description: 'One certificate, on the full and lite channels (lite: no chain, no as_der, no cert_key).' });

/** certificate_update as the full channel sends it: DER on the leaf and every chain certificate. */
export const fullCertificateUpdateMessageSchema = certificateUpdateMessageSchema.extend({
  data: certificateUpdateDataSchema.extend({ leaf_cert: fullLeafCertSchema, chain: z.array(fullChainCertSchema), cert_key: certKeySchema }),
});

/** certificate_update as the lite channel sends it: no chain, no DER, no embedded SCT list (as certstream-server-go). */
export const liteCertificateUpdateMessageSchema = certificateUpdateMessageSchema.extend({
  data: certificateUpdateDataSchema.extend({
    leaf_cert: leafCertSchema.extend({
      as_der: z.never().optional(),
      extensions: certStreamExtensionsSchema.refine((e) => !('ctlSignedCertificateTimestamp' in e), {
        error: 'ctlSignedCertificateTimestamp is not sent on lite',
      }),
    }),
    chain: z.never().optional().describe('Not sent on the lite channel.'),
    cert_key: z.never().optional().describe('Not sent on the lite channel (duplicate_of is).'),
  }),
});

export const dnsEntriesMessageSchema = z
  .looseObject({
    message_type: z.literal('dns_entries'),
    data: z.array(z.string()).describe("The certificate's all_domains."),
    seq: seqSchema,
    cert_key: certKeySchema,
    duplicate_of: duplicateOfSchema,
    subscription: subscriptionField,
  })
  .meta({ id: 'DnsEntriesMessage', description: 'One certificate, on the domains-only channel.' });

export const heartbeatMessageSchema = z
  .looseObject({
    message_type: z.literal('heartbeat'),
    timestamp: z.number().int().nonnegative().describe('Unix seconds.'),
    seq: seqSchema
      .optional()
      .describe('The newest seq (absent before the first certificate): everything of this connection\'s subscriptions up to it has been sent.'),
  })
  .meta({ id: 'HeartbeatMessage', description: 'Sent to every connection every 30 s (default), subscribed or not.' });

export const subscribedMessageSchema = z
  .looseObject({
    message_type: z.literal('subscribed'),
    id: subscriptionIdSchema,
    epoch: z.string().describe('Random per server start: seq values are comparable only within one epoch.'),
    seq: z.number().int().nonnegative().describe('The newest seq when the subscription started.'),
    recovered: z
      .boolean()
      .optional()
      .describe('Only for a subscribe with since: true when every missed certificate is replayed, false when history did not reach back.'),
    oldest_seq: z.number().int().nonnegative().optional().describe('With recovered false: the oldest seq the server still had.'),
  })
  .meta({ id: 'SubscribedMessage', description: 'The subscription is active; matching certificates follow.' });

export const gapMessageSchema = z
  .looseObject({
    message_type: z.literal('gap'),
    id: subscriptionIdSchema.describe('The subscription concerned.'),
    from_seq: seqSchema.describe('First seq that may be missing.'),
    to_seq: seqSchema.describe('Last seq that may be missing (inclusive).'),
    reason: z
      .string()
      .describe('"history_expired": the events left the server\'s history before the replay reached them. Later versions may add reasons.'),
  })
  .meta({
    id: 'GapMessage',
    description: 'After recovered:true, certificates from_seq..to_seq of this subscription could not be replayed after all; delivery goes on after to_seq.',
  });

export const unsubscribedMessageSchema = z
  .looseObject({ message_type: z.literal('unsubscribed'), id: subscriptionIdSchema })
  .meta({ id: 'UnsubscribedMessage', description: 'The subscription is gone; nothing more is delivered for it.' });

export const pongMessageSchema = z
  .looseObject({ message_type: z.literal('pong'), id: subscriptionIdSchema.optional().describe("The ping's id, if it had one.") })
  .meta({ id: 'PongMessage', description: 'Answer to ping.' });

export const errorMessageSchema = z
  .looseObject({
    message_type: z.literal('error'),
    id: subscriptionIdSchema.optional().describe('Id of the offending message, when it carried a valid one.'),
    code: z.enum(ERROR_CODES).describe('Stable, machine-readable; later versions may add codes.'),
    message: z.string().describe('Human-readable detail; not stable.'),
  })
  .meta({ id: 'ErrorMessage', description: 'A client message was refused; the connection stays open.' });

export const closedMessageSchema = z
  .looseObject({
    message_type: z.literal('closed'),
    code: z.number().int().describe('The WebSocket close code a WebSocket would have been closed with (4008 backpressure, 1001 going away).'),
    reason: z.string().describe('The matching close reason.'),
  })
  .meta({ id: 'ClosedMessage', description: 'Last message of an SSE or NDJSON stream the server ends: why it ends (WebSockets get a close frame instead).' });

export const serverMessageSchema = z
  .discriminatedUnion('message_type', [
    certificateUpdateMessageSchema,
    dnsEntriesMessageSchema,
    heartbeatMessageSchema,
    subscribedMessageSchema,
    gapMessageSchema,
    unsubscribedMessageSchema,
    pongMessageSchema,
    errorMessageSchema,
    closedMessageSchema,
  ])
  .meta({ title: 'certstream-ts server message', description: 'A JSON text frame sent by the server.' });

export const SERVER_MESSAGE_TYPES = [
  'certificate_update',
  'dns_entries',
  'heartbeat',
  'subscribed',
  'gap',
  'unsubscribed',
  'pong',
  'error',
  'closed',
] as const satisfies readonly ServerMessage['message_type'][];
export type ServerMessageType = (typeof SERVER_MESSAGE_TYPES)[number];

export type CertStreamName = z.output<typeof certStreamNameSchema>;
export type ChainCert = z.output<typeof chainCertSchema>;
export type LeafCert = z.output<typeof leafCertSchema>;
export type CertificateUpdateData = z.output<typeof certificateUpdateDataSchema>;
export type CertificateUpdateMessage = z.output<typeof certificateUpdateMessageSchema>;
export type FullCertificateUpdateMessage = z.output<typeof fullCertificateUpdateMessageSchema>;
export type LiteCertificateUpdateMessage = z.output<typeof liteCertificateUpdateMessageSchema>;
export type DnsEntriesMessage = z.output<typeof dnsEntriesMessageSchema>;
export type HeartbeatMessage = z.output<typeof heartbeatMessageSchema>;
export type SubscribedMessage = z.output<typeof subscribedMessageSchema>;
export type GapMessage = z.output<typeof gapMessageSchema>;
export type UnsubscribedMessage = z.output<typeof unsubscribedMessageSchema>;
export type PongMessage = z.output<typeof pongMessageSchema>;
export type ErrorMessage = z.output<typeof errorMessageSchema>;
export type ClosedMessage = z.output<typeof closedMessageSchema>;
export type ServerMessage = z.output<typeof serverMessageSchema>;
