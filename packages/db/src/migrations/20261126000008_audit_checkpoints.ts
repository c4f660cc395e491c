import { type Kysely, sql } from 'kysely';

/**
 * Signed checkpoints over the audit log, retention anchors, and the trace id (issue #4, ADR 0009).
 *
 * - `audit_log.trace_id`: the W3C trace id of the request that wrote the entry (null when none).
 * - `audit_log.recorded_at`: the database's clock when the row was formed (the moment its `seq` was
 *   taken). The sealer seals only entries older than a safety margin by this clock, so a slower
 *   transaction holding a lower `seq` can never commit inside a sealed range. Added without a default
 *   first and given one afterwards, so existing rows keep NULL (older than any margin) and the table
 *   is not rewritten.
 * - `audit_checkpoints`: one signed Merkle tree head (RFC 9162 §2.1, C2SP tlog-checkpoint) per seal,
 *   with the compact-range frontier needed to extend the tree without re-reading old entries.
 * - `audit_anchors`: per resource, the newest entry removed by retention, so the remaining chain
 *   still links; `audit_purged_prefix`: where the purged prefix of the tree ends (size, frontier).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE audit_log ADD COLUMN trace_id text, ADD COLUMN recorded_at timestamptz`.execute(db);
  await sql`ALTER TABLE audit_log ALTER COLUMN recorded_at SET DEFAULT clock_timestamp()`.execute(db);
  await sql`
    CREATE TABLE audit_checkpoints (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      tree_size bigint NOT NULL CHECK (tree_size > 0),
      last_seq bigint NOT NULL,
      root_hash text NOT NULL,
      frontier jsonb NOT NULL,
      note text NOT NULL,
      key_id text NOT NULL,
      created_at timestamptz(3) NOT NULL
    )`.execute(db);
  // Two sealers racing compute the same tree: the second insert of a size is a no-op.
  await sql`CREATE UNIQUE INDEX audit_checkpoints_tree_size_key ON audit_checkpoints (tree_size)`.execute(db);
  await sql`
    CREATE TABLE audit_anchors (
      resource_id uuid PRIMARY KEY REFERENCES resources (id) ON DELETE CASCADE,
      version integer NOT NULL CHECK (version >= 1),
      hash text NOT NULL,
      seq bigint NOT NULL,
      purged_at timestamptz(3) NOT NULL
    )`.execute(db);
  // Soft-deleted resources, which the live-row indexes leave out: by age for retention, by owner for
  // a member's GET /audit (their live resources come from resources_owner_*_idx).
  await sql`CREATE INDEX resources_deleted_at_idx ON resources (deleted_at) WHERE deleted_at IS NOT NULL`.execute(
    db,
  );
  await sql`CREATE INDEX resources_deleted_owner_idx ON resources (owner_id) WHERE deleted_at IS NOT NULL`.execute(
    db,
  );
  await sql`
    CREATE TABLE audit_purged_prefix (
      id boolean PRIMARY KEY DEFAULT true CHECK (id),
      tree_size bigint NOT NULL CHECK (tree_size >= 0),
      last_seq bigint NOT NULL,
      frontier jsonb NOT NULL,
      updated_at timestamptz(3) NOT NULL
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE audit_purged_prefix`.execute(db);
  await sql`DROP INDEX resources_deleted_owner_idx`.execute(db);
  await sql`DROP INDEX resources_deleted_at_idx`.execute(db);
  await sql`DROP TABLE audit_anchors`.execute(db);
  await sql`DROP TABLE audit_checkpoints`.execute(db);
  await sql`ALTER TABLE audit_log DROP COLUMN recorded_at, DROP COLUMN trace_id`.execute(db);
}
