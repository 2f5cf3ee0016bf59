/**
 * Zod field types for options, each with one plain-English message that reads well after the name of
 * the source (`CERTSTREAM_PORT: must be a whole number between 0 and 65535`), whatever went wrong.
 */
import { z } from 'zod';
import { STREAM_NAME } from './defaults.js';

export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER) {
  const error = max === Number.MAX_SAFE_INTEGER
    ? `must be a whole number of at least ${min}`
    : `must be a whole number between ${min} and ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

export function numberAtLeast(min: number) {
  const error = `must be a number of at least ${min}`;
  return z.number({ error }).min(min, { error });
}

export function yesNo() {
  return z.boolean({ error: 'must be true or false' });
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.join(', ')}` });
}

export function text() {
  const error = 'must be a non-empty string';
  return z.string({ error }).min(1, { error });
}

/** One or more comma-separated nats:// (or tls://) server URLs, kept as given for the NATS client. */
export function natsServers() {
  const error = 'must be nats://host:port, or several separated by commas';
  return z.string({ error }).refine((value) => value.split(',').every(isNatsUrl), { error });
}

function isNatsUrl(value: string): boolean {
  try {
    const url = new URL(value.trim());
    return (url.protocol === 'nats:' || url.protocol === 'tls:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** A JetStream stream name: letters, digits, `-` and `_` (no dots, wildcards or spaces). */
export function streamName() {
  const error = 'must be letters, digits, "-" or "_"';
  return z.string({ error }).regex(STREAM_NAME, { error });
}

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, kb: 1000, mb: 1000 ** 2, gb: 1000 ** 3 };

/** `268435456`, `256MiB`, `1.5 GiB`, `500MB` -> bytes; undefined for anything else. */
export function parseByteSize(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = match ? BYTE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) return undefined;
  const bytes = Math.round(Number(match[1]) * unit);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** A size in bytes, as a number or text with a unit (KiB, MiB, GiB, or KB, MB, GB). */
export function byteSize() {
  const error = 'must be a size in bytes, e.g. 268435456, 256MiB or 1GiB';
  return z.union([z.number(), z.string()], { error }).transform((value, ctx) => {
    const bytes = parseByteSize(value);
    if (bytes === undefined) {
      ctx.addIssue({ code: 'custom', message: error });
      return z.NEVER;
    }
    return bytes;
  });
}
