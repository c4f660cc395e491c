import type { TreeState } from './checkpoint.repository.ts';
import { CompactRange } from './merkle.ts';
import { NoteError, type NoteKey, openCheckpoint } from './signed-note.ts';
import { type CheckpointNote, fail, type VerifiableEntry } from './verify-checks.ts';

type Named = Pick<VerifiableEntry, 'seq'> & Partial<VerifiableEntry>;

/**
 * The global half of verification: entries in `seq` order grow the Merkle tree from the purged
 * prefix, and at every checkpoint's size the root must equal the signed root, signed by a trusted
 * key (truncation, rewrites, resources slipped in or removed whole). Also checks that `seq` only
 * grows, was issued (≥ 1) and lies after the purged prefix.
 */
export class TreeChecker {
  readonly tree: CompactRange;
  checkpoints = 0;
  /** Tree sizes of the checkpoints checked so far, ascending. */
  readonly checkedSizes: number[] = [];
  #next: CheckpointNote | undefined;
  #lastSeq: number;

  private constructor(
    private readonly base: TreeState,
    private readonly source: AsyncIterator<CheckpointNote>,
    private readonly trusted: readonly NoteKey[],
    private readonly origin: string,
  ) {
    this.tree = CompactRange.fromHex(base.treeSize, base.frontier);
    this.#lastSeq = base.treeSize > 0 ? base.lastSeq : 0;
  }

  /** Throws (not Invalid) when the purged prefix itself is malformed. */
  static async start(
    base: TreeState,
    checkpoints: AsyncIterator<CheckpointNote>,
    trusted: readonly NoteKey[],
    origin: string,
  ): Promise<TreeChecker> {
    const checker = new TreeChecker(base, checkpoints, trusted, origin);
    checker.#next = await checker.#pull();
    await checker.#checkpointsAt(undefined);
    return checker;
  }

  get size(): number {
    return this.tree.size;
  }

  /** The seq must be new; call before the entry's own checks. */
  checkSeq(entry: Named): void {
    if (entry.seq > this.#lastSeq) return;
    fail(
      entry,
      !(entry.seq >= 1)
        ? 'seq was never issued (identities start at 1)'
        : this.base.treeSize > 0 && entry.seq <= this.base.lastSeq
          ? 'entry lies inside the purged prefix'
          : 'out of order',
    );
  }

  /** Appends a checked entry; returns a promise only when a checkpoint is due (keeps the loop sync). */
  append(entry: Named & { hash: string }): Promise<void> | undefined {
    this.#lastSeq = entry.seq;
    this.tree.append(Buffer.from(entry.hash, 'hex'));
    return this.#next && this.#next.treeSize === this.tree.size ? this.#checkpointsAt(entry) : undefined;
  }

  /** After the last entry: a checkpoint beyond the end means sealed entries are gone. */
  finish(last: Named | undefined): void {
    const next = this.#next;
    if (!next) return;
    const missing = next.treeSize - this.tree.size;
    fail(
      last,
      `the log ends at tree size ${this.tree.size}, but a signed checkpoint (${next.source}) covers ` +
        `${next.treeSize} entries: ${missing} sealed ${missing === 1 ? 'entry is' : 'entries are'} ` +
        'missing after this one (truncated or deleted)',
    );
  }

  async #pull(): Promise<CheckpointNote | undefined> {
    for (;;) {
      const { value, done } = await this.source.next();
      if (done) return undefined;
      // Checkpoints older than the purged prefix cover leaves that no longer exist.
      if (value.treeSize >= this.base.treeSize) return value;
    }
  }

  async #checkpointsAt(entry: Named | undefined): Promise<void> {
    while (this.#next && this.#next.treeSize === this.tree.size) {
      this.#check(this.#next, entry);
      this.checkpoints++;
      this.checkedSizes.push(this.#next.treeSize);
      this.#next = await this.#pull();
    }
  }

  #check(checkpoint: CheckpointNote, entry: Named | undefined): void {
    let opened: ReturnType<typeof openCheckpoint>;
    try {
      opened = openCheckpoint(checkpoint.note, this.trusted);
    } catch (error) {
      const reason = error instanceof NoteError ? error.message : String(error);
      fail(entry, `checkpoint at tree size ${checkpoint.treeSize} (${checkpoint.source}): ${reason}`);
    }
    if (opened.origin !== this.origin) {
      fail(entry, `checkpoint (${checkpoint.source}) is for another log: ${opened.origin}`);
    }
    if (opened.treeSize !== checkpoint.treeSize) {
      fail(
        entry,
        `checkpoint (${checkpoint.source}) says tree size ${opened.treeSize}, stored as ${checkpoint.treeSize}`,
      );
    }
    if (!opened.rootHash.equals(this.tree.root())) {
      fail(
        entry,
        `the Merkle root over the first ${this.tree.size} entries does not match the signed checkpoint ` +
          `(${checkpoint.source}): an entry up to this one was changed, removed, inserted or reordered ` +
          'after it was sealed',
      );
    }
  }
}
