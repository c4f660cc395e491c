import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // name uses the "C" collation so ordering and keyset comparisons are identical on every server
  // (PGlite and PostgreSQL may default to different locales).
  await sql`
    CREATE TABLE resources (
      id uuid PRIMARY KEY,
      owner_id uuid NOT NULL REFERENCES users (id),
      name text COLLATE "C" NOT NULL,
      metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
      version integer NOT NULL CHECK (version >= 1),
      head_hash text NOT NULL,
      created_at timestamptz(3) NOT NULL,
      updated_at timestamptz(3) NOT NULL,
      deleted_at timestamptz(3)
    )`.execute(db);
  // One index per keyset order, owner-scoped (the common case) and global (admins); partial on live rows
  // so a page costs the same however many rows precede it.
  for (const column of ['created_at', 'updated_at', 'name']) {
    await sql
      .raw(
        `CREATE INDEX resources_owner_${column}_idx ON resources (owner_id, ${column}, id) WHERE deleted_at IS NULL`,
      )
      .execute(db);
    await sql
      .raw(`CREATE INDEX resources_${column}_idx ON resources (${column}, id) WHERE deleted_at IS NULL`)
      .execute(db);
  }
  await sql`CREATE INDEX resources_metadata_idx ON resources USING gin (metadata jsonb_path_ops)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE resources`.execute(db);
}
