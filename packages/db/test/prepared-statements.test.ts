import { openDatabase, prepared, sql } from '@ledgerbase/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_DB_MODE, type TestDatabase } from '../../../test/database.ts';

describe('statements marked `prepared`', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t.drop());

  it('run like any statement, with their parameters, in either mode', async () => {
    for (const n of [1, 2, 3]) {
      const { rows } = await sql<{ doubled: number }>`${prepared} SELECT ${n}::int * 2 AS doubled`.execute(
        t.handle.db,
      );
      expect(rows).toEqual([{ doubled: n * 2 }]);
    }
  });

  const preparedOn = async (db: TestDatabase['handle']['db']) =>
    (await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements`.execute(db)).rows.map(
      (r) => r.statement,
    );

  if (TEST_DB_MODE === 'pglite') {
    it('leave nothing prepared on PGlite, where the marker is only a comment', async () => {
      await sql`${prepared} SELECT 1 AS marked`.execute(t.handle.db);
      expect(await preparedOn(t.handle.db)).toEqual([]);
    });
    return;
  }

  it('are parsed once per connection, and a connection keeps at most 64 of them', async () => {
    const single = await openDatabase({ databaseUrl: t.url, embeddedDir: undefined, poolMax: 1 });
    try {
      const preparedOnThisConnection = () => preparedOn(single.db);
      for (let i = 0; i < 3; i++) await sql`${prepared} SELECT ${i}::int AS same_text`.execute(single.db);
      await sql`SELECT 1 AS not_marked`.execute(single.db);
      const afterRepeats = await preparedOnThisConnection();
      expect(afterRepeats.filter((s) => s.includes('same_text'))).toHaveLength(1);
      expect(afterRepeats.some((s) => s.includes('not_marked'))).toBe(false);

      for (let i = 0; i < 80; i++) {
        const { rows } = await sql<{
          v: number;
        }>`${prepared} SELECT ${i}::int AS ${sql.ref(`v${i}`)}`.execute(single.db);
        expect(Object.values(rows[0] ?? {})).toEqual([i]);
      }
      expect((await preparedOnThisConnection()).length).toBe(64);
    } finally {
      await single.close();
    }
  });
});
