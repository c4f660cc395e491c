import { migrateDown, migrateToLatest, migrationStatus, sql } from '@ledgerbase/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/database.ts';

const MIGRATION = '20261126000007_users_pii';

const nullable = async (t: TestDatabase) =>
  Object.fromEntries(
    (
      await sql<{ column_name: string; is_nullable: string }>`
        SELECT column_name, is_nullable FROM information_schema.columns
        WHERE table_name = 'users' AND column_name IN ('email', 'name', 'email_index')`.execute(t.handle.db)
    ).rows.map((r) => [r.column_name, r.is_nullable === 'YES']),
  );

/** Rolls back every migration applied after this one, so that the next `migrateDown` is this one. */
async function rollBackLater(db: TestDatabase['handle']['db']) {
  for (;;) {
    const status = await migrationStatus(db);
    const mine = status.findIndex((m) => m.name === MIGRATION);
    if (!status.slice(mine + 1).some((m) => m.executedAt)) return;
    await migrateDown(db);
  }
}

describe(`migration ${MIGRATION}`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  const insertLegacy = (id: string, email: string) => sql`
    INSERT INTO users (id, email, name, password_hash, role, created_at, updated_at)
    VALUES (${id}, ${email}, 'Legacy', 'x', 'member', now(), now())`;

  it('keeps legacy plaintext rows, makes the plaintext columns nullable, and down() restores them', async () => {
    const db = t.handle.db;
    // Roll back to just before this migration (later ones first, if any).
    await rollBackLater(db);
    await migrateDown(db);
    expect(await nullable(t)).toEqual({ email: false, name: false });
    await insertLegacy('0192f0e4-0000-7000-8000-000000000001', 'legacy@example.com').execute(db);

    await migrateToLatest(db);
    expect(await nullable(t)).toEqual({ email: true, name: true, email_index: true });
    const legacy = await db.selectFrom('users').selectAll().executeTakeFirstOrThrow();
    expect(legacy).toMatchObject({ email: 'legacy@example.com', email_index: null, email_encrypted: null });
    // A row must be readable one way or the other, and blind indexes are unique.
    await expect(
      sql`INSERT INTO users (id, password_hash, role, created_at, updated_at)
          VALUES ('0192f0e4-0000-7000-8000-000000000002', 'x', 'member', now(), now())`.execute(db),
    ).rejects.toThrow(/users_pii_present/);
    const encrypted = (id: string) => sql`
      INSERT INTO users (id, email_index, email_encrypted, name_encrypted, password_hash, role, created_at, updated_at)
      VALUES (${id}, 'same-index', 'v1.k.i.c', 'v1.k.i.c', 'x', 'member', now(), now())`;
    await encrypted('0192f0e4-0000-7000-8000-000000000003').execute(db);
    await expect(encrypted('0192f0e4-0000-7000-8000-000000000004').execute(db)).rejects.toThrow(
      /users_email_index_key/,
    );

    // With an encrypted-only row present, down() refuses clearly instead of losing data.
    await rollBackLater(db);
    await expect(migrateDown(db)).rejects.toThrow(/some users exist only encrypted/);
    await db.deleteFrom('users').where('email', 'is', null).execute();
    await migrateDown(db);
    expect(await nullable(t)).toEqual({ email: false, name: false });
    expect(await db.selectFrom('users').select('email').execute()).toEqual([{ email: 'legacy@example.com' }]);
    await migrateToLatest(db);
  });
});
