/**
 * What a subscription filter is, before matching: its shape and limits (validated, canonical form,
 * compiled regexes), and what acquiring it costs the server (admission control).
 */
import RE2 from 're2';
import { requiredLiterals } from './regex-literals.js';

export interface FilterSpec {
  keywords: readonly string[];
  regex: readonly string[];
}

export class InvalidFilterError extends Error {
  override readonly name = 'InvalidFilterError';

  /**
   * @param detail what is wrong, for the client (for a regex RE2 rejects: RE2's own message)
   * @param message the same with context, for logs
   */
  constructor(
    readonly code: 'invalid_regex' | 'invalid_field',
    readonly detail: string,
    message: string = detail,
  ) {
    super(message);
  }
}

/** What acquiring a filter would cost, for admission control (see src/server/filter-budget.ts). */
export interface FilterCost {
  /** Characters of keywords and regexes the matcher does not hold yet: index build work. */
  readonly newPatternChars: number;
  /** Cost units (scanRegexUnits) of the filter's regexes that have no usable literal, so run on every domain. */
  readonly scanUnits: number;
  /** Those of them the matcher does not hold yet. */
  readonly newScanUnits: number;
}

/**
 * Cost units of a regex without usable literals ("scan regex"): it runs on every domain, through an
 * RE2.Set shard whose DFA grows with the pattern, so a long pattern counts as several. Measured on
 * 2 shared cores: ~25 µs per certificate (3 domains) per 1,000 short case-insensitive scan regexes.
 */
export function scanRegexUnits(source: string): number {
  return 1 + Math.floor(source.length / 128);
}

export interface CanonicalSpec {
  readonly keywords: string[];
  readonly regex: string[];
  readonly key: string;
}

/** Checks a spec's shape and lengths; throws InvalidFilterError. */
export function validated(spec: FilterSpec, maxRegexLength: number): { keywords: string[]; regex: string[] } {
  if (typeof spec !== 'object' || spec === null) throw new InvalidFilterError('invalid_field', 'filter must be an object');
  const { keywords, regex } = spec as { keywords: unknown; regex: unknown };
  if (!Array.isArray(keywords)) throw new InvalidFilterError('invalid_field', 'keywords must be an array of strings');
  if (!Array.isArray(regex)) throw new InvalidFilterError('invalid_field', 'regex must be an array of strings');
  for (const keyword of keywords as unknown[]) {
    if (typeof keyword !== 'string') throw new InvalidFilterError('invalid_field', 'keywords must be strings');
    // An empty keyword would match every domain: almost certainly a client mistake.
    if (keyword.length === 0) throw new InvalidFilterError('invalid_field', 'keywords must not be empty');
  }
  for (const source of regex as unknown[]) {
    if (typeof source !== 'string') throw new InvalidFilterError('invalid_field', 'regex must be strings');
    if (source.length === 0) throw new InvalidFilterError('invalid_field', 'regex must not be empty');
    if (source.length > maxRegexLength) {
      throw new InvalidFilterError('invalid_regex', `regex longer than ${maxRegexLength} characters`);
    }
  }
  return { keywords: keywords as string[], regex: regex as string[] };
}

/** Validates a spec and puts it in canonical form. */
export function canonicalize(spec: FilterSpec, maxRegexLength: number): CanonicalSpec {
  const { keywords, regex } = validated(spec, maxRegexLength);
  const lowered = new Set(keywords.map((k) => k.toLowerCase()));
  const sources = new Set(regex);
  const canonical = { keywords: [...lowered].sort(), regex: [...sources].sort() };
  return { ...canonical, key: JSON.stringify([canonical.keywords, canonical.regex]) };
}

/** Compiles a regex the way matching uses it, turning RE2's rejection into InvalidFilterError. */
export function compileRegex(source: string): RE2 {
  try {
    return new RE2(source, 'u');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new InvalidFilterError('invalid_regex', reason, `invalid regex ${JSON.stringify(source)}: ${reason}`);
  }
}

/** What a matcher already holds, for filterCost. */
export interface HeldPatterns {
  hasKeyword(lowerCased: string): boolean;
  /** Whether a regex the matcher holds runs on every domain; undefined when it does not hold it. */
  heldRegexIsScan(source: string): boolean | undefined;
}

/**
 * What acquiring `spec` would cost now (nothing new for a filter already held). Throws
 * InvalidFilterError for a malformed spec, as acquiring does (RE2 compilation is left to that).
 * Cheaper than canonicalize (no sort, no key): most subscribes costed under attack are refused.
 */
export function filterCost(spec: FilterSpec, maxRegexLength: number, held: HeldPatterns): FilterCost {
  const { keywords, regex } = validated(spec, maxRegexLength);
  let scanUnits = 0;
  let newScanUnits = 0;
  let newPatternChars = 0;
  for (const keyword of new Set(keywords.map((k) => k.toLowerCase()))) if (!held.hasKeyword(keyword)) newPatternChars += keyword.length;
  for (const source of new Set(regex)) {
    const heldScan = held.heldRegexIsScan(source);
    const units = (heldScan ?? requiredLiterals(source) === null) ? scanRegexUnits(source) : 0;
    scanUnits += units;
    if (heldScan !== undefined) continue;
    newPatternChars += source.length;
    newScanUnits += units;
  }
  return { newPatternChars, scanUnits, newScanUnits };
}
