/**
 * Follows a static-ct-api (tiled) log: polls the signed checkpoint, reads data tiles (the partial
 * tile for the tail, falling back to the full tile when the partial is gone), and resolves each
 * entry's chain fingerprints through `issuer/<sha256>`, cached (bounded by bytes) since issuers are immutable.
 */
import { createHash } from 'node:crypto';
import { verifyCheckpoint } from './checkpoint.js';
import { FetchError, LogFollower, type Chunk, type ChunkItem } from './follower.js';
import { decodeDataTile, readLeafIndexExtension, toLogEntry, type TileLeaf } from './leaf.js';
import { fetchOrFail, httpStatusError } from './log-fetch.js';
import type { SeenHead } from './poll-pacer.js';
import { dataTilePath, TILE_WIDTH } from './tile-path.js';
import { DecodeError } from './tls.js';
import { IssuerCache, MAX_ISSUER_BYTES } from './issuer-cache.js';

/** Failed decodes of the same tile before its unreadable records are skipped. */
const DECODE_FAILURES_BEFORE_SKIPPING = 3;

/** Issuer certificates of all tiled logs (operators reuse issuers across shards). */
export const issuerCache = new IssuerCache();

export class StaticCtFollower extends LogFollower {
  private readonly decodeFailures = new Map<number, number>();

  protected async fetchHead(signal: AbortSignal): Promise<SeenHead> {
    const res = await fetchOrFail(`${this.log.url}checkpoint`, this.options.requestTimeoutMs, signal, 'text/plain');
    if (res.status !== 200) throw httpStatusError(res.status, res.headers, 'checkpoint');
    return this.verifiedHead(res.body, () => {
      try {
        const { treeSize, timestamp } = verifyCheckpoint(res.body.toString('utf8'), this.log.origin ?? '', this.log.key);
        return { treeSize, timestamp };
      } catch (err) {
        if (err instanceof DecodeError) throw new FetchError(`bad_${err.reason}`, `checkpoint: ${err.message}`);
        throw err;
      }
    });
  }

  /** One chunk per data tile, so each request is a whole (cacheable) tile or the tail's partial. */
  protected planChunks(start: number, end: number): Chunk[] {
    this.status.batchLimit = TILE_WIDTH;
    const chunks: Chunk[] = [];
    for (let s = start; s < end && chunks.length < this.options.parallelism; ) {
      const e = Math.min(end, (Math.floor(s / TILE_WIDTH) + 1) * TILE_WIDTH);
      chunks.push({ start: s, end: e });
      s = e;
    }
    return chunks;
  }

  private async fetchTile(tile: number, width: number, signal: AbortSignal): Promise<Buffer> {
    const timeout = this.options.requestTimeoutMs;
    let res = await fetchOrFail(`${this.log.url}${dataTilePath(tile, width)}`, timeout, signal);
    if (res.status === 404 && width < TILE_WIDTH) {
      // Logs may delete a partial tile once the full one exists.
      res = await fetchOrFail(`${this.log.url}${dataTilePath(tile)}`, timeout, signal);
    }
    if (res.status !== 200) throw httpStatusError(res.status, res.headers, `data tile ${tile}`);
    return res.body;
  }

  protected async fetchChunk(chunk: Chunk, signal: AbortSignal): Promise<ChunkItem[]> {
    const tile = Math.floor(chunk.start / TILE_WIDTH);
    const first = tile * TILE_WIDTH;
    const body = await this.fetchTile(tile, chunk.end - first, signal);
    let leaves: TileLeaf[];
    try {
      leaves = decodeDataTile(body);
      this.decodeFailures.delete(tile);
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      const failures = (this.decodeFailures.get(tile) ?? 0) + 1;
      this.decodeFailures.set(tile, failures);
      if (failures < DECODE_FAILURES_BEFORE_SKIPPING) throw new FetchError(`tile_${err.reason}`, err.message);
      // Records carry no length prefix: once one is unreadable the rest of the tile is too. Skip them.
      this.decodeFailures.delete(tile);
      return Array.from({ length: chunk.end - chunk.start }, (_, i) => ({
        index: chunk.start + i,
        reason: `tile_${err.reason}`,
        message: err.message,
      }));
    }
    const items: ChunkItem[] = [];
    for (let index = chunk.start; index < chunk.end && index - first < leaves.length; index++) {
      items.push(await this.toEntry(index, leaves[index - first]!, signal));
    }
    return items;
  }

  private async toEntry(index: number, leaf: TileLeaf, signal: AbortSignal): Promise<ChunkItem> {
    let declared: number | undefined;
    try {
      declared = readLeafIndexExtension(leaf.entry.extensions);
    } catch (err) {
      if (err instanceof DecodeError) return { index, reason: `leaf_${err.reason}`, message: err.message };
      throw err;
    }
    if (declared !== undefined && declared !== index) {
      return { index, reason: 'leaf_index_mismatch', message: `tile position ${index} holds leaf_index ${declared}` };
    }
    const chainDers = await Promise.all(leaf.chainFingerprints.map((fp) => this.issuer(fp, signal)));
    return toLogEntry(index, leaf.entry, leaf.preCertificate, chainDers);
  }

  /** An issuer by fingerprint, fetched when not cached; a failed fetch is retried with the chunk. */
  private issuer(fingerprint: Uint8Array, signal: AbortSignal): Promise<Uint8Array> {
    const hex = Buffer.from(fingerprint).toString('hex');
    return issuerCache.get(hex, () => this.fetchIssuer(hex, signal));
  }

  private async fetchIssuer(hex: string, signal: AbortSignal): Promise<Uint8Array> {
    const res = await fetchOrFail(`${this.log.url}issuer/${hex}`, this.options.requestTimeoutMs, signal, undefined, MAX_ISSUER_BYTES);
    if (res.status !== 200) throw httpStatusError(res.status, res.headers, `issuer ${hex}`);
    if (createHash('sha256').update(res.body).digest('hex') !== hex) {
      throw new FetchError('issuer_mismatch', `issuer ${hex}: body does not hash to its name`);
    }
    return res.body;
  }
}
