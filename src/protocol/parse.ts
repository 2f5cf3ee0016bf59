/**
 * Turns what a client sends (a WebSocket frame, or the query string of the URL it connected to)
 * into a validated message, or into the protocol error to answer with. Checks run cheapest first:
 * size, frame kind, JSON, type, then fields. Regexes are only length-checked here: compiling them
 * (with RE2) is the router's job, which reports invalid_regex itself.
 */
import type { z } from 'zod';
import {
  CLIENT_MESSAGE_TYPES,
  createClientMessageSchemas,
  subscriptionIdSchema,
  type ClientMessage,
  type ClientMessageSchemas,
  type SubscribeMessage,
} from './client-messages.js';
import { DEFAULT_PROTOCOL_LIMITS, URL_SUBSCRIPTION_ID, type ProtocolLimits } from './limits.js';
import type { ErrorCode } from './server-messages.js';

export { errorMessage } from './replies.js';

export interface ProtocolError {
  code: ErrorCode;
  /** Human-readable; not stable. */
  message: string;
  /** The offending message's id, when it carried a valid one. */
  id?: string;
}

export type ParseResult<T> = { ok: true; message: T } | { ok: false; error: ProtocolError };

/** Schemas are built once per limits object (limits are long-lived, usually one per server). */
const schemasByLimits = new WeakMap<ProtocolLimits, ClientMessageSchemas>();

function schemasFor(limits: ProtocolLimits): ClientMessageSchemas {
  let schemas = schemasByLimits.get(limits);
  if (!schemas) {
    schemas = createClientMessageSchemas(limits);
    schemasByLimits.set(limits, schemas);
  }
  return schemas;
}

