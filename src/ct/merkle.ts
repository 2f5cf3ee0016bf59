/** RFC 6962 §2.1 Merkle tree hashing, with an append-only tree that yields the root in O(log n). */
import { createHash } from 'node:crypto';

const LEAF_PREFIX = Buffer.from([0]);
const NODE_PREFIX = Buffer.from([1]);

export function leafHash(leafInput: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(leafInput).digest();
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

export const EMPTY_TREE_ROOT: Buffer = createHash('sha256').digest();

/**
 * Append-only Merkle tree. Keeps every leaf hash (for tiles and proofs) plus the "frontier": the
 * roots of the perfect subtrees that make up the tree, largest first, so appends and root() are cheap.
 */
export class MerkleTree {
  private readonly leaves: Uint8Array[] = [];
  private readonly frontier: Uint8Array[] = [];

  get size(): number {
    return this.leaves.length;
  }

  append(hash: Uint8Array): void {
    this.leaves.push(hash);
    let node = hash;
    // Each trailing 1 bit of the old size is a full subtree that merges with the new node.
    for (let n = this.leaves.length - 1; n & 1; n >>= 1) {
      node = nodeHash(this.frontier.pop()!, node);
    }
    this.frontier.push(node);
  }

  leafHashAt(index: number): Uint8Array {
    const hash = this.leaves[index];
    if (!hash) throw new RangeError(`no leaf ${index} in a tree of ${this.size}`);
    return hash;
  }

  /** MTH of the whole tree: fold the frontier from the smallest subtree up (RFC 6962 §2.1). */
  root(): Uint8Array {
    if (this.frontier.length === 0) return EMPTY_TREE_ROOT;
    let node = this.frontier[this.frontier.length - 1]!;
    for (let i = this.frontier.length - 2; i >= 0; i--) node = nodeHash(this.frontier[i]!, node);
    return node;
  }
}
