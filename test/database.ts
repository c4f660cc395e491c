import { randomBytes } from 'node:crypto';
import { type DatabaseHandle, migrateToLatest, openDatabase } from '@ledgerbase/db';
import pg from 'pg';

/**
 * Test databases. On PGlite every test file gets its own in-memory database; on PostgreSQL (when
 * DATABASE_URL is set) every file gets a clone of a migrated template, dropped when the file ends.
 */
export const TEST_DB_MODE = process.env.LB_TEST_DB === 'postgres' ? 'postgres' : 'pglite';

export const uniqueName = (prefix: string) => `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function adminQuery(sqlText: string): Promise<void> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    await client.query(sqlText);
  } finally {
    await client.end();
  }
}

export type TestDatabase = { handle: DatabaseHandle; url: string | undefined; drop(): Promise<void> };

export async function createTestDatabase(): Promise<TestDatabase> {
  if (TEST_DB_MODE === 'pglite') {
    const handle = await openDatabase({ databaseUrl: undefined, embeddedDir: undefined });
    await migrateToLatest(handle.db);
    return { handle, url: undefined, drop: () => handle.close() };
  }
  const template = process.env.LB_TEST_TEMPLATE_DB;
  if (!template || !process.env.DATABASE_URL)
    throw new Error('postgres tests need DATABASE_URL and the global setup');
  const name = uniqueName('lb_test');
  await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  const url = withDatabase(process.env.DATABASE_URL, name);
  const handle = await openDatabase({ databaseUrl: url, embeddedDir: undefined, poolMax: 8 });
  return {
    handle,
    url,
    drop: async () => {
      await handle.close();
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