function failure(code: ErrorCode, message: string, id?: string): { ok: false; error: ProtocolError } {
  return { ok: false, error: id === undefined ? { code, message } : { code, message, id } };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The message's id if it is a valid one, so even a refused message can be correlated. */
function readableId(message: Record<string, unknown>): string | undefined {
  const id = message.id;
  return typeof id === 'string' && subscriptionIdSchema.safeParse(id).success ? id : undefined;
}

export function parseClientMessage(
  data: string | ArrayBuffer,
  isBinary: boolean,
  limits: ProtocolLimits = DEFAULT_PROTOCOL_LIMITS,
): ParseResult<ClientMessage> {
  const size = typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.byteLength;
  if (size > limits.maxMessageBytes) {
    return failure('message_too_large', `message is ${size} bytes; the limit is ${limits.maxMessageBytes}`);
  }
  if (isBinary) return failure('binary_not_supported', 'client messages must be sent as text frames');

  let text: string;
  try {
    text = typeof data === 'string' ? data : utf8.decode(data);
  } catch {
    return failure('bad_json', 'message is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return failure('bad_json', `message is not valid JSON: ${(error as Error).message}`);
  }
  if (!isJsonObject(value)) return failure('bad_json', 'a client message must be a JSON object');

  const id = readableId(value);
  const type = value.type;
  if (typeof type !== 'string' || !(CLIENT_MESSAGE_TYPES as readonly string[]).includes(type)) {
    const expected = CLIENT_MESSAGE_TYPES.map((t) => JSON.stringify(t)).join(', ');
    const got = type === undefined ? 'missing' : JSON.stringify(type);
    return failure('unknown_type', `"type" is ${got}; expected one of ${expected}`, id);
  }

  const result = schemasFor(limits).clientMessage.safeParse(value);
  if (result.success) return { ok: true, message: result.data };
  const { code, message } = describeIssues(result.error.issues, value, limits);
  return failure(code, message, id);
}

/**
 * The filters of a connection URL (`?keywords=a,b&regex=x&regex=y`) as the implicit subscription
 * "url", or null when the URL has no filters. Values are percent-decoded (a "+" stays a "+", since
 * it is meaningful in a regex); keywords are split on commas and trimmed; empty values are ignored,
 * and so are other parameters.
 */
export function parseQueryFilters(
  query: string,
  limits: ProtocolLimits = DEFAULT_PROTOCOL_LIMITS,
): ParseResult<SubscribeMessage | null> {
  const raw = query.startsWith('?') ? query.slice(1) : query;
  const size = Buffer.byteLength(raw, 'utf8');
  if (size > limits.maxMessageBytes) {
    return failure('message_too_large', `query is ${size} bytes; the limit is ${limits.maxMessageBytes}`, URL_SUBSCRIPTION_ID);
  }

  const keywords: string[] = [];
  const regex: string[] = [];
  let dedupe = false;
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const name = percentDecode(equals < 0 ? pair : pair.slice(0, equals));
    const value = percentDecode(equals < 0 ? '' : pair.slice(equals + 1));
    if (name === null || value === null) {
      return failure('invalid_field', `query parameter ${JSON.stringify(pair)} is not valid percent-encoding`, URL_SUBSCRIPTION_ID);
    }
    if (name === 'keywords') {
      // Split after decoding: encodeURIComponent turns the separating commas into %2C.
      for (const keyword of value.split(',')) {
        const trimmed = keyword.trim();
        if (trimmed !== '') keywords.push(trimmed);
      }
    } else if (name === 'regex' && value !== '') {
      regex.push(value);
    } else if (name === 'dedupe') {
      if (!(value in DEDUPE_VALUES)) {
        return failure('invalid_field', `query: dedupe must be 1, 0, true or false, not ${JSON.stringify(value)}`, URL_SUBSCRIPTION_ID);
      }
      dedupe = DEDUPE_VALUES[value]!;
    }
  }
  if (keywords.length === 0 && regex.length === 0 && !dedupe) return { ok: true, message: null };

  const candidate = { type: 'subscribe', id: URL_SUBSCRIPTION_ID, keywords, regex, dedupe };
  const result = schemasFor(limits).subscribe.safeParse(candidate);
  if (result.success) return { ok: true, message: result.data };
  const { code, message } = describeIssues(result.error.issues, candidate, limits);
  return failure(code, `query: ${message}`, URL_SUBSCRIPTION_ID);
}

const DEDUPE_VALUES: Record<string, boolean> = { '1': true, true: true, '0': false, false: false };

function percentDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

// --- zod issues to one protocol error ---

type Issue = z.core.$ZodIssue;

/**
 * One error for all of a message's problems, the most specific first: too many patterns, then a
 * bad regex, then the first other field problem.
 */
function describeIssues(issues: readonly Issue[], input: Record<string, unknown>, limits: ProtocolLimits): { code: ErrorCode; message: string } {
  const tooMany = issues.find((i) => i.code === 'too_big' && i.origin === 'array' && i.path.length === 1);
  if (tooMany) {
    const field = String(tooMany.path[0]);
    const limit = field === 'keywords' ? limits.maxKeywords : limits.maxRegexes;
    return { code: 'too_many_patterns', message: `${field} has more than ${limit} items` };
  }
  const badRegex = issues.find((i) => i.path.length === 2 && i.path[0] === 'regex' && (i.code === 'too_big' || i.code === 'too_small'));
  if (badRegex) {
    const where = formatPath(badRegex.path);
    const message = badRegex.code === 'too_small' ? `${where} is empty` : `${where} is longer than ${limits.maxRegexLength} characters`;
    return { code: 'invalid_regex', message };
  }
  const first = issues[0];
  return { code: 'invalid_field', message: first ? describeIssue(first, input) : 'invalid message' };
}

/** One zod issue of a client message in plain words (`unknown field "keyword"`, `keywords must be an array`). */
export function describeIssue(issue: Issue, input: Record<string, unknown>): string {
  const where = formatPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    case 'invalid_type':
      return valueAt(input, issue.path) === undefined ? `${where} is required` : `${where} must be ${article(issue.expected)}`;
    case 'too_small':
      return issue.origin === 'string' ? `${where} must not be empty` : `${where} is too small`;
    case 'too_big':
      return issue.origin === 'string' ? `${where} is longer than ${String(issue.maximum)} characters` : `${where} is too big`;
    case 'invalid_format':
      return `${where} may only contain the characters A-Z a-z 0-9 _ . : -`;
    case 'invalid_value':
      return `${where} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${where}: ${issue.message}`;
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) text += typeof key === 'number' ? `[${key}]` : text === '' ? String(key) : `.${String(key)}`;
  return text === '' ? 'message' : text;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}
