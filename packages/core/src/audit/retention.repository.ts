import { type Db, sql } from '@ledgerbase/db';
import type { VerifiableEntry } from './verifier.ts';

/** SQL of the retention purge (ADR 0009). Every function runs inside the purge's transaction. */

/** One purge at a time: concurrent purgers would compute the same prefix twice. */
export async function lockPurge(db: Db): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext('ledgerbase.audit.purge'))`.execute(db);
}

/** The oldest entries after the purged prefix, up to the sealed `uptoSeq`, with everything hashed. */
export async function listPurgeCandidates(
  db: Db,
  afterSeq: number,
  uptoSeq: number,
  limit: number,
): Promise<Array<VerifiableEntry & { createdAtDate: Date }>> {
  const rows = await db
    .selectFrom('audit_log')
    .select([
      'seq',
      'id',
      'resource_id',
      'actor_id',
      'actor_type',
      'action',
      'changes',
      'version',
      'request_id',
      'trace_id',
      'created_at',
      'hash',
      'prev_hash',
    ])
    .where('seq', '>', String(afterSeq))
    .where('seq', '<=', String(uptoSeq))
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    seq: Number(row.seq),
    id: row.id,
    resourceId: row.resource_id,
    actorId: row.actor_id,
    actorType: row.actor_type,
    action: row.action,
    changes: row.changes,
    version: row.version,
    requestId: row.request_id,
    traceId: row.trace_id,
    createdAt: row.created_at.toISOString(),
    createdAtDate: row.created_at,
    hash: row.hash,
    prevHash: row.prev_hash,
  }));
}

export async function findAnchors(
  db: Db,
  resourceIds: readonly string[],
): Promise<Map<string, { version: number; hash: string }>> {
  if (resourceIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('audit_anchors')
    .select(['resource_id', 'version', 'hash'])
    .where('resource_id', 'in', resourceIds)
    .execute();
  return new Map(rows.map((row) => [row.resource_id, { version: row.version, hash: row.hash }]));
}

export async function upsertAnchors(
  db: Db,
  anchors: ReadonlyArray<{ resourceId: string; version: number; hash: string; seq: number }>,
  at: Date,
): Promise<void> {
  if (anchors.length === 0) return;
  await db
    .insertInto('audit_anchors')
    .values(
      anchors.map((a) => ({
        resource_id: a.resourceId,
        version: a.version,
        hash: a.hash,
        seq: String(a.seq),
        purged_at: at,
      })),
    )
    .onConflict((oc) =>
      oc.column('resource_id').doUpdateSet((eb) => ({
        version: eb.ref('excluded.version'),
        hash: eb.ref('excluded.hash'),
        seq: eb.ref('excluded.seq'),
        purged_at: eb.ref('excluded.purged_at'),
      })),
    )
    .execute();
}

/** Deletes entries (afterSeq, uptoSeq]; returns how many. */
export async function deleteEntryRange(db: Db, afterSeq: number, uptoSeq: number): Promise<number> {
  const result = await db
    .deleteFrom('audit_log')
    .where('seq', '>', String(afterSeq))
    .where('seq', '<=', String(uptoSeq))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function savePurgedPrefix(
  db: Db,
  prefix: { treeSize: number; lastSeq: number; frontier: string[] },
  at: Date,
): Promise<void> {
  await db
    .insertInto('audit_purged_prefix')
    .values({
      id: true,
      tree_size: String(prefix.treeSize),
      last_seq: String(prefix.lastSeq),
      frontier: JSON.stringify(prefix.frontier),
      updated_at: at,
    })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => ({
        tree_size: eb.ref('excluded.tree_size'),
        last_seq: eb.ref('excluded.last_seq'),
        frontier: eb.ref('excluded.frontier'),
        updated_at: eb.ref('excluded.updated_at'),
      })),
    )
    .execute();
}

/** Checkpoints below the purged prefix cover leaves that no longer exist. */
export async function deleteCheckpointsBelow(db: Db, treeSize: number): Promise<void> {
  await db.deleteFrom('audit_checkpoints').where('tree_size', '<', String(treeSize)).execute();
}

/**
 * Soft-deleted resources past retention whose entries are all gone (purged with the prefix): deleted
 * for good, with their grants and anchor (ON DELETE CASCADE). Returns how many.
 */
export async function deleteExpiredResources(db: Db, cutoff: Date, limit: number): Promise<number> {
  const { rows } = await sql<{ id: string }>`
    DELETE FROM resources WHERE id IN (
      SELECT r.id FROM resources r
      WHERE r.deleted_at < ${cutoff.toISOString()}::timestamptz
        AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.resource_id = r.id)
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING id`.execute(db);
  return rows.length;
}
