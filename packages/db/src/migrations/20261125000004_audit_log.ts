import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE audit_log (
      seq bigint GENERATED ALWAYS AS IDENTITY,
      id uuid PRIMARY KEY,
      resource_id uuid NOT NULL REFERENCES resources (id),
      actor_id uuid,
      actor_type text NOT NULL CHECK (actor_type IN ('user', 'api_key', 'system')),
      action text NOT NULL CHECK (action IN ('create', 'update', 'delete', 'restore')),
      changes jsonb NOT NULL,
      snapshot jsonb NOT NULL,
      version integer NOT NULL,
      request_id text,
      created_at timestamptz(3) NOT NULL,
      hash text NOT NULL,
      prev_hash text
    )`.execute(db);
  // (resource_id, version) unique: two writers can never both record version n of one resource.
  await sql`CREATE UNIQUE INDEX audit_log_resource_version_key ON audit_log (resource_id, version)`.execute(
    db,
  );
  await sql`CREATE UNIQUE INDEX audit_log_seq_key ON audit_log (seq)`.execute(db);
  await sql`CREATE INDEX audit_log_created_idx ON audit_log (created_at, seq)`.execute(db);
  await sql`CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, seq)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE audit_log`.execute(db);
}
