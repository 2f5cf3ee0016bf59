/** parseQueryFilters: the URL form of a subscription (`/domains-only?keywords=a,b&regex=x`). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_PROTOCOL_LIMITS, resolveProtocolLimits, URL_SUBSCRIPTION_ID } from '../../src/protocol/limits.js';
import { parseQueryFilters } from '../../src/protocol/parse.js';
import type { SubscribeMessage } from '../../src/protocol/client-messages.js';
import type { ProtocolError } from '../../src/protocol/parse.js';

function filters(query: string, limits = DEFAULT_PROTOCOL_LIMITS): SubscribeMessage | null {
  const result = parseQueryFilters(query, limits);
  if (!result.ok) assert.fail(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.message;
}

function refused(query: string, limits = DEFAULT_PROTOCOL_LIMITS): ProtocolError {
  const result = parseQueryFilters(query, limits);
  if (result.ok) assert.fail(`expected an error, got ${JSON.stringify(result.message)}`);
  assert.equal(result.error.id, URL_SUBSCRIPTION_ID, 'URL errors carry the id "url"');
  return result.error;
}

const subscription = (keywords: string[], regex: string[] = [], dedupe = false): SubscribeMessage => ({ type: 'subscribe', id: 'url', keywords, regex, dedupe });

describe('parseQueryFilters', () => {
  it('is null (the classic unfiltered stream) without filters', () => {
    for (const query of ['', '?', 'keywords=', 'regex=', 'keywords=,,', 'keywords=%20', 'other=1', '&&', 'dedupe=0', 'dedupe=false']) {
      assert.equal(filters(query), null, query);
    }
  });

  it('takes dedupe=1 (or true) alone or with filters; refuses other values', () => {
    assert.deepEqual(filters('dedupe=1'), subscription([], [], true));
    assert.deepEqual(filters('keywords=paypal&dedupe=true'), subscription(['paypal'], [], true));
    assert.deepEqual(filters('dedupe=1&keywords=paypal&dedupe=0'), subscription(['paypal']));
    assert.equal(refused('dedupe=yes').code, 'invalid_field');
  });

  it('splits keywords on commas, trims them and drops empty ones', () => {
    assert.deepEqual(filters('keywords=paypal,apple'), subscription(['paypal', 'apple']));
    assert.deepEqual(filters('?keywords=paypal,apple'), subscription(['paypal', 'apple']));
    assert.deepEqual(filters('keywords=paypal,%20apple%20,'), subscription(['paypal', 'apple']));
    // encodeURIComponent encodes the separating commas; they still separate.
    assert.deepEqual(filters(`keywords=${encodeURIComponent('paypal,apple')}`), subscription(['paypal', 'apple']));
  });

  it('merges repeated keywords parameters and keeps every regex parameter', () => {
    assert.deepEqual(filters('keywords=a&keywords=b,c'), subscription(['a', 'b', 'c']));
    assert.deepEqual(filters('regex=%5Elogin%5C.&regex=paypal'), subscription([], ['^login\\.', 'paypal']));
    assert.deepEqual(filters('keywords=paypal&regex=x'), subscription(['paypal'], ['x']));
  });

  it('percent-decodes, keeping "+" and "," literal in a regex', () => {
    assert.deepEqual(filters('regex=^a+b'), subscription([], ['^a+b']));
    assert.deepEqual(filters(`regex=${encodeURIComponent('^(www|m)\\.[a-z]{2,5}\\.example$')}`), subscription([], ['^(www|m)\\.[a-z]{2,5}\\.example$']));
    assert.deepEqual(filters('regex=a{1,3}'), subscription([], ['a{1,3}']));
    assert.deepEqual(filters('keywords=b%C3%BCcher'), subscription(['bücher']));
  });

  it('ignores other and empty parameters, and is case-sensitive about names', () => {
    assert.deepEqual(filters('_=123&keywords=paypal&regex=&Keywords=apple&x'), subscription(['paypal']));
  });

  it('refuses malformed percent-encoding with invalid_field', () => {
    assert.equal(refused('keywords=%zz').code, 'invalid_field');
    assert.equal(refused('regex=100%').code, 'invalid_field');
    assert.equal(refused('%E0%A4%A=1').code, 'invalid_field');
  });

  it('applies the subscription limits', () => {
    const many = Array.from({ length: 257 }, (_, i) => `k${i}`).join(',');
    assert.equal(refused(`keywords=${many}`).code, 'too_many_patterns');
    assert.equal(refused(Array.from({ length: 65 }, () => 'regex=a').join('&')).code, 'too_many_patterns');
    assert.equal(refused(`regex=${'a'.repeat(513)}`).code, 'invalid_regex');
    const error = refused(`keywords=${'k'.repeat(254)}`);
    assert.deepEqual(error, { code: 'invalid_field', message: 'query: keywords[0] is longer than 253 characters', id: 'url' });
  });

  it('refuses a query longer than maxMessageBytes with message_too_large', () => {
    const limits = resolveProtocolLimits({ maxMessageBytes: 20 });
    assert.ok(parseQueryFilters('keywords=0123456789', limits).ok);
    assert.equal(refused('keywords=01234567890123', limits).code, 'message_too_large');
  });
});
