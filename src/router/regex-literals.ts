/**
 * Literal prefiltering of regexes (the idea of RE2's FilteredRE2, much simplified): for a regex we
 * compute a few literal strings such that every text the regex matches contains at least one of
 * them. The router then finds those literals with its Aho-Corasick pass and runs a regex only on
 * domains that contain one, instead of running every regex on every domain.
 *
 * The analysis must never produce a literal that a match can lack (that would lose matches), so it
 * is conservative: it understands a common subset of RE2 syntax (literal characters, escaped
 * punctuation, groups, alternation, repetition, classes, anchors) and gives up (null: "run this
 * regex on every domain") on anything else, including case-insensitive flags and non-ASCII
 * literals (so that comparing against lower-cased text is exact). It runs only on patterns RE2 has
 * already accepted.
 */

/** Largest set of alternative strings tracked for a sub-expression. */
const MAX_STRINGS = 16;

/**
 * What a sub-expression can consume.
 * - exact: a finite superset of the strings it can consume, or null (unbounded or too many);
 * - required: strings, none empty, at least one of which occurs in anything it consumes, or null.
 */
interface Info {
  readonly exact: readonly string[] | null;
  readonly required: readonly string[] | null;
}

const EMPTY: Info = { exact: [''], required: null };
const UNKNOWN: Info = { exact: null, required: null };

/** Thrown inside the analysis for syntax it does not model; the pattern then gets no literals. */
class Unsupported extends Error {}
/** One instance, thrown for every unsupported construct: building an Error (its stack) per throw cost more than the analysis. */
const UNSUPPORTED = new Unsupported('syntax the literal analysis does not model');

/**
 * Lower-cased literals at least `minLength` long, one of which occurs (compared case-insensitively)
 * in every text `pattern` matches; null when no such set was found.
 */
export function requiredLiterals(pattern: string, minLength = 3): string[] | null {
  let info: Info;
  try {
    const parser = new Parser(pattern);
    info = parser.alternation();
    if (!parser.atEnd()) return null; // an unbalanced ')', which RE2 would have rejected
  } catch (err) {
    if (err instanceof Unsupported) return null;
    throw err;
  }
  const best = bestDisjunction(info);
  if (best === null || shortest(best) < minLength) return null;
  return withoutSuperstrings([...new Set(best.map((s) => s.toLowerCase()))]);
}

class Parser {
  private pos = 0;

  constructor(private readonly src: string) {}

  atEnd(): boolean {
    return this.pos >= this.src.length;
  }

  /** alternation := concat ('|' concat)* ; stops before ')' or at the end. */
  alternation(): Info {
    const branches = [this.concat()];
    while (this.src[this.pos] === '|') {
      this.pos++;
      branches.push(this.concat());
    }
    return branches.length === 1 ? branches[0]! : alternate(branches);
  }

  /** concat := (atom quantifier?)* */
  private concat(): Info {
    const items: Info[] = [];
    while (!this.atEnd() && this.src[this.pos] !== '|' && this.src[this.pos] !== ')') {
      items.push(this.quantified(this.atom()));
    }
    return concatenate(items);
  }

  private quantified(atom: Info): Info {
    const repeat = this.repetition();
    if (repeat === null) return atom;
    if (this.src[this.pos] === '?') this.pos++; // non-greedy: same strings
    if (this.repetitionAhead()) throw UNSUPPORTED; // repeated repetition
    const [min, max] = repeat;
    if (min === 0) {
      return { exact: max === 1 && atom.exact !== null ? union([atom.exact, ['']]) : null, required: null };
    }
    if (min === 1 && max === 1) return atom;
    return { exact: null, required: bestDisjunction(atom) };
  }

