import { migrateDown, migrateToLatest, migrationStatus, sql } from '@ledgerbase/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/database.ts';

const tables = async (t: TestDatabase) =>
  (
    await sql<{ table_name: string }>`
      SELECT table_name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_name NOT LIKE 'kysely_%' ORDER BY table_name`.execute(
      t.handle.db,
    )
  ).rows.map((r) => r.table_name);

describe('migrations', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  it('roll back one by one to an empty schema and apply again', async () => {
    const migrated = await tables(t);
    expect(migrated).toEqual(
      expect.arrayContaining(['audit_log', 'idempotency_keys', 'refresh_tokens', 'resources', 'users']),
    );
    const count = (await migrationStatus(t.handle.db)).length;
    for (let i = 0; i < count; i++) await migrateDown(t.handle.db);
    expect(await tables(t)).toEqual([]);
    expect((await migrationStatus(t.handle.db)).every((m) => m.executedAt === null)).toBe(true);
    await migrateToLatest(t.handle.db);
    expect(await tables(t)).toEqual(migrated);
  });

  it('is idempotent when several instances migrate at once', async () => {
    const results = await Promise.all([migrateToLatest(t.handle.db), migrateToLatest(t.handle.db)]);
    expect(results.every((r) => r.error === undefined)).toBe(true);
    expect((await migrationStatus(t.handle.db)).every((m) => m.executedAt !== null)).toBe(true);
  });
});
