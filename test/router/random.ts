/**
 * Seeded random inputs for the router's differential tests: keywords, RE2 regexes built from a wide
 * mix of syntax, and domains (ASCII, upper case, IDN `xn--` labels, raw Unicode) that the keywords
 * and regexes have a fair chance to match. Randomness comes from the simulator's seeded Rng.
 */
import type { Rng } from '../../src/sim/rng.js';

/** Pieces of domains; the odd ones exercise case folding and Unicode (K is the Kelvin sign, ſ the long s). */
const DOMAIN_PIECES = [
  'pay', 'pal', 'paypal', 'apple', 'login', 'secure', 'bank', 'mail', 'www', 'cdn', 'api', 'xn--', 'xn--80ak6aa92e',
  'a', 'b', 'ab', 'abc', 'ba', 'k', 's', 'x', '1', '0', '42', '-', '--', '.', '.', '.', '_', '*',
  'PAY', 'Pal', 'LOGIN', 'ABC', 'K', 'S',
  'é', 'É', 'ü', 'ß', 'İ', 'ı', '\u212a', 'ſ', 'Σ', 'σ', 'ς', 'пример', 'ПРИМЕР', '例え', '😀', 'ǅ',
  '\ud83d', // a lone surrogate, which UTF-8 cannot hold: regexes see U+FFFD (see regexInput)
];

/**
 * What a regex runs on, as FilterMatcher runs it: the domain's UTF-8 bytes, a lone surrogate being
 * U+FFFD. Never the string itself: node-re2 1.24 on Node 24 (V8's new UTF-8 API) converts a string
 * with a lone surrogate wrongly, dropping its last bytes ('a\ud83db' is read as 'a\ufffd').
 */
export function regexInput(domain: string): Buffer {
  return Buffer.from(domain, 'utf8');
}

export function randomDomain(rng: Rng): string {
  const parts: string[] = [];
  const count = 1 + rng.int(6);
  for (let i = 0; i < count; i++) parts.push(rng.pick(DOMAIN_PIECES));
  if (rng.chance(0.5)) parts.push(rng.pick(['.com', '.net', '.example', '.co.uk', '.рф']));
  return parts.join('');
}

const KEYWORD_PIECES = [
  'pay', 'pal', 'paypal', 'apple', 'login', 'bank', 'xn--', 'a', 'b', 'ab', 'k', 's', '-', '.', '.com', 'co',
  'PayPal', 'LOGIN', 'K', 'É', 'é', 'ß', 'İ', 'i̇', '\u212a', 'ſ', 'σ', 'ς', 'Σ', 'пример', 'ПР', '例', '😀', 'ǆ',
];

export function randomKeyword(rng: Rng): string {
  let keyword = rng.pick(KEYWORD_PIECES);
  if (rng.chance(0.3)) keyword += rng.pick(KEYWORD_PIECES);
  return keyword;
}

const REGEX_LITERALS = ['pay', 'pal', 'paypal', 'login', 'apple', 'ab', 'a', 'b', 'k', 'K', 's', 'x', '1', '-', 'xn--', 'é', 'пример', 'PAY', '\\x{FFFD}'];
const REGEX_ATOMS = [
  '.', '\\.', '\\-', '\\d', '\\w', '\\W', '\\s', '[a-c]', '[^a]', '[[:digit:]]', '[]a]', '[\\]k]', '\\pL', '\\p{Greek}',
  '\\x61', '\\x{6b}', '\\n', '[.]', '[:]', 'é', '\\*',
];
const REGEX_ZERO_WIDTH = ['^', '$', '\\b', '\\B', '\\A', '\\z', '(?s)', '(?m)', '(?U)'];
const QUANTIFIERS = ['*', '+', '?', '{1,2}', '{2}', '{0,1}', '{1,}', '*?', '+?', '??'];

/** A random pattern that RE2 accepts (callers still validate). */
export function randomRegex(rng: Rng, depth = 0): string {
  const items: string[] = [];
  const count = 1 + rng.int(depth === 0 ? 5 : 3);
  let named = 0;
  for (let i = 0; i < count; i++) {
    const roll = rng.next();
    let item: string;
    if (roll < 0.45) item = rng.pick(REGEX_LITERALS);
    else if (roll < 0.65) item = rng.pick(REGEX_ATOMS);
    else if (roll < 0.75) item = rng.pick(REGEX_ZERO_WIDTH);
    else if (depth < 2) {
      const inner = [randomRegex(rng, depth + 1)];
      while (rng.chance(0.4)) inner.push(randomRegex(rng, depth + 1));
      const open = rng.pick(['(', '(?:', '(?i:', '(?P<', '(?<']);
      const label = open.endsWith('<') ? `g${depth}_${named++}_${rng.int(1e9)}>` : '';
      item = `${open}${label}${inner.join('|')})`;
    } else item = rng.pick(REGEX_LITERALS);
    if (rng.chance(0.25) && !REGEX_ZERO_WIDTH.includes(item)) {
      // A quantifier binds to the last character of a multi-character literal only.
      item += rng.pick(QUANTIFIERS);
    }
    items.push(item);
  }
  let pattern = items.join('');
  if (depth === 0 && rng.chance(0.1)) pattern = `(?i)${pattern}`;
  if (depth === 0 && rng.chance(0.15)) pattern += `|${randomRegex(rng, 1)}`;
  return pattern;
}