  /** Parses a quantifier at the cursor: [min, max] (max Infinity when unbounded), or null. */
  private repetition(): [number, number] | null {
    const ch = this.src[this.pos];
    if (ch === '*') return (this.pos++, [0, Infinity]);
    if (ch === '+') return (this.pos++, [1, Infinity]);
    if (ch === '?') return (this.pos++, [0, 1]);
    if (ch !== '{') return null;
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos, this.pos + 16));
    // RE2 reads a '{' that does not start a valid repeat as a literal; we do not model that.
    if (m === null) throw UNSUPPORTED; // literal {
    this.pos += m[0].length;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' || m[3] === undefined ? Infinity : Number(m[3]);
    return [min, max];
  }

  private repetitionAhead(): boolean {
    const ch = this.src[this.pos];
    return ch === '*' || ch === '+' || ch === '?' || ch === '{';
  }

  private atom(): Info {
    const src = this.src;
    const code = src.charCodeAt(this.pos);
    const ch = src[this.pos]!;
    switch (ch) {
      case '(':
        return this.group();
      case '[':
        this.skipClass();
        return UNKNOWN;
      case '.':
        this.pos++;
        return UNKNOWN;
      case '^':
      case '$':
        this.pos++;
        return EMPTY; // zero-width: consumes nothing
      case '\\':
        return this.escape();
      case '*':
      case '+':
      case '?':
      case '{':
      case '}':
      case ']':
        throw UNSUPPORTED; // a bare quantifier or bracket
    }
    if (code >= 0x20 && code < 0x7f) {
      this.pos++;
      return { exact: [ch], required: null };
    }
    // Non-ASCII or control character: a literal, but one we do not use (case folding, encodings).
    this.pos += code >= 0xd800 && code <= 0xdbff ? 2 : 1;
    return UNKNOWN;
  }

  private group(): Info {
    const src = this.src;
    this.pos++; // '('
    if (src[this.pos] === '?') {
      const rest = src.slice(this.pos + 1);
      const named = /^P?<[A-Za-z0-9_]+>/.exec(rest);
      if (rest.startsWith(':')) {
        this.pos += 2;
      } else if (named !== null) {
        this.pos += 1 + named[0].length;
      } else {
        const flags = /^([A-Za-z-]*)([:)])/.exec(rest);
        if (flags === null) throw UNSUPPORTED; // group syntax
        // Case-insensitive parts would need RE2's Unicode case folding (e.g. 'k' matches U+212A).
        if (flags[1]!.includes('i')) throw UNSUPPORTED; // case-insensitive flag
        this.pos += 1 + flags[0].length;
        if (flags[2] === ')') return EMPTY; // (?flags) only changes flags
      }
    }
    const inner = this.alternation();
    if (src[this.pos] !== ')') throw UNSUPPORTED; // unclosed group
    this.pos++;
    return inner;
  }

  private escape(): Info {
    const next = this.src[this.pos + 1];
    if (next === undefined) throw UNSUPPORTED; // trailing backslash
    this.pos += 2;
    if ('bBAz'.includes(next)) return EMPTY;
    if ('dDwWsS'.includes(next)) return UNKNOWN;
    if (next === 'p' || next === 'P') {
      if (this.src[this.pos] === '{') {
        const close = this.src.indexOf('}', this.pos);
        if (close < 0) throw UNSUPPORTED; // unclosed \p{
        this.pos = close + 1;
      } else {
        this.pos++;
      }
      return UNKNOWN;
    }
    // Escaped ASCII punctuation is that character. Every other escape (\x41, \n, \Q...\E, \C,
    // octal, \u...) is left unmodelled rather than risk misreading its length or meaning.
    if (/^[!-/:-@[-`{-~]$/.test(next)) return { exact: [next], required: null };
    throw UNSUPPORTED; // an escape it does not know
  }

  /** Moves past a character class, following RE2's rules for where it ends. */
  private skipClass(): void {
    const src = this.src;
    this.pos++; // '['
    if (src[this.pos] === '^') this.pos++;
    if (src[this.pos] === ']') this.pos++; // a ']' first in the class is a literal
    while (this.pos < src.length && src[this.pos] !== ']') {
      if (src[this.pos] === '[' && src[this.pos + 1] === ':') {
        const close = src.indexOf(':]', this.pos + 2);
        if (close >= 0) {
          this.pos = close + 2; // [:alpha:]
          continue;
        }
      }
      this.pos += src[this.pos] === '\\' ? 2 : 1;
    }
    if (this.pos >= src.length) throw UNSUPPORTED; // unclosed class
    this.pos++; // ']'
  }
}

function concatenate(items: readonly Info[]): Info {
  if (items.length === 1) return items[0]!;
  // Fold exact sets into their cross product while it stays small; whenever the run is broken,
  // what it had is still required, so it becomes a candidate.
  const candidates: (readonly string[] | null)[] = [];
  let run: readonly string[] = [''];
  let exactThroughout = true;
  for (const item of items) {
    candidates.push(item.required);
    if (item.exact !== null) {
      const product = cross(run, item.exact);
      if (product !== null) {
        run = product;
      } else {
        candidates.push(run);
        run = item.exact;
        exactThroughout = false;
      }
    } else {
      candidates.push(run);
      run = [''];
      exactThroughout = false;
    }
  }
  candidates.push(run);
  let required: readonly string[] | null = null;
  for (const candidate of candidates) required = better(required, usable(candidate));
  return { exact: exactThroughout ? run : null, required };
}

function alternate(branches: readonly Info[]): Info {
  const exacts: (readonly string[])[] = [];
  const bests: (readonly string[])[] = [];
  for (const branch of branches) {
    if (branch.exact !== null) exacts.push(branch.exact);
    const best = bestDisjunction(branch);
    if (best !== null) bests.push(best);
  }
  const exact = exacts.length === branches.length ? union(exacts) : null;
  const required = bests.length === branches.length ? union(bests) : null;
  return { exact, required };
}

/** All concatenations a + b, or null when there would be more than MAX_STRINGS. */
function cross(left: readonly string[], right: readonly string[]): string[] | null {
  if (left.length * right.length > MAX_STRINGS) return null;
  const out = new Set<string>();
  for (const a of left) for (const b of right) out.add(a + b);
  return [...out];
}

/** The union of string sets, or null when larger than MAX_STRINGS. */
function union(sets: readonly (readonly string[])[]): string[] | null {
  const out = new Set<string>();
  for (const set of sets) for (const s of set) out.add(s);
  return out.size > MAX_STRINGS ? null : [...out];
}

/** The strongest "one of these occurs" set known for a sub-expression. */
function bestDisjunction(info: Info): readonly string[] | null {
  return better(usable(info.required), usable(info.exact));
}

/** A set is usable as a requirement only if it is non-empty and has no empty string. */
function usable(set: readonly string[] | null): readonly string[] | null {
  return set !== null && set.length > 0 && !set.includes('') ? set : null;
}

/** The more selective of two requirements: longer shortest string, then fewer strings. */
function better(a: readonly string[] | null, b: readonly string[] | null): readonly string[] | null {
  if (a === null) return b;
  if (b === null) return a;
  const la = shortest(a);
  const lb = shortest(b);
  if (la !== lb) return la > lb ? a : b;
  return b.length < a.length ? b : a;
}

function shortest(set: readonly string[]): number {
  let min = Infinity;
  for (const s of set) min = Math.min(min, s.length);
  return min;
}

/** Drops strings that contain another string of the set: finding the shorter one is enough. */
function withoutSuperstrings(set: readonly string[]): string[] {
  return set.filter((s) => !set.some((other) => other !== s && s.includes(other)));
}

/**
 * A literal shared by this many regexes gets them tried as one RE2.Set instead of one by one. One
 * by one is faster for fewer: RE2 finds a lone regex's literal with memchr-like skipping, which a
 * Set's DFA cannot (measured: groups of 8-30 were slower, and 250 regexes needing ".com" 35x faster).
 */
export const LITERAL_GROUP_MIN = 32;
/** A group is dissolved when fewer than this many regexes remain. */
export const LITERAL_GROUP_DROP = 16;
