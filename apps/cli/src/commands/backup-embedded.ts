import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Database, Db } from '@ledgerbase/db';
import { PGliteDialect } from '@ledgerbase/db/pglite-dialect';
import { Kysely } from 'kysely';
import { type DatabaseFacts, readDatabaseFacts } from './backup-facts.ts';

/** Where openDatabase() keeps the PGlite files (packages/db/src/database.ts). */
export const pgdataOf = (dataDir: string): string => path.join(dataDir, 'pgdata');

/**
 * PGlite writes `postmaster.pid` into its directory while it has it open and removes it on close, so
 * its presence means a server (or another CLI) is using DATA_DIR right now, or one was killed. Two
 * processes on the same PGlite files corrupt them, and a copy taken under a running server is not
 * consistent, so we refuse either way. (There is a window between this check and our own open in
 * which a starting server would not be seen: stop the server before backing up.)
 */
export function assertNotInUse(pgdata: string): void {
  if (!existsSync(path.join(pgdata, 'postmaster.pid'))) return;
  throw new Error(
    `${pgdata} is in use: ${path.join(pgdata, 'postmaster.pid')} exists, so a Ledgerbase server or another ` +
      'ledgerbase command has this DATA_DIR open. Stop the server first (PGlite files take one process ' +
      'at a time) and try again. If nothing runs on it (the server was killed), `ledgerbase migrate ' +
      'status` opens and closes the database once, which recovers it and removes the file.',
  );
}

const openPglite = async (options: ConstructorParameters<typeof PGlite>[0]): Promise<Db> =>
  new Kysely<Database>({ dialect: new PGliteDialect(await PGlite.create(options)) });

/**
 * A consistent snapshot of the embedded database with PGlite's own `dumpDataDir('gzip')`: a gzipped
 * tarball of the data directory, taken while this process is its only user (nothing else can write
 * between the facts and the dump). PGlite builds it in memory: the machine needs about its size free.
 */
export async function dumpEmbedded(dataDir: string): Promise<{ archive: Buffer; facts: DatabaseFacts }> {
  const pgdata = pgdataOf(dataDir);
  if (!existsSync(path.join(pgdata, 'PG_VERSION'))) {
    throw new Error(`no embedded database in ${pgdata}: nothing to back up (is DATA_DIR right?)`);
  }
  assertNotInUse(pgdata);
  const pglite = await PGlite.create({ dataDir: pgdata });
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  try {
    const facts = await readDatabaseFacts(db);
    const tarball = await pglite.dumpDataDir('gzip');
    return { archive: Buffer.from(await tarball.arrayBuffer()), facts };
  } finally {
    await db.destroy(); // closes PGlite, which removes postmaster.pid
  }
}

/** Restores only into a DATA_DIR without a database: overwriting one is never what a restore means. */
export function assertEmbeddedTargetEmpty(dataDir: string): void {
  const pgdata = pgdataOf(dataDir);
  if (existsSync(pgdata) && readdirSync(pgdata).length > 0) {
    throw new Error(
      `${pgdata} already holds a database: restore only into a DATA_DIR without one. ` +
        'Point DATA_DIR at a new directory (or move the old pgdata aside yourself).',
    );
  }
}

/** Unpacks the tarball into DATA_DIR/pgdata through PGlite and returns the open database. */
export async function loadEmbedded(dataDir: string, archive: Buffer<ArrayBuffer>): Promise<Db> {
  const pgdata = pgdataOf(dataDir);
  mkdirSync(pgdata, { recursive: true });
  return openPglite({
    dataDir: pgdata,
    loadDataDir: new Blob([archive], { type: 'application/x-gzip' }),
  });
}
