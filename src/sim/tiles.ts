/**
 * static-ct-api tile contents (c2sp.org/tlog-tiles): hash tiles at any level and data tiles, for a
 * log's published tree. Level-l hash i is the root of the perfect subtree over leaves
 * [i·256^l, (i+1)·256^l); it is the Merkle root of 256 level-(l-1) hashes, memoised per log.
 */
import { nodeHash, type MerkleTree } from '../ct/merkle.js';
import { TILE_WIDTH } from '../ct/tile-path.js';
import { tileLeafRecord } from './served-entries.js';
import type { SimLog } from './sim-log.js';

/** Root of a perfect binary tree over a power-of-two number of hashes. */
function perfectRoot(hashes: Uint8Array[]): Uint8Array {
  let level = hashes;
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(nodeHash(level[i]!, level[i + 1]!));
    level = next;
  }
  return level[0]!;
}

/** Memoised subtree hashes for levels >= 1 of one tree (level 0 is the tree's own leaf hashes). */
export class TileHashes {
  /** upper[l - 1][i] = level-l hash i */
  private readonly upper: Uint8Array[][] = [];

  constructor(private readonly tree: MerkleTree) {}

  hash(level: number, index: number): Uint8Array {
    if (level === 0) return this.tree.leafHashAt(index);
    const memo = (this.upper[level - 1] ??= []);
    const known = memo[index];
    if (known) return known;
    const children: Uint8Array[] = [];
    for (let i = 0; i < TILE_WIDTH; i++) children.push(this.hash(level - 1, index * TILE_WIDTH + i));
    const root = perfectRoot(children);
    memo[index] = root;
    return root;
  }
}

/** Number of hashes tile `index` of `level` has at a tree size (0 = none, 256 = full). */
export function tileWidthAt(treeSize: number, level: number, index: number): number {
  const available = Math.floor(treeSize / TILE_WIDTH ** level); // hashes of this level the tree has
  return Math.max(0, Math.min(TILE_WIDTH, available - index * TILE_WIDTH));
}

export function hashTile(hashes: TileHashes, level: number, index: number, width: number): Uint8Array {
  const out = new Uint8Array(width * 32);
  for (let i = 0; i < width; i++) out.set(hashes.hash(level, index * TILE_WIDTH + i), i * 32);
  return out;
}

/** Concatenated TileLeaf records for entries index·256 .. index·256+width-1, entry faults applied. */
export function dataTile(log: SimLog, index: number, width: number): Uint8Array {
  const records: Uint8Array[] = [];
  for (let i = 0; i < width; i++) {
    const n = index * TILE_WIDTH + i;
    records.push(tileLeafRecord(log, n, log.faults.entryFault(n)));
  }
  return Buffer.concat(records);
}
