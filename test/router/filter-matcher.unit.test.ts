import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FilterMatcher, InvalidFilterError, type FilterSpec } from '../../src/router/filter-matcher.js';

const spec = (keywords: string[] = [], regex: string[] = []): FilterSpec => ({ keywords, regex });

/** The filter ids reported for `domains`, in report order (duplicates kept, to catch them). */
function reported(matcher: FilterMatcher, domains: readonly string[]): number[] {
  const ids: number[] = [];
  matcher.match(domains, (id) => ids.push(id));
  return ids;
}

function matches(matcher: FilterMatcher, id: number, domains: readonly string[]): boolean {
  return reported(matcher, domains).includes(id);
}

describe('FilterMatcher semantics', () => {
  it('keywords are case-insensitive substrings', () => {
    const m = new FilterMatcher();
    const id = m.acquire(spec(['PayPal']));
    assert.ok(matches(m, id, ['www.paypal.com']));
    assert.ok(matches(m, id, ['WWW.PAYPAL-LOGIN.EXAMPLE']));
    assert.ok(matches(m, id, ['xpaypalx']));
    assert.ok(!matches(m, id, ['pay-pal.com']));
    assert.ok(!matches(m, id, []));
  });

  it('regexes are unanchored unless they anchor themselves, and case-sensitive unless (?i)', () => {
    const m = new FilterMatcher();
    const free = m.acquire(spec([], ['login\\.']));
    const anchored = m.acquire(spec([], ['^login\\.']));
    const whole = m.acquire(spec([], ['^[a-z]+\\.example\\.com$']));
    const folded = m.acquire(spec([], ['(?i)^login\\.']));
    assert.deepEqual(reported(m, ['secure-login.example.com']), [free]);
    assert.deepEqual(reported(m, ['login.example.com']).sort(), [free, anchored, whole, folded].sort());
    assert.deepEqual(reported(m, ['LOGIN.example.com']), [folded]);
    assert.deepEqual(reported(m, ['abc.example.com']), [whole]);
    assert.deepEqual(reported(m, ['login-example.com']), []);
    assert.deepEqual(reported(m, ['abc.example.com.evil']), []);
  });

  it('a filter matches when any domain matches any of its keywords or regexes', () => {
    const m = new FilterMatcher();
    const id = m.acquire(spec(['apple'], ['^mail\\.']));
    assert.ok(matches(m, id, ['a.example', 'b.example', 'icloud-apple.example']));
    assert.ok(matches(m, id, ['a.example', 'mail.example']));
    assert.ok(!matches(m, id, ['a.example', 'webmail.example']));
  });

  it('reports each matching filter exactly once per certificate', () => {
    const m = new FilterMatcher();
    const a = m.acquire(spec(['pay', 'pal', 'paypal'], ['pay', 'p.l', '^www']));
    const b = m.acquire(spec(['pal']));
    const ids = reported(m, ['www.paypal.com', 'paypal.com', 'PAYPAL.PAYPAL', 'www.x']);
    assert.deepEqual(ids.sort(), [a, b].sort());
  });

  it('a filter with no keywords and no regexes matches every certificate', () => {
    const m = new FilterMatcher();
    const all = m.acquire(spec());
    const other = m.acquire(spec(['zzz']));
    assert.deepEqual(reported(m, ['a.example']), [all]);
    assert.deepEqual(reported(m, []), [all], 'even one without domains');
    assert.deepEqual(reported(m, ['zzz.example']).sort(), [all, other].sort());
  });

  it('treats Unicode domains like String#toLowerCase does, and regexes on UTF-8', () => {
    const m = new FilterMatcher();
    const cyrillic = m.acquire(spec(['ПРИМЕР']));
    const idn = m.acquire(spec(['xn--80ak6aa92e']));
    const regex = m.acquire(spec([], ['^пример\\.']));
    const greek = m.acquire(spec([], ['\\p{Greek}+\\.gr$']));
    assert.deepEqual(reported(m, ['пример.рф']).sort(), [cyrillic, regex].sort());
    assert.deepEqual(reported(m, ['XN--80AK6AA92E.COM']), [idn]);
    assert.deepEqual(reported(m, ['ΠΑΡΆΔΕΙΓΜΑ.gr']), [greek]);
  });

  it('runs regexes sharing a common literal together, exactly', () => {
    const m = new FilterMatcher();
    // All need ".com": past a few, they are tried as one RE2.Set when ".com" occurs.
    const ids = Array.from({ length: 40 }, (_, i) => m.acquire(spec([], [`^[a-z]{${i + 1}}\\.com$`])));
    const other = m.acquire(spec([], ['^[a-z]+\\.com\\.evil']));
    assert.equal(m.stats().literalGroups, 1);
    assert.deepEqual(reported(m, ['abcde.com', 'ab.com', 'x.net']).sort((a, b) => a - b), [ids[1], ids[4]]);
    assert.deepEqual(reported(m, ['abc.com.evil']), [other]);
    for (const id of ids.slice(0, 30)) m.release(id);
    assert.equal(m.stats().literalGroups, 0, 'few regexes left: tried one by one again');
    assert.deepEqual(reported(m, ['a'.repeat(39) + '.com', 'a'.repeat(40) + '.com', 'ab.com']).sort((a, b) => a - b), [ids[38], ids[39]]);
  });

  it('lets onMatch acquire, release and match again', () => {
    const m = new FilterMatcher();
    const a = m.acquire(spec(['a']));
    const b = m.acquire(spec(['b']));
    const seen: number[] = [];
    let again = 0;
    m.match(['ab'], (id) => {
      seen.push(id);
      if (seen.length > 1) return;
      m.release(a);
      assert.deepEqual(reported(m, ['ab']), [b]);
      again = m.acquire(spec(['a']));
    });
    assert.deepEqual(seen.sort(), [a, b].sort(), 'the outer match delivers what it found');
    assert.deepEqual(reported(m, ['ab']).sort(), [b, again].sort());
  });
});

