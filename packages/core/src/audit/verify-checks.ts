import { hash } from 'node:crypto';
import { canonicalAuditEntry, type HashedAuditFields } from './canonical.ts';
import type { SnapshotEntry } from './snapshot-check.ts';

/** The checks one entry or one resource must pass (ADR 0009), shared by every verification pass. */
export type VerifiableEntry = HashedAuditFields &
  Omit<SnapshotEntry, 'changes'> & { seq: number; hash: string };
export type Anchor = { resourceId: string; version: number; hash: string };
export type ResourceHead = { id: string; version: number; headHash: string };
export type CheckpointNote = { note: string; source: string; treeSize: number };

export type InvalidEntry = {
  id: string | null;
  seq: number | null;
  resourceId: string | null;
  version: number | null;
  reason: string;
};

export type VerifyReport = {
  valid: boolean;
  /** Entries whose hash, chain link and tree position were checked. */
  checked: number;
  /** Signed checkpoints whose signature and root were checked. */
  checkpoints: number;
  /** Leaves in the Merkle tree at the end, purged prefix included. */
  treeSize: number;
  firstInvalid?: InvalidEntry;
};

/** Where a resource's chain stands: its newest version and hash (from an entry or an anchor). */
export type ChainState = { version: number; hash: string; seq: number; id: string | null };

export class Invalid extends Error {
  constructor(readonly entry: InvalidEntry) {
    super(entry.reason);
  }
}

export const fail: (entry: Partial<VerifiableEntry> | undefined, reason: string) => never = (
  entry,
  reason,
) => {
  throw new Invalid({
    id: entry?.id ?? null,
    seq: entry?.seq ?? null,
    resourceId: entry?.resourceId ?? null,
    version: entry?.version ?? null,
    reason,
  });
};

/** Content hash, create-at-version-1, and the link to the previous entry (or anchor) of its chain. */
export function checkEntry(
  entry: VerifiableEntry,
  chain: Pick<ChainState, 'version' | 'hash'> | undefined,
): void {
  let computed: string;
  try {
    computed = hash('sha256', canonicalAuditEntry(entry), 'hex');
  } catch (error) {
    fail(entry, `entry cannot be canonicalized: ${(error as Error).message}`);
  }
  if (computed !== entry.hash) fail(entry, 'hash mismatch: the entry’s content does not match its hash');
  if ((entry.version === 1) !== (entry.action === 'create')) {
    fail(entry, 'only version 1 may be, and must be, a create');
  }
  if (!chain) {
    if (entry.version !== 1) {
      fail(entry, `the resource’s chain starts at version ${entry.version}: versions before it are missing`);
    }
    if (entry.prevHash !== null) fail(entry, 'version 1 must have no prevHash');
    return;
  }
  if (entry.version !== chain.version + 1) {
    fail(
      entry,
      entry.version <= chain.version
        ? `version ${entry.version} again after version ${chain.version} (reordered or duplicated)`
        : `version ${entry.version} follows version ${chain.version}: ` +
            `version ${chain.version + 1}${entry.version > chain.version + 2 ? ' and later' : ''} missing`,
    );
  }
  if (entry.prevHash !== chain.hash) {
    fail(entry, `prevHash does not match the hash of version ${chain.version}`);
  }
}

/** The resource row must point at the newest entry of its chain. */
export function checkHead(head: ResourceHead, chain: ChainState | undefined): void {
  if (!chain) {
    throw new Invalid({
      id: null,
      seq: null,
      resourceId: head.id,
      version: head.version,
      reason: 'the resource has no audit entries: its chain was deleted',
    });
  }
  if (chain.version === head.version && chain.hash === head.headHash) return;
  const reason =
    chain.version > head.version
      ? `the chain goes on past the resource’s version ${head.version}: this entry was added without its change`
      : chain.version < head.version
        ? `the resource is at version ${head.version} but its chain ends here: later entries are missing`
        : 'the resource’s head_hash is not this entry’s hash';
  throw new Invalid({
    id: chain.id,
    seq: chain.seq || null,
    resourceId: head.id,
    version: chain.version,
    reason,
  });
}

export function invalidReport(
  checked: number,
  checkpoints: number,
  treeSize: number,
  entry: Partial<InvalidEntry> & { reason: string },
): VerifyReport {
  const firstInvalid = { id: null, seq: null, resourceId: null, version: null, ...entry };
  return { valid: false, checked, checkpoints, treeSize, firstInvalid };
}
