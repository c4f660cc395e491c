import type { TreeState } from './checkpoint.repository.ts';
import type { NoteKey } from './signed-note.ts';
import { SnapshotChecker, type SnapshotSource } from './snapshot-check.ts';
import { TreeChecker } from './tree-checker.ts';
import {
  type Anchor,
  type ChainState,
  type CheckpointNote,
  checkEntry,
  checkHead,
  Invalid,
  invalidReport,
  type ResourceHead,
  type VerifiableEntry,
  type VerifyReport,
} from './verify-checks.ts';

export type {
  Anchor,
  CheckpointNote,
  InvalidEntry,
  ResourceHead,
  VerifiableEntry,
  VerifyReport,
} from './verify-checks.ts';

/**
 * The audit log verifier (ADR 0009) in one pass over the entries in `seq` order, whatever their
 * source (an export file, or the database on PGlite), holding per resource only its newest version
 * and hash, plus the Merkle compact range:
 * 1. each entry's hash matches its canonical content (edits);
 * 2. each resource's chain runs 1..n without gaps, every `prevHash` naming the previous entry, or the
 *    retention anchor after a purge (deletes, reorders, insertions inside a chain);
 * 3. (database) each snapshot is what its patch makes of the previous one;
 * 4. at every checkpoint's tree size, the Merkle root equals the signed root and the signature
 *    verifies with a trusted key (truncation, wholesale rewrites, resources added or removed whole);
 * 5. (database) each resource's newest entry is the resource's `version` and `head_hash`.
 * It stops at the first problem in `seq` order and names the entry. On PostgreSQL the same checks
 * run split over threads (verify-parallel.ts) with the same report.
 */
export type VerifyInput = {
  /** The purged prefix: where the tree starts (empty without retention). */
  base: TreeState;
  anchors: Iterable<Anchor> | AsyncIterable<Anchor>;
  /** Checkpoint notes in ascending tree size (database ones and any kept elsewhere, merged). */
  checkpoints: AsyncIterator<CheckpointNote>;
  entries: AsyncIterable<VerifiableEntry[]>;
  /** Current resource heads (database only). */
  heads?: AsyncIterable<ResourceHead[]> | undefined;
  trusted: readonly NoteKey[];
  origin: string;
  onProgress?: ((checked: number) => void) | undefined;
  /** Check each entry's snapshot against its changes (database only: exports carry no snapshots). */
  snapshots?: SnapshotSource | undefined;
};

export async function verifyAuditLog(input: VerifyInput): Promise<VerifyReport> {
  const chains = new Map<string, ChainState>();
  let tree: TreeChecker | undefined;
  let checked = 0;
  let last: VerifiableEntry | undefined;
  const report = (error: Invalid) =>
    invalidReport(checked, tree?.checkpoints ?? 0, tree?.size ?? input.base.treeSize, error.entry);
  try {
    tree = await TreeChecker.start(input.base, input.checkpoints, input.trusted, input.origin);
  } catch (error) {
    if (error instanceof Invalid) return report(error);
    return invalidReport(0, 0, input.base.treeSize, { reason: `purged prefix: ${(error as Error).message}` });
  }
  try {
    for await (const anchor of input.anchors) {
      chains.set(anchor.resourceId, { version: anchor.version, hash: anchor.hash, seq: 0, id: null });
    }
    const snapshots = input.snapshots ? new SnapshotChecker(input.snapshots) : undefined;
    for await (const batch of input.entries) {
      await snapshots?.prepare(batch);
      for (const entry of batch) {
        tree.checkSeq(entry);
        const chain = chains.get(entry.resourceId);
        checkEntry(entry, chain);
        const bad = snapshots?.check(entry);
        if (bad) throw new Invalid({ ...named(entry), reason: bad });
        if (chain) {
          chain.version = entry.version;
          chain.hash = entry.hash;
          chain.seq = entry.seq;
          chain.id = entry.id;
        } else {
          chains.set(entry.resourceId, {
            version: entry.version,
            hash: entry.hash,
            seq: entry.seq,
            id: entry.id,
          });
        }
        checked++;
        last = entry;
        const due = tree.append(entry);
        if (due) await due;
      }
      input.onProgress?.(checked);
    }
    tree.finish(last);
    if (input.heads) {
      for await (const heads of input.heads) for (const head of heads) checkHead(head, chains.get(head.id));
    }
  } catch (error) {
    if (error instanceof Invalid) return report(error);
    throw error;
  }
  return { valid: true, checked, checkpoints: tree.checkpoints, treeSize: tree.size };
}

const named = (entry: VerifiableEntry) => ({
  id: entry.id,
  seq: entry.seq,
  resourceId: entry.resourceId,
  version: entry.version,
});
