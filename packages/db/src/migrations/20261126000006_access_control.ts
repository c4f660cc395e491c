import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // Grants are the seed's ABAC: per-resource permissions for other users (CONTRACT "Authorization").
  await sql`
    CREATE TABLE resource_grants (
      resource_id uuid NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      permission text NOT NULL CHECK (permission IN ('read', 'write')),
      granted_by uuid NOT NULL,
      created_at timestamptz(3) NOT NULL,
      PRIMARY KEY (resource_id, user_id)
    )`.execute(db);
  await sql`CREATE INDEX resource_grants_user_idx ON resource_grants (user_id, resource_id)`.execute(db);

  // API keys are stored as a SHA-256 of the whole key: the secret is shown once and never kept.
  await sql`
    CREATE TABLE api_keys (
      id uuid PRIMARY KEY,
      user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      name text NOT NULL,
      prefix text NOT NULL,
      key_hash text NOT NULL,
      scopes text[] NOT NULL,
      expires_at timestamptz(3),
      last_used_at timestamptz(3),
      revoked_at timestamptz(3),
      created_at timestamptz(3) NOT NULL
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX api_keys_hash_key ON api_keys (key_hash)`.execute(db);
  await sql`CREATE INDEX api_keys_user_idx ON api_keys (user_id, created_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE api_keys`.execute(db);
  await sql`DROP TABLE resource_grants`.execute(db);
}
