/**
 * Fault injection for simulated logs: what broken or overloaded real logs send. A log's faults are
 * set as one JSON document (programmatically or via POST /admin/faults) and replace the previous set.
 *
 * Request faults share a trigger: `count` = fire on the next N matching requests, `probability` =
 * fire on each matching request with that chance, both = random until N fired, neither = always.
 * `endpoints` limits a fault to some endpoints. Entry faults corrupt what is served for one index
 * (the stored entry and the Merkle tree stay intact, as when a log's read path serves bad bytes).
 */
import { z } from 'zod';
import type { Rng } from './rng.js';

/** Endpoints a fault can be limited to. */
export const FAULT_ENDPOINTS = ['get-sth', 'get-entries', 'get-roots', 'checkpoint', 'data-tile', 'hash-tile', 'issuer'] as const;
export type FaultEndpoint = (typeof FAULT_ENDPOINTS)[number];

export const ENTRY_FAULTS = ['garbage-base64', 'bad-entry-type', 'bad-leaf-type', 'truncated-leaf', 'bad-cert'] as const;
export type EntryFaultKind = (typeof ENTRY_FAULTS)[number];

const trigger = {
  count: z.number().int().positive().optional(),
  probability: z.number().min(0).max(1).optional(),
  endpoints: z.array(z.enum(FAULT_ENDPOINTS)).min(1).optional(),
};

export const faultSpecSchema = z.strictObject({
  /** HTTP 5xx with a short text body (default 500). */
  serverError: z.strictObject({ ...trigger, status: z.number().int().min(500).max(599).optional() }).optional(),
  /** HTTP 429; Retry-After only when retryAfterSeconds is given (DigiCert sends none). */
  rateLimit: z.strictObject({ ...trigger, retryAfterSeconds: z.number().int().min(0).max(315_360_000).optional() }).optional(),
  /** Answer after a delay (combines with the other faults). */
  delay: z.strictObject({ ...trigger, ms: z.number().int().min(1).max(600_000) }).optional(),
  /** TCP reset instead of an answer. */
  reset: z.strictObject(trigger).optional(),
  /** Never answer (the client must time out). */
  hang: z.strictObject(trigger).optional(),
  /** 200 with the body cut in half (Content-Length matches the cut body): truncated JSON / tile. */
  truncate: z.strictObject(trigger).optional(),
  /** get-sth / checkpoint answer with the previous (smaller, validly signed) tree head, like a stale replica. */
  staleHead: z.strictObject(trigger).optional(),
  /** get-entries returns at most maxEntries, below the log's normal limit. */
  shortBatch: z.strictObject({ ...trigger, maxEntries: z.number().int().min(1) }).optional(),
  /** Corrupt single entries in get-entries responses and data tiles. */
  entries: z.array(z.strictObject({ index: z.number().int().nonnegative(), fault: z.enum(ENTRY_FAULTS) })).optional(),
});

export type FaultSpec = z.input<typeof faultSpecSchema>;

/** Body of POST /admin/faults: `log` is a log's slug or "*" for every log. */
export const setFaultsRequestSchema = z.strictObject({ log: z.string().min(1), faults: faultSpecSchema });

interface TriggerSpec {
  count?: number | undefined;
  probability?: number | undefined;
  endpoints?: readonly FaultEndpoint[] | undefined;
}

/** Live state of one trigger: remaining count is consumed as the fault fires. */
class Trigger {
  private remaining: number | undefined;

  constructor(private readonly spec: TriggerSpec) {
    this.remaining = spec.count;
  }

  fires(endpoint: FaultEndpoint, rng: Rng): boolean {
    if (this.spec.endpoints && !this.spec.endpoints.includes(endpoint)) return false;
    if (this.remaining === 0) return false;
    if (this.spec.probability !== undefined && !rng.chance(this.spec.probability)) return false;
    if (this.remaining !== undefined) this.remaining--;
    return true;
  }

