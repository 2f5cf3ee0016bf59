/**
 * Run-time checks of what callers pass to connect() and subscribe(), so that a misspelt option
 * (`keyword:` for `keywords:`) is an error at once instead of a subscription to every certificate,
 * from JavaScript as from TypeScript. subscribe() is checked with the protocol's own subscribe
 * schema (src/protocol), with its size limits left to the server, whose limits may differ.
 */
import { z } from 'zod';
import { createClientMessageSchemas } from '../protocol/client-messages.js';
import { resolveProtocolLimits, type ProtocolLimits } from '../protocol/limits.js';
import { describeIssue } from '../protocol/parse.js';

/** connect() or subscribe() was given an option it does not know, or a value of the wrong type. */
export class InvalidOptionsError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidOptionsError';
  }
}

const NO_LIMITS: ProtocolLimits = resolveProtocolLimits({
  maxSubscriptions: Number.MAX_SAFE_INTEGER,
  maxKeywords: Number.MAX_SAFE_INTEGER,
  maxRegexes: Number.MAX_SAFE_INTEGER,
  maxRegexLength: Number.MAX_SAFE_INTEGER,
  maxMessageBytes: Number.MAX_SAFE_INTEGER,
  maxKeywordLength: Number.MAX_SAFE_INTEGER,
});

/** The subscribe message without its `type`, and with `id` optional (the client makes one up). */
const subscribeOptionsSchema = createClientMessageSchemas(NO_LIMITS).subscribe.omit({ type: true }).partial({ id: true });

const isFunction = (value: unknown): boolean => typeof value === 'function';
const duration = z.number().nonnegative();

const connectOptionsSchema = z.strictObject({
  reconnect: z
    .union([z.literal(false), z.strictObject({ minDelayMs: duration.optional(), maxDelayMs: duration.optional(), random: z.custom(isFunction).optional() })])
    .optional(),
  connectTimeoutMs: duration.optional(),
  replyTimeoutMs: duration.optional(),
  idleTimeoutMs: duration.optional(),
  highWaterMark: z.number().int().positive().optional(),
  validateMessages: z.boolean().optional(),
  WebSocket: z.custom(isFunction, { error: 'must be a WebSocket class' }).optional(),
});

function check(schema: z.ZodType, options: unknown, what: string): void {
  if (options === undefined) return;
  const result = schema.safeParse(options);
  if (result.success) return;
  const input = typeof options === 'object' && options !== null ? (options as Record<string, unknown>) : {};
  const issue = result.error.issues[0];
  const problem = issue === undefined ? 'invalid options' : describeIssue(issue, input);
  const known = schema instanceof z.ZodObject ? ` (known: ${Object.keys(schema.shape).join(', ')})` : '';
  throw new InvalidOptionsError(`${what}: ${problem}${issue?.code === 'unrecognized_keys' ? known : ''}`);
}

/** Throws InvalidOptionsError unless `options` are subscribe() options. */
export function checkSubscribeOptions(options: unknown): void {
  check(subscribeOptionsSchema, options, 'subscribe() options');
}

/** Throws InvalidOptionsError unless `options` are connect() options. */
export function checkConnectOptions(options: unknown): void {
  check(connectOptionsSchema, options, 'connect() options');
}
