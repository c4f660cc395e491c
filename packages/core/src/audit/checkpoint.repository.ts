import { type AuditCheckpointRow, type Db, sql } from '@ledgerbase/db';

/** SQL of checkpoints, anchors and the purged prefix (ADR 0009). */

export type TreeState = { treeSize: number; lastSeq: number; frontier: string[] };

export const EMPTY_TREE: TreeState = { treeSize: 0, lastSeq: 0, frontier: [] };

export function findLatestCheckpoint(db: Db): Promise<AuditCheckpointRow | undefined> {
  return db
    .selectFrom('audit_checkpoints')
    .selectAll()
    .orderBy('tree_size', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function findPurgedPrefix(db: Db): Promise<TreeState> {
  const row = await db.selectFrom('audit_purged_prefix').selectAll().executeTakeFirst();
  return row
    ? { treeSize: Number(row.tree_size), lastSeq: Number(row.last_seq), frontier: row.frontier }
    : EMPTY_TREE;
}

/**
 * The highest `seq` that is safe to seal: every entry at or below it has committed or will never
 * exist. An entry takes its `seq` (and `recorded_at`) when its row is formed and becomes visible at
 * commit, so a transaction still running could hold a lower `seq` than a visible entry. Only entries
 * formed before the horizon are sealed: `margin` ago by the database's own clock (statements time
 * out at 30 s, so 60 s leaves room), and never after the start of the oldest other transaction that
 * has written something (pg_stat_activity), which covers longer transactions when the role may see
 * them.
 */
export async function findSealableSeq(db: Db, afterSeq: number, marginMs: number): Promise<number> {
  const { rows } = await sql<{ seq: string | null }>`
    WITH horizon AS (
      SELECT least(
        clock_timestamp() - ${marginMs} * interval '1 millisecond',
        coalesce((SELECT min(xact_start) FROM pg_stat_activity
                  WHERE datname = current_database() AND pid <> pg_backend_pid()
                    AND backend_xid IS NOT NULL), 'infinity')
      ) AS at
    )
    SELECT max(a.seq) AS seq FROM audit_log a, horizon h
    WHERE a.seq > ${afterSeq} AND (a.recorded_at IS NULL OR a.recorded_at < h.at)`.execute(db);
  return rows[0]?.seq == null ? afterSeq : Number(rows[0].seq);
}

export async function listEntryHashes(
  db: Db,
  afterSeq: number,
  uptoSeq: number,
  limit: number,
): Promise<Array<{ seq: number; hash: string }>> {
  const rows = await db
    .selectFrom('audit_log')
    .select(['seq', 'hash'])
    .where('seq', '>', String(afterSeq))
    .where('seq', '<=', String(uptoSeq))
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((row) => ({ seq: Number(row.seq), hash: row.hash }));
}

export type NewCheckpoint = {
  treeSize: number;
  lastSeq: number;
  rootHash: string;
  frontier: string[];
  note: string;
  keyId: string;
  createdAt: Date;
};

/** Inserts a checkpoint; a concurrent sealer that already wrote this size wins (same tree, same root). */
export async function insertCheckpoint(db: Db, checkpoint: NewCheckpoint): Promise<boolean> {
  const result = await db
    .insertInto('audit_checkpoints')
    .values({
      tree_size: String(checkpoint.treeSize),
      last_seq: String(checkpoint.lastSeq),
      root_hash: checkpoint.rootHash,
      frontier: JSON.stringify(checkpoint.frontier),
      note: checkpoint.note,
      key_id: checkpoint.keyId,
      created_at: checkpoint.createdAt,
    })
    .onConflict((oc) => oc.column('tree_size').doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Checkpoints with `minSize <= tree_size <= maxSize`, by size. */
export function listCheckpointsBetween(
  db: Db,
  minSize: number,
  maxSize: number,
): Promise<Array<Pick<AuditCheckpointRow, 'tree_size' | 'note'>>> {
  return db
    .selectFrom('audit_checkpoints')
    .select(['tree_size', 'note'])
    .where('tree_size', '>=', String(minSize))
    .where('tree_size', '<=', String(maxSize))
    .orderBy('tree_size')
    .execute();
}
