import { type Db, sql } from '@ledgerbase/db';
import { snapshotKey } from './snapshot-check.ts';
import type { Anchor, ResourceHead, VerifiableEntry } from './verifier.ts';

/**
 * Keyset batch readers over the audit tables, for verification and export: every batch is an index
 * range scan starting after the previous batch's last key, so memory and cost per batch stay flat
 * however long the log is. The next batch is requested before the current one is handed out, so the
 * database reads while the caller hashes.
 */
async function* keysetBatches<T, K>(
  fetch: (after: K) => Promise<T[]>,
  keyOf: (row: T) => K,
  start: K,
  batchSize: number,
): AsyncGenerator<T[]> {
  let pending: Promise<T[]> | undefined = fetch(start);
  while (pending) {
    const rows: T[] = await pending;
    if (rows.length === 0) return;
    pending = rows.length < batchSize ? undefined : fetch(keyOf(rows.at(-1)!));
    yield rows;
  }
}

export type EntryFilter = {
  /** Entries after this seq; undefined: every entry, whatever its seq. */
  afterSeq: number | undefined;
  uptoSeq?: number;
  since?: Date;
  until?: Date;
  /** Also each entry's snapshot and its stored size (verification). */
  snapshots?: boolean;
};

export type ExportedEntry = VerifiableEntry & {
  actorType: 'user' | 'api_key' | 'system';
  action: 'create' | 'update' | 'delete' | 'restore';
  changes: unknown[];
  traceId: string | null;
};

/** Entries in `seq` order (no snapshots: they are derived data, not part of the hash). */
export async function* entryBatches(
  db: Db,
  filter: EntryFilter,
  batchSize = 10_000,
): AsyncGenerator<ExportedEntry[]> {
  // Rows come out in the entry's own shape, so millions of them need no second object each: seq as
  // float8 (exact up to 2^53) arrives as a number, created_at as the ISO 8601 text the writer hashed
  // (a timestamptz(3) prints exactly as Date#toISOString does).
  // The first batch has no lower bound: rows slipped in below any expected seq are read too.
  const fetch = async (after: number | undefined) => {
    const { rows } = await sql<ExportedEntry>`
      SELECT a.seq::float8 AS seq, a.id, a.resource_id AS "resourceId", a.actor_id AS "actorId",
             a.actor_type AS "actorType", a.action, a.changes, a.version, a.request_id AS "requestId",
             a.trace_id AS "traceId",
             to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt",
             a.hash, a.prev_hash AS "prevHash"
             ${filter.snapshots ? sql`, a.snapshot, pg_column_size(a.snapshot) AS "snapshotBytes"` : sql``}
      FROM audit_log a
      WHERE ${after === undefined ? sql`true` : sql`a.seq > ${after}`}
        ${filter.uptoSeq === undefined ? sql`` : sql`AND a.seq <= ${filter.uptoSeq}`}
        ${filter.since === undefined ? sql`` : sql`AND a.created_at >= ${filter.since.toISOString()}::timestamptz`}
        ${filter.until === undefined ? sql`` : sql`AND a.created_at <= ${filter.until.toISOString()}::timestamptz`}
      ORDER BY a.seq
      LIMIT ${batchSize}`.execute(db);
    return rows;
  };
  yield* keysetBatches<ExportedEntry, number | undefined>(
    fetch,
    (entry) => entry.seq,
    filter.afterSeq,
    batchSize,
  );
}

export async function* anchors(db: Db, batchSize = 10_000): AsyncGenerator<Anchor> {
  const fetch = (after: string) =>
    db
      .selectFrom('audit_anchors')
      .select(['resource_id', 'version', 'hash'])
      .where('resource_id', '>', after)
      .orderBy('resource_id')
      .limit(batchSize)
      .execute();
  const first = '00000000-0000-0000-0000-000000000000';
  for await (const rows of keysetBatches(fetch, (row) => row.resource_id, first, batchSize)) {
    for (const row of rows) yield { resourceId: row.resource_id, version: row.version, hash: row.hash };
  }
}

/**
 * Checkpoint notes by tree size. `maxId` leaves out checkpoints written after verification started
 * (when it does not run in one snapshot).
 */
export async function* checkpointNotes(
  db: Db,
  maxId: number | undefined,
  batchSize = 1_000,
): AsyncGenerator<{ treeSize: number; note: string; source: string }> {
  const fetch = (after: number) =>
    db
      .selectFrom('audit_checkpoints')
      .select(['tree_size', 'note'])
      .where('tree_size', '>', String(after))
      .$if(maxId !== undefined, (q) => q.where('id', '<=', String(maxId)))
      .orderBy('tree_size')
      .limit(batchSize)
      .execute();
  for await (const rows of keysetBatches(fetch, (row) => Number(row.tree_size), 0, batchSize)) {
    for (const row of rows) {
      yield { treeSize: Number(row.tree_size), note: row.note, source: 'database' };
    }
  }
}

/**
 * Resource heads by id. With `uptoSeq` (verification outside one snapshot), resources whose newest
 * entry was written after that point are left out: their chain moved on while verifying.
 */
export async function* resourceHeads(
  db: Db,
  uptoSeq: number | undefined,
  batchSize = 10_000,
): AsyncGenerator<ResourceHead[]> {
  const fetch = async (after: string) => {
    const { rows } = await sql<{ id: string; version: number; head_hash: string }>`
      SELECT r.id, r.version, r.head_hash FROM resources r
      ${
        uptoSeq === undefined
          ? sql`WHERE r.id > ${after}::uuid`
          : sql`LEFT JOIN audit_log a ON a.resource_id = r.id AND a.version = r.version
                WHERE r.id > ${after}::uuid AND (a.seq IS NULL OR a.seq <= ${uptoSeq})`
      }
      ORDER BY r.id
      LIMIT ${batchSize}`.execute(db);
    return rows;
  };
  const first = '00000000-0000-0000-0000-000000000000';
  for await (const rows of keysetBatches(fetch, (row) => row.id, first, batchSize)) {
    yield rows.map((row) => ({ id: row.id, version: row.version, headHash: row.head_hash }));
  }
}

export async function countEntries(db: Db): Promise<number> {
  const { rows } = await sql<{ count: string }>`SELECT count(*) AS count FROM audit_log`.execute(db);
  return Number(rows[0]?.count ?? 0);
}

export async function maxEntrySeq(db: Db): Promise<number> {
  const { rows } = await sql<{ seq: string | null }>`SELECT max(seq) AS seq FROM audit_log`.execute(db);
  return Number(rows[0]?.seq ?? 0);
}

export async function maxCheckpointId(db: Db): Promise<number> {
  const { rows } = await sql<{ id: string | null }>`SELECT max(id) AS id FROM audit_checkpoints`.execute(db);
  return Number(rows[0]?.id ?? 0);
}

/** Stored snapshots of the given versions, keyed `resourceId:version`. */
export async function loadSnapshots(
  db: Db,
  keys: ReadonlyArray<{ resourceId: string; version: number }>,
): Promise<Map<string, unknown>> {
  const { rows } = await sql<{ resource_id: string; version: number; snapshot: unknown }>`
    SELECT a.resource_id, a.version, a.snapshot
    FROM unnest(${keys.map((k) => k.resourceId)}::uuid[], ${keys.map((k) => k.version)}::int[]) AS k(id, version)
    JOIN audit_log a ON a.resource_id = k.id AND a.version = k.version`.execute(db);
  return new Map(rows.map((row) => [snapshotKey(row.resource_id, row.version), row.snapshot]));
}
