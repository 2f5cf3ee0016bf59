/**
 * Per-connection limits of the client protocol. They bound what one client can make the server
 * hold and evaluate, so they are configurable (see resolveProtocolLimits) with documented defaults
 * (their values are in src/config/defaults.ts, with every other default).
 */
import { DEFAULT_PROTOCOL_LIMITS } from '../config/defaults.js';

export interface ProtocolLimits {
  /** Subscriptions one connection may hold at once (the URL's implicit one included). */
  readonly maxSubscriptions: number;
  /** Keywords in one subscription. */
  readonly maxKeywords: number;
  /** Regular expressions in one subscription. */
  readonly maxRegexes: number;
  /** Characters (UTF-16 code units) in one regular expression. */
  readonly maxRegexLength: number;
  /** Bytes (UTF-8) in one client message; also caps the length of a URL query string. */
  readonly maxMessageBytes: number;
  /** Characters in one keyword; 253 is the longest possible DNS name. */
  readonly maxKeywordLength: number;
}

export { DEFAULT_PROTOCOL_LIMITS };

/**
 * Subscription ids are protocol syntax rather than a resource limit, so they are fixed: short enough
 * to repeat in every delivered message, and a charset that never needs JSON or URL escaping.
 */
export const SUBSCRIPTION_ID_MAX_LENGTH = 64;
export const SUBSCRIPTION_ID_PATTERN = /^[A-Za-z0-9_.:-]+$/;

/** The id of the implicit subscription made from the URL's query filters. */
export const URL_SUBSCRIPTION_ID = 'url';

/** Defaults overridden by `overrides`; throws when a value is not a positive integer. */
export function resolveProtocolLimits(overrides: Partial<ProtocolLimits> = {}): ProtocolLimits {
  const limits: ProtocolLimits = { ...DEFAULT_PROTOCOL_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits) as [string, unknown][]) {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`protocol limit ${name} must be a positive integer, got ${String(value)}`);
    }
  }
  return Object.freeze(limits);
}
