import { type Kysely, sql } from 'kysely';

/**
 * PII at rest (seed section 7): email and name move to AES-256-GCM ciphertexts plus a keyed HMAC
 * blind index for email lookups. Migrations hold no keys, so existing rows keep their plaintext
 * until the application's start-up backfill encrypts them and clears it; the plaintext columns
 * become nullable for that and stay until a later migration drops them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE users
      ADD COLUMN email_index text,
      ADD COLUMN email_encrypted text,
      ADD COLUMN name_encrypted text,
      ALTER COLUMN email DROP NOT NULL,
      ALTER COLUMN name DROP NOT NULL`.execute(db);
  await sql`CREATE UNIQUE INDEX users_email_index_key ON users (email_index)`.execute(db);
  // Every row is readable one way or the other: encrypted (index and both ciphertexts) or legacy plaintext.
  await sql`
    ALTER TABLE users ADD CONSTRAINT users_pii_present CHECK (
      (email_index IS NOT NULL AND email_encrypted IS NOT NULL AND name_encrypted IS NOT NULL)
      OR (email IS NOT NULL AND name IS NOT NULL))`.execute(db);
  // Start-up looks for rows still holding plaintext: with this partial index that is free once done.
  await sql`CREATE INDEX users_plaintext_idx ON users (id) WHERE email IS NOT NULL OR name IS NOT NULL`.execute(
    db,
  );
}

/** Back to plaintext columns: only possible while the plaintext is still there (not after backfill). */
export async function down(db: Kysely<any>): Promise<void> {
  const { rows } = await sql<{ count: string }>`
    SELECT count(*) AS count FROM users WHERE email IS NULL OR name IS NULL`.execute(db);
  if (Number(rows[0]?.count ?? 0) > 0) {
    throw new Error(
      'users_pii down: some users exist only encrypted; the migration cannot decrypt them (no keys here)',
    );
  }
  await sql`DROP INDEX users_plaintext_idx`.execute(db);
  await sql`ALTER TABLE users DROP CONSTRAINT users_pii_present`.execute(db);
  await sql`DROP INDEX users_email_index_key`.execute(db);
  await sql`
    ALTER TABLE users
      DROP COLUMN email_index,
      DROP COLUMN email_encrypted,
      DROP COLUMN name_encrypted,
      ALTER COLUMN email SET NOT NULL,
      ALTER COLUMN name SET NOT NULL`.execute(db);
}
