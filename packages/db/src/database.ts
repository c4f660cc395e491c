import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { PGliteDialect } from './pglite-dialect.ts';
import { prepareMarkedStatements } from './prepared-statements.ts';
import type { Database } from './schema.ts';

export type Db = Kysely<Database>;

export type DatabaseHandle = Readonly<{
  db: Db;
  mode: 'postgres' | 'embedded';
  /** Pool figures for /metrics; PGlite is a single connection. */
  poolStats(): { total: number; idle: number; waiting: number };
  ping(): Promise<void>;
  close(): Promise<void>;
}>;

export type DatabaseOptions = {
  databaseUrl: string | undefined;
  /** Directory for PGlite files; `undefined` keeps an embedded database in memory (tests). */
  embeddedDir: string | undefined;
  poolMax?: number;
};

// node-postgres returns int8 (bigint) as string; our bigints are sequence numbers that stay strings.
// timestamptz comes back as Date, json/jsonb through JSON.parse (which keeps "__proto__" as plain data).

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolMax ?? 16,
      // A statement that hangs should fail the request, not hold a pool slot forever.
      statement_timeout: 30_000,
      application_name: 'ledgerbase',
    });
    // An idle client losing its server must not crash the process; the next query reports it.
    pool.on('error', () => {});
    prepareMarkedStatements(pool);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      mode: 'postgres',
      poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
      ping: async () => {
        await sql`select 1`.execute(db);
      },
      close: () => db.destroy(),
    };
  }

  let dataDir: string | undefined;
  if (options.embeddedDir) {
    dataDir = path.join(options.embeddedDir, 'pgdata');
    mkdirSync(dataDir, { recursive: true });
  }
  const pglite = await PGlite.create(dataDir ? { dataDir } : {});
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  return {
    db,
    mode: 'embedded',
    poolStats: () => ({ total: 1, idle: 1, waiting: 0 }),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    // Kysely only closes a driver it has used: a handle closed before its first query would leave
    // PGlite open, holding DATA_DIR (postmaster.pid) until the process exits.
    close: async () => {
      await db.destroy();
      if (!pglite.closed) await pglite.close();
    },
  };
}
