import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import RE2 from 're2';
import { requiredLiterals } from '../../src/router/regex-literals.js';
import { createRng } from '../../src/sim/rng.js';
import { randomDomain, randomRegex, regexInput } from './random.js';

const sorted = (list: string[] | null): string[] | null => (list === null ? null : [...list].sort());

describe('requiredLiterals', () => {
  it('finds the literal strings every match must contain', () => {
    const cases: [string, string[] | null][] = [
      ['paypal', ['paypal']],
      ['PayPal', ['paypal']],
      ['^login\\.', ['login.']],
      ['^[a-z0-9-]+\\.paypal\\.com$', ['.paypal.com']],
      ['(paypal|apple)-login', ['apple-login', 'paypal-login']],
      ['\\.(tk|ml|ga)$', ['.ga', '.ml', '.tk']],
      ['pay(pal)?', ['pay']],
      ['(?:secure|login)[0-9]+\\.bank', ['.bank']],
      ['[[:alpha:]]login', ['login']],
      ['[]x]abc', ['abc']],
      ['(?P<name>abc)def', ['abcdef']],
      ['(?<name>abc)|xyz', ['abc', 'xyz']],
      ['(?s)abc.defg', ['defg']],
      ['a\\Bbc', ['abc']],
      ['example\\/path', ['example/path']],
      ['(abc)+', ['abc']],
      ['(abc){2,3}', ['abc']],
      ['xyz(ab|cd)*', ['xyz']],
    ];
    for (const [pattern, expected] of cases) assert.deepEqual(sorted(requiredLiterals(pattern)), expected, pattern);
  });

  it('gives up on what it does not model or what would not be selective', () => {
    for (const pattern of [
      'a.*b', // literals shorter than 3
      '(?i)paypal', // case folding: (?i)k also matches U+212A
      '(?i:x)paypal',
      'ab\\x41cd', // escapes other than punctuation
      '\\Qa.b\\E',
      'abc|', // the empty branch matches everywhere
      '(abc)?',
      '(abc)*',
      'été', // non-ASCII literals
      'x{,3}yz', // a literal '{'
      '[abc]+',
    ]) {
      assert.equal(requiredLiterals(pattern), null, pattern);
    }
  });

  it('never misses: every domain a regex matches contains one of its literals (randomized)', () => {
    const rng = createRng(20240501);
    let checked = 0;
    for (let i = 0; i < 3000; i++) {
      const pattern = randomRegex(rng);
      let re: RE2;
      try {
        re = new RE2(pattern, 'u');
      } catch {
        continue;
      }
      const literals = requiredLiterals(pattern, 1);
      if (literals === null) continue;
      for (let j = 0; j < 40; j++) {
        const domain = randomDomain(rng);
        if (!re.test(regexInput(domain))) continue;
        const lowered = domain.toLowerCase();
        assert.ok(literals.some((literal) => lowered.includes(literal)), `${pattern} matches ${JSON.stringify(domain)} without any of ${JSON.stringify(literals)}`);
        checked++;
      }
    }
    assert.ok(checked > 500, `only ${checked} matches checked`);
  });
});