describe('FilterMatcher grouping and ids', () => {
  it('identical filters share one id and one entry, counted by reference', () => {
    const m = new FilterMatcher();
    const a = m.acquire(spec(['Foo', 'bar', 'foo'], ['x+', 'y', 'x+']));
    const b = m.acquire(spec(['BAR', 'FOO'], ['y', 'x+']));
    assert.equal(a, b);
    assert.equal(m.size, 1);
    assert.equal(
      FilterMatcher.canonicalKey(spec(['Foo', 'bar', 'foo'], ['x+', 'y'])),
      FilterMatcher.canonicalKey(spec(['bar', 'FOO'], ['y', 'x+', 'y'])),
    );
    m.release(a);
    assert.equal(m.size, 1, 'one reference left');
    assert.ok(matches(m, a, ['foo']));
    m.release(a);
    assert.equal(m.size, 0);
    assert.deepEqual(reported(m, ['foo', 'xxx']), []);
  });

  it('different filters get different ids; ids are not reused', () => {
    const m = new FilterMatcher();
    const a = m.acquire(spec(['a']));
    const b = m.acquire(spec([], ['a']));
    const c = m.acquire(spec(['a'], ['a']));
    assert.equal(new Set([a, b, c]).size, 3);
    m.release(a);
    const again = m.acquire(spec(['a']));
    assert.notEqual(again, a);
    m.release(12345); // unknown ids are ignored
    assert.equal(m.size, 3);
  });

  it('a released keyword or regex stops matching while others sharing it go on', () => {
    const m = new FilterMatcher();
    const a = m.acquire(spec(['shared', 'onlya']));
    const b = m.acquire(spec(['shared'], ['^only[b]']));
    m.release(a);
    assert.deepEqual(reported(m, ['shared.onlya.example']), [b]);
    assert.deepEqual(reported(m, ['onlya.example']), []);
    m.release(b);
    assert.deepEqual(reported(m, ['shared.onlyb.example']), []);
  });
});

describe('FilterMatcher validation', () => {
  it('rejects regexes RE2 rejects, with RE2 message', () => {
    const m = new FilterMatcher();
    for (const pattern of ['(a)\\1', '(?=a)b', '(?<!a)b', 'a(', '[z-a]', 'a{2,1}', 'a**']) {
      assert.throws(
        () => m.acquire(spec([], [pattern])),
        (err: unknown) => err instanceof InvalidFilterError && err.code === 'invalid_regex' && err.detail.length > 0,
        pattern,
      );
      assert.throws(() => FilterMatcher.canonicalKey(spec([], [pattern])), InvalidFilterError, pattern);
    }
    const err = (() => {
      try {
        m.acquire(spec([], ['(?=a)']));
      } catch (e) {
        return e as InvalidFilterError;
      }
      return undefined;
    })();
    assert.match(err?.detail ?? '', /invalid perl operator|invalid|lookahead/i);
    assert.equal(m.size, 0, 'a rejected filter leaves nothing behind');
  });

  it('enforces maxRegexLength', () => {
    const m = new FilterMatcher({ maxRegexLength: 8 });
    assert.equal(typeof m.acquire(spec([], ['12345678'])), 'number');
    assert.throws(() => m.acquire(spec([], ['123456789'])), (err: unknown) => err instanceof InvalidFilterError && err.code === 'invalid_regex');
  });

  it('rejects malformed fields', () => {
    const m = new FilterMatcher();
    const bad: unknown[] = [
      null,
      'paypal',
      { keywords: 'a', regex: [] },
      { keywords: [], regex: null },
      { keywords: [1], regex: [] },
      { keywords: [], regex: [{}] },
      { keywords: [''], regex: [] },
      { keywords: [], regex: [''] },
    ];
    for (const value of bad) {
      assert.throws(
        () => m.acquire(value as FilterSpec),
        (err: unknown) => err instanceof InvalidFilterError && err.code === 'invalid_field',
        JSON.stringify(value),
      );
    }
    // A filter with a bad regex keeps nothing of its good parts.
    assert.throws(() => m.acquire(spec(['good'], ['ok', '(?=bad)'])), InvalidFilterError);
    assert.equal(m.size, 0);
    assert.deepEqual(reported(m, ['good.ok']), []);
  });
});
