/**
 * Follows an RFC 6962 log: `get-sth` for the head (signature verified with the log-list key) and
 * `get-entries` for the entries. Logs cap a batch at 32, 256 or 1000 entries and some cut requests at
 * aligned boundaries, so the cap is learned from short answers and chunks are aligned to it.
 */
import { z } from 'zod';
import { FetchError, LogFollower, type BadEntry, type Chunk, type ChunkItem } from './follower.js';
import { decodeRfc6962Entry } from './leaf.js';
import { fetchOrFail, httpStatusError } from './log-fetch.js';
import type { SeenHead } from './poll-pacer.js';
import { verifyTreeHead } from './sth.js';
import { DecodeError } from './tls.js';

/** Largest batch asked for before the log's cap is known (Trillian's default cap is 1000). */
export const MAX_REQUEST_ENTRIES = 1024;
/** Failed decodes of the same response before asking for one entry, then before skipping it. */
const DECODE_FAILURES_BEFORE_NARROWING = 3;

const sthSchema = z.object({
  tree_size: z.number().int().nonnegative(),
  timestamp: z.number().int().nonnegative(),
  sha256_root_hash: z.string(),
  tree_head_signature: z.string(),
});

const entriesSchema = z.object({ entries: z.array(z.unknown()) });
const entrySchema = z.object({ leaf_input: z.string(), extra_data: z.string() });

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function strictBase64(text: string): Buffer | null {
  return BASE64.test(text) ? Buffer.from(text, 'base64') : null;
}

function parseJson(body: Buffer, what: string): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new FetchError('bad_json', `${what}: response is not JSON (${body.length} bytes)`);
  }
}

export class Rfc6962Follower extends LogFollower {
  /** The log's learned cap on entries per get-entries; null until a short answer shows it. */
  private batchCap: number | null = null;
  private readonly decodeFailures = new Map<number, number>();

  protected async fetchHead(signal: AbortSignal): Promise<SeenHead> {
    const res = await fetchOrFail(`${this.log.url}ct/v1/get-sth`, this.options.requestTimeoutMs, signal);
    if (res.status !== 200) throw httpStatusError(res.status, res.headers, 'get-sth');
    return this.verifiedHead(res.body, () => this.verifySth(res.body));
  }

  private verifySth(body: Buffer): SeenHead {
    const sth = sthSchema.safeParse(parseJson(body, 'get-sth'));
    if (!sth.success) throw new FetchError('bad_sth', 'get-sth: unexpected JSON shape');
    const rootHash = strictBase64(sth.data.sha256_root_hash);
    const signature = strictBase64(sth.data.tree_head_signature);
    if (rootHash?.length !== 32 || !signature) throw new FetchError('bad_sth', 'get-sth: bad base64 field');
    const head = { treeSize: sth.data.tree_size, timestamp: sth.data.timestamp, rootHash };
    let valid: boolean;
    try {
      valid = verifyTreeHead(head, signature, this.log.key);
    } catch (err) {
      throw new FetchError('bad_sth_signature', `get-sth: ${(err as Error).message}`);
    }
    if (!valid) throw new FetchError('bad_sth_signature', 'get-sth: tree head signature does not verify');
    return { treeSize: head.treeSize, timestamp: head.timestamp };
  }

  protected planChunks(start: number, end: number): Chunk[] {
    const cap = this.batchCap;
    if (cap === null) return [{ start, end: Math.min(end, start + MAX_REQUEST_ENTRIES) }];
    const chunks: Chunk[] = [];
    let s = start;
    while (s < end && chunks.length < this.options.parallelism) {
      // Aligned ends keep coercing logs (Let's Encrypt) from shortening us, and hit their caches.
      let e = Math.min(end, (Math.floor(s / cap) + 1) * cap);
      // The window's last chunk asks for more than the cap, to notice if the cap was underestimated.
      if (chunks.length === this.options.parallelism - 1) e = Math.min(end, s + Math.min(2 * cap, MAX_REQUEST_ENTRIES));
      chunks.push({ start: s, end: e });
      s = e;
    }
    return chunks;
  }

  protected async fetchChunk(chunk: Chunk, signal: AbortSignal): Promise<ChunkItem[]> {
    const failures = this.decodeFailures.get(chunk.start) ?? 0;
    if (failures >= 2 * DECODE_FAILURES_BEFORE_NARROWING) {
      // The same single entry keeps coming back unreadable: skip just it.
      this.decodeFailures.delete(chunk.start);
      return [{ index: chunk.start, reason: 'bad_response', message: 'entry unreadable after repeated attempts' }];
    }
    const wanted = failures >= DECODE_FAILURES_BEFORE_NARROWING ? 1 : chunk.end - chunk.start;
    const url = `${this.log.url}ct/v1/get-entries?start=${chunk.start}&end=${chunk.start + wanted - 1}`;
    const res = await fetchOrFail(url, this.options.requestTimeoutMs, signal);
    if (res.status !== 200) throw httpStatusError(res.status, res.headers, 'get-entries');
    let entries: unknown[];
    try {
      const body = entriesSchema.safeParse(parseJson(res.body, 'get-entries'));
      if (!body.success) throw new FetchError('bad_json', 'get-entries: unexpected JSON shape');
      entries = body.data.entries;
    } catch (err) {
      this.decodeFailures.set(chunk.start, failures + 1);
      throw err;
    }
    this.decodeFailures.delete(chunk.start);
    if (entries.length > 0 && entries.length < wanted) {
      this.batchCap = Math.max(this.batchCap ?? 0, entries.length);
    } else if (this.batchCap !== null && entries.length > this.batchCap) {
      this.batchCap = entries.length;
    }
    this.status.batchLimit = this.batchCap;
    return entries.slice(0, wanted).map((raw, i) => this.decodeEntry(chunk.start + i, raw));
  }

  private decodeEntry(index: number, raw: unknown): ChunkItem {
    const bad = (reason: string, message: string): BadEntry => ({ index, reason, message });
    const shape = entrySchema.safeParse(raw);
    if (!shape.success) return bad('entry_shape', 'entry lacks leaf_input/extra_data strings');
    const leafInput = strictBase64(shape.data.leaf_input);
    const extraData = strictBase64(shape.data.extra_data);
    if (!leafInput || !extraData) return bad('base64', 'entry field is not valid base64');
    try {
      return decodeRfc6962Entry(index, leafInput, extraData);
    } catch (err) {
      if (err instanceof DecodeError) return bad(`leaf_${err.reason}`, err.message);
      throw err;
    }
  }
}
