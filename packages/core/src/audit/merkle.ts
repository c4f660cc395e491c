import { hash } from 'node:crypto';

/**
 * RFC 6962 / RFC 9162 §2.1.1 Merkle tree hashing, grown one leaf at a time with a compact range:
 * the roots of the perfect subtrees that cover leaves [0, size), largest first (one per set bit of
 * `size`). That is all the state needed to append and to compute the root, so a sealer never re-reads
 * sealed entries and a verifier streams millions of leaves in O(log n) memory.
 */
const sha256 = (data: Buffer): Buffer => hash('sha256', data, 'buffer');

/** MTH({}) = SHA-256 of the empty string. */
export const EMPTY_ROOT: Buffer = sha256(Buffer.alloc(0));

/** Leaf hash: SHA-256(0x00 ‖ data). */
export function leafHash(data: Buffer): Buffer {
  const input = Buffer.allocUnsafe(data.length + 1);
  input[0] = 0;
  data.copy(input, 1);
  return sha256(input);
}

const nodeInput = Buffer.alloc(65);
/** Interior node: SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Buffer, right: Buffer): Buffer {
  nodeInput[0] = 1;
  left.copy(nodeInput, 1);
  right.copy(nodeInput, 33);
  return sha256(nodeInput);
}

const popcount = (n: number): number => {
  let count = 0;
  for (let m = n; m > 0; m = Math.floor(m / 2)) count += m % 2;
  return count;
};

export class CompactRange {
  #size: number;
  #frontier: Buffer[];

  private constructor(size: number, frontier: Buffer[]) {
    this.#size = size;
    this.#frontier = frontier;
  }

  static empty(): CompactRange {
    return new CompactRange(0, []);
  }

  /** From a stored frontier (hex digests, largest subtree first); throws when it cannot be one. */
  static fromHex(size: number, frontier: readonly string[]): CompactRange {
    if (!Number.isSafeInteger(size) || size < 0) throw new Error(`invalid tree size ${size}`);
    if (frontier.length !== popcount(size)) {
      throw new Error(
        `a tree of size ${size} needs ${popcount(size)} frontier hashes, got ${frontier.length}`,
      );
    }
    const hashes = frontier.map((hex) => {
      if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error('frontier hashes must be 64 hex digits');
      return Buffer.from(hex, 'hex');
    });
    return new CompactRange(size, hashes);
  }

  get size(): number {
    return this.#size;
  }

  /** Appends the leaf whose data is `data` (for the audit log: the 32-byte entry hash). */
  append(data: Buffer): void {
    let node = leafHash(data);
    // Each trailing 1 bit of the old size is a complete subtree of the new leaf's size: merge them.
    for (let m = this.#size; m % 2 === 1; m = (m - 1) / 2) {
      node = nodeHash(this.#frontier.pop()!, node);
    }
    this.#frontier.push(node);
    this.#size += 1;
  }

  /** MTH of the leaves so far: the frontier folded from the right (RFC 9162 §2.1.1's split at 2^k). */
  root(): Buffer {
    const frontier = this.#frontier;
    if (frontier.length === 0) return EMPTY_ROOT;
    let root = frontier[frontier.length - 1]!;
    for (let i = frontier.length - 2; i >= 0; i--) root = nodeHash(frontier[i]!, root);
    return root;
  }

  frontierHex(): string[] {
    return this.#frontier.map((node) => node.toString('hex'));
  }

  clone(): CompactRange {
    return new CompactRange(this.#size, [...this.#frontier]);
  }
}

/** MTH over a whole list of leaves, straight from the RFC's recursive definition (tests, small trees). */
export function merkleTreeHash(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leafHash(leaves[0]!);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(merkleTreeHash(leaves.slice(0, k)), merkleTreeHash(leaves.slice(k)));
}
