import { readFileSync } from 'node:fs';
import { type Db, sql } from '@ledgerbase/db';
import type { BackupManifest } from './backup-archive.ts';

export type DatabaseFacts = Pick<BackupManifest, 'migration' | 'audit'> & { serverVersion: string };

const hasTable = async (db: Db, table: string): Promise<boolean> =>
  (await sql<{ found: string | null }>`SELECT to_regclass(${`public.${table}`})::text AS found`.execute(db))
    .rows[0]?.found != null;

/**
 * What the manifest records about the database, read in the same snapshot as the archive (the
 * caller's transaction on PostgreSQL; the only session on PGlite). Tolerates a database that was
 * never migrated, or migrated by an older version without the checkpoint table.
 */
export async function readDatabaseFacts(db: Db): Promise<DatabaseFacts> {
  const serverVersion = (await sql<{ server_version: string }>`SHOW server_version`.execute(db)).rows[0]!
    .server_version;
  const migration = (await hasTable(db, 'kysely_migration'))
    ? ((await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name DESC LIMIT 1`.execute(db))
        .rows[0]?.name ?? null)
    : null;
  const entries = (await hasTable(db, 'audit_log'))
    ? Number((await sql<{ n: string }>`SELECT count(*) AS n FROM audit_log`.execute(db)).rows[0]!.n)
    : 0;
  let checkpoint: DatabaseFacts['audit']['checkpoint'] = null;
  if (await hasTable(db, 'audit_checkpoints')) {
    const row = (
      await sql<{ tree_size: string; root_hash: string; key_id: string; created_at: Date }>`
        SELECT tree_size, root_hash, key_id, created_at FROM audit_checkpoints
        ORDER BY tree_size DESC, id DESC LIMIT 1`.execute(db)
    ).rows[0];
    if (row) {
      checkpoint = {
        treeSize: Number(row.tree_size),
        rootHash: row.root_hash,
        keyId: row.key_id,
        createdAt: new Date(row.created_at).toISOString(),
      };
    }
  }
  return { serverVersion, migration, audit: { entries, checkpoint } };
}

/** The repository's version (root package.json), recorded so a restore knows what wrote the backup. */
export function ledgerbaseVersion(): string {
  const file = new URL('../../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
