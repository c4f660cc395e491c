import type { AuditCheckpointRow, Db } from '@ledgerbase/db';
import type { Clock, Logger } from '@ledgerbase/platform';
import type { AuditKeys } from './audit-keys.ts';
import {
  findLatestCheckpoint,
  findPurgedPrefix,
  findSealableSeq,
  insertCheckpoint,
  listEntryHashes,
  type TreeState,
} from './checkpoint.repository.ts';
import { CompactRange } from './merkle.ts';
import { checkpointBody, openCheckpoint, signNote } from './signed-note.ts';

/** What every audit job receives; the worker (or the in-process scheduler) builds it once. */
export type AuditJobDeps = {
  db: Db;
  clock: Clock;
  keys: AuditKeys;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
};

export type SealOptions = {
  /** Seal only entries at least this old by the database clock (default 60 s; tests pass 0). */
  marginMs?: number;
  batchSize?: number;
  /** At most this many new entries per run; the next run continues (default 1,000,000). */
  maxEntries?: number;
};

export type SealedCheckpoint = {
  treeSize: number;
  lastSeq: number;
  rootHash: string;
  note: string;
  appended: number;
};

export class CheckpointStateError extends Error {}

/**
 * The state the next checkpoint extends: the latest checkpoint, re-checked before it is trusted (its
 * note must verify and its frontier must fold to its root, or the sealer would extend a forged tree
 * with a genuine signature), else the purged prefix, else the empty tree.
 */
async function sealedState(db: Db, keys: AuditKeys): Promise<TreeState> {
  const latest = await findLatestCheckpoint(db);
  if (!latest) return findPurgedPrefix(db);
  assertCheckpointConsistent(latest, keys);
  return {
    treeSize: Number(latest.tree_size),
    lastSeq: Number(latest.last_seq),
    frontier: latest.frontier,
  };
}

function assertCheckpointConsistent(row: AuditCheckpointRow, keys: AuditKeys): void {
  try {
    const opened = openCheckpoint(row.note, keys.trusted);
    const root = CompactRange.fromHex(Number(row.tree_size), row.frontier).root();
    if (opened.treeSize !== Number(row.tree_size) || !opened.rootHash.equals(root)) {
      throw new Error('its frontier or size does not match its signed note');
    }
    if (root.toString('hex') !== row.root_hash) throw new Error('its root column does not match its note');
  } catch (error) {
    throw new CheckpointStateError(
      `the latest audit checkpoint (tree size ${row.tree_size}) cannot be trusted: ${(error as Error).message}`,
    );
  }
}

/**
 * Seals entries committed since the last checkpoint into a new signed checkpoint (RFC 9162 tree head
 * as a C2SP note). Appends only entries older than the safety margin, so no slower transaction can
 * later commit inside the sealed range. Returns undefined when there is nothing new to seal.
 * Audited writes never wait on this: it only reads `audit_log` and writes `audit_checkpoints`.
 */
export async function sealAuditLog(
  { db, clock, keys, logger }: AuditJobDeps,
  options: SealOptions = {},
): Promise<SealedCheckpoint | undefined> {
  const batchSize = options.batchSize ?? 10_000;
  const maxEntries = options.maxEntries ?? 1_000_000;
  const state = await sealedState(db, keys);
  const bound = await findSealableSeq(db, state.lastSeq, options.marginMs ?? 60_000);
  if (bound <= state.lastSeq) return undefined;
  const tree = CompactRange.fromHex(state.treeSize, state.frontier);
  let lastSeq = state.lastSeq;
  let appended = 0;
  while (appended < maxEntries) {
    const rows = await listEntryHashes(db, lastSeq, bound, Math.min(batchSize, maxEntries - appended));
    for (const row of rows) tree.append(Buffer.from(row.hash, 'hex'));
    appended += rows.length;
    if (rows.length > 0) lastSeq = rows.at(-1)!.seq;
    if (rows.length < batchSize) break;
  }
  if (appended === 0) return undefined;
  const root = tree.root();
  const note = signNote(
    checkpointBody({ origin: keys.origin, treeSize: tree.size, rootHash: root }),
    keys.signer,
    keys.signer.privateKey,
  );
  const inserted = await insertCheckpoint(db, {
    treeSize: tree.size,
    lastSeq,
    rootHash: root.toString('hex'),
    frontier: tree.frontierHex(),
    note,
    keyId: keys.signer.keyId,
    createdAt: clock.now(),
  });
  if (inserted) logger?.info({ treeSize: tree.size, lastSeq, appended }, 'audit checkpoint sealed');
  return { treeSize: tree.size, lastSeq, rootHash: root.toString('hex'), note, appended };
}

export type LatestCheckpoint = {
  treeSize: number;
  lastSeq: number;
  rootHash: string;
  note: string;
  keyId: string;
  createdAt: string;
};

export async function latestCheckpoint(db: Db): Promise<LatestCheckpoint | null> {
  const row = await findLatestCheckpoint(db);
  if (!row) return null;
  return {
    treeSize: Number(row.tree_size),
    lastSeq: Number(row.last_seq),
    rootHash: Buffer.from(row.root_hash, 'hex').toString('base64'),
    note: row.note,
    keyId: row.key_id,
    createdAt: row.created_at.toISOString(),
  };
}