  get exhausted(): boolean {
    return this.remaining === 0;
  }
}

/** What happens to one request instead of (or on top of) its normal answer. */
export type RequestAction =
  | { type: 'hang' }
  | { type: 'reset' }
  | { type: 'status'; status: number; retryAfterSeconds?: number };

export interface RequestFaults {
  delayMs: number;
  action: RequestAction | undefined;
  truncate: boolean;
  /** Lower batch cap for this get-entries request. */
  maxEntries: number | undefined;
  /** Serve the previous tree head instead of the current one. */
  staleHead: boolean;
}

export const NO_REQUEST_FAULTS: RequestFaults = { delayMs: 0, action: undefined, truncate: false, maxEntries: undefined, staleHead: false };

/** A log's active faults, parsed and with live counters. */
export class FaultState {
  readonly spec: z.output<typeof faultSpecSchema>;
  private readonly triggers: Partial<Record<'serverError' | 'rateLimit' | 'delay' | 'reset' | 'hang' | 'truncate' | 'shortBatch' | 'staleHead', Trigger>> = {};
  private readonly entryFaults = new Map<number, EntryFaultKind>();

  /** Throws a zod error when spec is not a valid fault document. */
  constructor(spec: FaultSpec = {}) {
    this.spec = faultSpecSchema.parse(spec);
    for (const key of ['serverError', 'rateLimit', 'delay', 'reset', 'hang', 'truncate', 'shortBatch', 'staleHead'] as const) {
      const t = this.spec[key];
      if (t) this.triggers[key] = new Trigger(t);
    }
    for (const e of this.spec.entries ?? []) this.entryFaults.set(e.index, e.fault);
  }

  get empty(): boolean {
    return Object.keys(this.triggers).length === 0 && this.entryFaults.size === 0;
  }

  /** Decides the faults of one request, consuming counts of the faults that fire. */
  forRequest(endpoint: FaultEndpoint, rng: Rng): RequestFaults {
    if (this.empty) return NO_REQUEST_FAULTS;
    const t = this.triggers;
    const spec = this.spec;
    let action: RequestAction | undefined;
    // Most drastic first; at most one of these fires per request.
    if (t.hang?.fires(endpoint, rng)) action = { type: 'hang' };
    else if (t.reset?.fires(endpoint, rng)) action = { type: 'reset' };
    else if (t.rateLimit?.fires(endpoint, rng)) {
      const retry = spec.rateLimit?.retryAfterSeconds;
      action = retry === undefined ? { type: 'status', status: 429 } : { type: 'status', status: 429, retryAfterSeconds: retry };
    } else if (t.serverError?.fires(endpoint, rng)) action = { type: 'status', status: spec.serverError?.status ?? 500 };
    const delayMs = t.delay?.fires(endpoint, rng) ? (spec.delay?.ms ?? 0) : 0;
    const truncate = action === undefined && (t.truncate?.fires(endpoint, rng) ?? false);
    const maxEntries =
      endpoint === 'get-entries' && action === undefined && t.shortBatch?.fires(endpoint, rng) ? spec.shortBatch?.maxEntries : undefined;
    const staleHead = action === undefined && (endpoint === 'get-sth' || endpoint === 'checkpoint') && (t.staleHead?.fires(endpoint, rng) ?? false);
    return { delayMs, action, truncate, maxEntries, staleHead };
  }

  entryFault(index: number): EntryFaultKind | undefined {
    return this.entryFaults.size === 0 ? undefined : this.entryFaults.get(index);
  }

  get hasEntryFaults(): boolean {
    return this.entryFaults.size > 0;
  }

  /** The spec with each counted fault's remaining count, for GET /admin/faults. */
  describe(): Record<string, unknown> {
    const out: Record<string, unknown> = { ...this.spec };
    for (const [key, trig] of Object.entries(this.triggers)) {
      if (trig.exhausted) out[key] = { ...(out[key] as object), exhausted: true };
    }
    return out;
  }
}
