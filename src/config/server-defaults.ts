/**
 * The StreamServer's defaults: the fixed ones of defaults.ts plus the unsent-bytes budget, which
 * depends on this machine's memory (so this module, unlike defaults.ts, is for Node only).
 */
import { totalmem } from 'node:os';
import { defaultUnsentBudget, FIXED_SERVER_DEFAULTS } from './defaults.js';

export const DEFAULT_SERVER_OPTIONS: Readonly<typeof FIXED_SERVER_DEFAULTS & { maxUnsentBytes: number }> = Object.freeze({
  ...FIXED_SERVER_DEFAULTS,
  maxUnsentBytes: defaultUnsentBudget(totalmem(), process.constrainedMemory()),
});
