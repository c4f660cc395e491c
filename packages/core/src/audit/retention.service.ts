import type { Db } from '@ledgerbase/db';
import { findLatestCheckpoint, findPurgedPrefix, listCheckpointsBetween } from './checkpoint.repository.ts';
import type { AuditJobDeps } from './checkpoint.service.ts';
import { CompactRange } from './merkle.ts';
import {
  deleteCheckpointsBelow,
  deleteEntryRange,
  deleteExpiredResources,
  findAnchors,
  listPurgeCandidates,
  lockPurge,
  savePurgedPrefix,
  upsertAnchors,
} from './retention.repository.ts';
import { openCheckpoint } from './signed-note.ts';
import { type VerifiableEntry, verifyAuditLog } from './verifier.ts';

export type PurgeOptions = {
  /** AUDIT_RETENTION_DAYS: entries older than this many days go. */
  retentionDays: number;
  batchSize?: number;
  /** Stop after this many batches; the next run continues (default 100). */
  maxBatches?: number;
};

export type PurgeResult = { entries: number; batches: number; resources: number; treeSize: number };

export class PurgeRefusedError extends Error {}

const DAY_MS = 24 * 3600 * 1000;

/**
 * Retention (ADR 0009): deletes, batch by batch, the oldest entries that are past the cutoff AND
 * covered by a signed checkpoint, always a prefix in `seq` order, so the Merkle tree of what remains
 * continues from the stored frontier of the purged prefix. Each batch, in one transaction:
 * 1. verifies the entries it is about to destroy (hashes, chain links from the anchors, and the
 *    signed root of any checkpoint that ends inside the batch): evidence of tampering is never purged;
 * 2. records, per resource, the newest purged entry as its anchor, so the remaining chain still links;
 * 3. deletes the batch, extends the purged prefix's frontier and drops checkpoints below it.
 * Then soft-deleted resources past retention whose entries are all gone are deleted for good.
 * Audited writes are unaffected: they never touch sealed entries.
 */
export async function purgeAuditLog(deps: AuditJobDeps, options: PurgeOptions): Promise<PurgeResult> {
  const { db, clock, logger } = deps;
  const cutoff = new Date(clock.now().getTime() - options.retentionDays * DAY_MS);
  const batchSize = options.batchSize ?? 5_000;
  const maxBatches = options.maxBatches ?? 100;
  const result: PurgeResult = { entries: 0, batches: 0, resources: 0, treeSize: 0 };
  while (result.batches < maxBatches) {
    const purged = await db
      .transaction()
      .execute((trx) => purgeBatch(deps, trx as unknown as Db, cutoff, batchSize));
    result.treeSize = purged.treeSize;
    if (purged.entries === 0) break;
    result.entries += purged.entries;
    result.batches++;
  }
  for (let round = 0; round < maxBatches; round++) {
    const deleted = await deleteExpiredResources(db, cutoff, batchSize);
    result.resources += deleted;
    if (deleted < batchSize) break;
  }
  if (result.entries > 0 || result.resources > 0) {
    logger?.info({ ...result, cutoff: cutoff.toISOString() }, 'audit retention purged old entries');
  }
  return result;
}

async function purgeBatch(
  { keys, clock }: AuditJobDeps,
  db: Db,
  cutoff: Date,
  batchSize: number,
): Promise<{ entries: number; treeSize: number }> {
  await lockPurge(db);
  const prefix = await findPurgedPrefix(db);
  const latest = await findLatestCheckpoint(db);
  if (!latest) return { entries: 0, treeSize: prefix.treeSize };
  const sealed = openCheckpoint(latest.note, keys.trusted);
  if (sealed.treeSize !== Number(latest.tree_size)) {
    throw new PurgeRefusedError('the latest checkpoint’s note does not match its row; not purging');
  }
  const candidates = await listPurgeCandidates(db, prefix.lastSeq, Number(latest.last_seq), batchSize);
  const batch: VerifiableEntry[] = [];
  for (const entry of candidates) {
    if (entry.createdAtDate >= cutoff) break;
    batch.push(entry);
  }
  if (batch.length === 0) return { entries: 0, treeSize: prefix.treeSize };

  const resourceIds = [...new Set(batch.map((e) => e.resourceId))];
  const anchors = await findAnchors(db, resourceIds);
  const checkpoints = await listCheckpointsBetween(db, prefix.treeSize, prefix.treeSize + batch.length);
  const report = await verifyAuditLog({
    base: prefix,
    anchors: [...anchors].map(([resourceId, a]) => ({ resourceId, ...a })),
    checkpoints: (async function* () {
      for (const c of checkpoints) yield { treeSize: Number(c.tree_size), note: c.note, source: 'database' };
    })(),
    entries: (async function* () {
      yield batch;
    })(),
    trusted: keys.trusted,
    origin: keys.origin,
  });
  if (!report.valid) {
    const bad = report.firstInvalid!;
    throw new PurgeRefusedError(
      `audit entry ${bad.id ?? '?'} (seq ${bad.seq ?? '?'}) fails verification, so retention keeps it: ${bad.reason}`,
    );
  }

  const tree = CompactRange.fromHex(prefix.treeSize, prefix.frontier);
  const newest = new Map<string, { resourceId: string; version: number; hash: string; seq: number }>();
  for (const entry of batch) {
    tree.append(Buffer.from(entry.hash, 'hex'));
    newest.set(entry.resourceId, entry);
  }
  const lastSeq = batch.at(-1)!.seq;
  const now = clock.now();
  await upsertAnchors(db, [...newest.values()], now);
  const deleted = await deleteEntryRange(db, prefix.lastSeq, lastSeq);
  if (deleted !== batch.length) {
    throw new PurgeRefusedError(`expected to purge ${batch.length} entries, found ${deleted}`);
  }
  await savePurgedPrefix(db, { treeSize: tree.size, lastSeq, frontier: tree.frontierHex() }, now);
  await deleteCheckpointsBelow(db, tree.size);
  return { entries: batch.length, treeSize: tree.size };
}
