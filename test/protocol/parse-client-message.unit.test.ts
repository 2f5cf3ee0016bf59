/**
 * parseClientMessage: every client message, every error code it can produce (in the documented
 * order of checks), the id echo rule, and configurable limits.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PROTOCOL_LIMITS, resolveProtocolLimits, type ProtocolLimits } from '../../src/protocol/limits.js';
import { parseClientMessage, type ProtocolError } from '../../src/protocol/parse.js';
import type { ClientMessage } from '../../src/protocol/client-messages.js';

function ok(input: unknown, limits: ProtocolLimits = DEFAULT_PROTOCOL_LIMITS): ClientMessage {
  const result = parseClientMessage(JSON.stringify(input), false, limits);
  if (!result.ok) assert.fail(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.message;
}

function fail(input: string | ArrayBuffer, isBinary = false, limits: ProtocolLimits = DEFAULT_PROTOCOL_LIMITS): ProtocolError {
  const result = parseClientMessage(input, isBinary, limits);
  if (result.ok) assert.fail(`expected an error, got ${JSON.stringify(result.message)}`);
  assert.ok(result.error.message.length > 0, 'every error has a human-readable message');
  return result.error;
}

const failJson = (value: unknown, limits?: ProtocolLimits): ProtocolError => fail(JSON.stringify(value), false, limits);

describe('parseClientMessage: valid messages', () => {
  it('parses the subscribe of the issue', () => {
    assert.deepEqual(ok({ type: 'subscribe', id: 's1', channel: 'domains-only', keywords: ['paypal'], regex: ['^login\\.'] }), {
      type: 'subscribe',
      id: 's1',
      channel: 'domains-only',
      keywords: ['paypal'],
      regex: ['^login\\.'],
      dedupe: false,
    });
  });

  it('defaults keywords and regex to [] and leaves channel to the connection path', () => {
    const message = ok({ type: 'subscribe', id: 's1' });
    assert.deepEqual(message, { type: 'subscribe', id: 's1', keywords: [], regex: [], dedupe: false });
    assert.equal('channel' in message, false);
  });

  it('takes dedupe true or false, nothing else', () => {
    assert.equal((ok({ type: 'subscribe', id: 's1', dedupe: true }) as { dedupe: boolean }).dedupe, true);
    assert.equal(failJson({ type: 'subscribe', id: 's1', dedupe: 1 }).code, 'invalid_field');
  });

  it('accepts every channel and every id character', () => {
    for (const channel of ['full', 'lite', 'domains-only']) ok({ type: 'subscribe', id: 'a', channel });
    ok({ type: 'subscribe', id: 'AZaz09_.:-' });
    ok({ type: 'subscribe', id: 'x'.repeat(64) });
  });

  it('parses unsubscribe and ping (with and without id)', () => {
    assert.deepEqual(ok({ type: 'unsubscribe', id: 's1' }), { type: 'unsubscribe', id: 's1' });
    assert.deepEqual(ok({ type: 'ping' }), { type: 'ping' });
    assert.deepEqual(ok({ type: 'ping', id: 'p1' }), { type: 'ping', id: 'p1' });
  });

  it('reads text frames given as an ArrayBuffer (as uWebSockets.js delivers them)', () => {
    const bytes = new TextEncoder().encode('{"type":"subscribe","id":"s1","keywords":["bücher"]}');
    const result = parseClientMessage(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), false, DEFAULT_PROTOCOL_LIMITS);
    assert.ok(result.ok);
    assert.deepEqual(result.message, { type: 'subscribe', id: 's1', keywords: ['bücher'], regex: [], dedupe: false });
  });

  it('accepts patterns exactly at the limits', () => {
    const limits = DEFAULT_PROTOCOL_LIMITS;
    ok({
      type: 'subscribe',
      id: 's',
      keywords: Array.from({ length: limits.maxKeywords }, (_, i) => `k${i}`),
      regex: Array.from({ length: limits.maxRegexes }, (_, i) => `r${i}`),
    });
    ok({ type: 'subscribe', id: 's', keywords: ['k'.repeat(limits.maxKeywordLength)], regex: ['r'.repeat(limits.maxRegexLength)] });
  });
});

describe('parseClientMessage: errors', () => {
  it('message_too_large: checked first, in UTF-8 bytes, for strings and ArrayBuffers', () => {
    const limits = resolveProtocolLimits({ maxMessageBytes: 40 });
    const padded = (n: number): string => `{"type":"ping","id":"${'p'.repeat(n)}"}`;
    const exactly40 = padded(40 - padded(0).length);
    assert.equal(Buffer.byteLength(exactly40), 40);
    assert.ok(parseClientMessage(exactly40, false, limits).ok);
    assert.equal(fail(padded(41 - padded(0).length), false, limits).code, 'message_too_large');
    // 20 characters but 40 bytes: multi-byte characters count as bytes.
    assert.equal(fail('é'.repeat(21), false, limits).code, 'message_too_large');
    assert.equal(fail(new ArrayBuffer(41), true, limits).code, 'message_too_large');
    assert.equal(fail('{'.repeat(DEFAULT_PROTOCOL_LIMITS.maxMessageBytes + 1)).code, 'message_too_large');
  });

  it('binary_not_supported: a binary frame, whatever it contains', () => {
    const bytes = new TextEncoder().encode('{"type":"ping"}');
    assert.deepEqual(fail(bytes.buffer, true), {
      code: 'binary_not_supported',
      message: 'client messages must be sent as text frames',
    });
  });

  it('bad_json: invalid JSON, invalid UTF-8, and JSON that is not an object', () => {
    for (const text of ['', 'not json', '{"type":"ping"', "{'type':'ping'}"]) assert.equal(fail(text).code, 'bad_json', text);
    assert.equal(fail(new Uint8Array([0x7b, 0xff, 0x7d]).buffer).code, 'bad_json');
    for (const text of ['[]', '[{"type":"ping"}]', '"ping"', '42', 'null', 'true']) {
      const error = fail(text);
      assert.equal(error.code, 'bad_json', text);
      assert.equal(error.message, 'a client message must be a JSON object');
    }
  });

  it('unknown_type: missing, not a string, or not a known type; with the id when valid', () => {
    assert.equal(failJson({}).code, 'unknown_type');
    assert.deepEqual(failJson({ id: 's1' }), {
      code: 'unknown_type',
      message: '"type" is missing; expected one of "subscribe", "unsubscribe", "ping"',
      id: 's1',
    });
    assert.equal(failJson({ type: 42, id: 's1' }).code, 'unknown_type');
    assert.equal(failJson({ type: 'Subscribe', id: 's1' }).code, 'unknown_type');
    assert.equal(failJson({ type: 'hello' }).id, undefined);
    assert.equal(failJson({ type: 'hello', id: 'bad id' }).id, undefined, 'an invalid id is not echoed');
  });

  it('invalid_field: missing or malformed id (and no id echoed)', () => {
    assert.deepEqual(failJson({ type: 'subscribe' }), { code: 'invalid_field', message: 'id is required' });
    assert.deepEqual(failJson({ type: 'unsubscribe' }), { code: 'invalid_field', message: 'id is required' });
    assert.deepEqual(failJson({ type: 'subscribe', id: 7 }), { code: 'invalid_field', message: 'id must be a string' });
    assert.deepEqual(failJson({ type: 'subscribe', id: '' }), { code: 'invalid_field', message: 'id must not be empty' });
    assert.deepEqual(failJson({ type: 'subscribe', id: 'x'.repeat(65) }), {
      code: 'invalid_field',
      message: 'id is longer than 64 characters',
    });
    for (const id of ['s 1', 's/1', 'é', 's"1']) {
      assert.deepEqual(failJson({ type: 'subscribe', id }), {
        code: 'invalid_field',
        message: 'id may only contain the characters A-Z a-z 0-9 _ . : -',
      });
    }
    assert.equal(failJson({ type: 'ping', id: 'bad id' }).code, 'invalid_field');
  });

  it('invalid_field: other fields, with the id echoed', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ channel: 'firehose' }, 'channel must be one of "full", "lite", "domains-only"'],
      [{ channel: null }, 'channel must be one of "full", "lite", "domains-only"'],
      [{ keywords: 'paypal' }, 'keywords must be an array'],
      [{ keywords: [42] }, 'keywords[0] must be a string'],
      [{ keywords: ['ok', ''] }, 'keywords[1] must not be empty'],
      [{ keywords: ['k'.repeat(254)] }, 'keywords[0] is longer than 253 characters'],
      [{ regex: {} }, 'regex must be an array'],
      [{ regex: [null] }, 'regex[0] must be a string'],
      [{ keyword: ['paypal'] }, 'unknown field "keyword"'],
      [{ a: 1, b: 2 }, 'unknown fields "a", "b"'],
    ];
    for (const [fields, message] of cases) {
      assert.deepEqual(failJson({ type: 'subscribe', id: 's1', ...fields }), { code: 'invalid_field', message, id: 's1' }, message);
    }
    assert.deepEqual(failJson({ type: 'unsubscribe', id: 's1', keywords: [] }), {
      code: 'invalid_field',
      message: 'unknown field "keywords"',
      id: 's1',
    });
    assert.deepEqual(failJson({ type: 'ping', extra: true }), { code: 'invalid_field', message: 'unknown field "extra"' });
  });

  it('invalid_regex: an empty or too long regex (compilation is the router\'s job)', () => {
    assert.deepEqual(failJson({ type: 'subscribe', id: 's1', regex: ['ok', ''] }), { code: 'invalid_regex', message: 'regex[1] is empty', id: 's1' });
    assert.deepEqual(failJson({ type: 'subscribe', id: 's1', regex: ['r'.repeat(513)] }), {
      code: 'invalid_regex',
      message: 'regex[0] is longer than 512 characters',
      id: 's1',
    });
    // Not compiled here: an RE2-invalid pattern passes, the router reports it.
    assert.ok(parseClientMessage('{"type":"subscribe","id":"s1","regex":["(unclosed"]}', false, DEFAULT_PROTOCOL_LIMITS).ok);
  });

  it('too_many_patterns: more keywords or regexes than allowed, ahead of other problems', () => {
    const limits = DEFAULT_PROTOCOL_LIMITS;
    assert.deepEqual(failJson({ type: 'subscribe', id: 's1', keywords: Array.from({ length: 257 }, () => 'k') }), {
      code: 'too_many_patterns',
      message: 'keywords has more than 256 items',
      id: 's1',
    });
    assert.deepEqual(failJson({ type: 'subscribe', id: 's1', regex: Array.from({ length: limits.maxRegexes + 1 }, () => 'r') }), {
      code: 'too_many_patterns',
      message: 'regex has more than 64 items',
      id: 's1',
    });
    const mixed = failJson({ type: 'subscribe', id: 's1', channel: 'x', regex: [''], keywords: Array.from({ length: 257 }, () => 'k') });
    assert.equal(mixed.code, 'too_many_patterns');
  });

  it('reports invalid_regex ahead of invalid_field', () => {
    assert.equal(failJson({ type: 'subscribe', id: 's1', channel: 'x', regex: [''] }).code, 'invalid_regex');
  });
});

describe('parseClientMessage: configurable limits', () => {
  const tight = resolveProtocolLimits({ maxKeywords: 2, maxRegexes: 1, maxRegexLength: 5, maxKeywordLength: 3, maxMessageBytes: 200 });

  it('applies the given limits instead of the defaults', () => {
    ok({ type: 'subscribe', id: 's', keywords: ['abc', 'def'], regex: ['^a.b$'] }, tight);
    assert.equal(failJson({ type: 'subscribe', id: 's', keywords: ['a', 'b', 'c'] }, tight).code, 'too_many_patterns');
    assert.equal(failJson({ type: 'subscribe', id: 's', regex: ['a', 'b'] }, tight).code, 'too_many_patterns');
    assert.equal(failJson({ type: 'subscribe', id: 's', regex: ['^abcde'] }, tight).message, 'regex[0] is longer than 5 characters');
    assert.equal(failJson({ type: 'subscribe', id: 's', keywords: ['abcd'] }, tight).message, 'keywords[0] is longer than 3 characters');
    assert.equal(failJson({ type: 'subscribe', id: 's', keywords: ['a'.repeat(300)] }, tight).code, 'message_too_large');
  });

  it('resolveProtocolLimits keeps the defaults for what is not given and refuses nonsense', () => {
    assert.deepEqual(resolveProtocolLimits(), DEFAULT_PROTOCOL_LIMITS);
    assert.deepEqual(resolveProtocolLimits({ maxSubscriptions: 4 }), { ...DEFAULT_PROTOCOL_LIMITS, maxSubscriptions: 4 });
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => resolveProtocolLimits({ maxRegexes: bad }), RangeError);
    }
  });

  it('has the documented defaults', () => {
    assert.deepEqual(DEFAULT_PROTOCOL_LIMITS, {
      maxSubscriptions: 16,
      maxKeywords: 256,
      maxRegexes: 64,
      maxRegexLength: 512,
      maxMessageBytes: 65536,
      maxKeywordLength: 253,
    });
  });
});
