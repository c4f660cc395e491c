import { randomBytes } from 'node:crypto';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { type Config, systemClock } from '@ledgerbase/platform';
import { withDatabase } from '../database.ts';
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  type BackupManifest,
  type MemberSource,
  sha256,
  sha256OfFile,
  writeBackupFile,
} from './backup-archive.ts';
import { dumpEmbedded } from './backup-embedded.ts';
import { type DatabaseFacts, ledgerbaseVersion } from './backup-facts.ts';
import { type KeyMember, keyMembers, keyWarning } from './backup-keys.ts';
import { dumpPostgres } from './backup-postgres.ts';
import { type RestoreOptions, runRestore } from './backup-restore.ts';

export const BACKUP_USAGE = `usage:
  ledgerbase backup --out <file> [--include-keys]
  ledgerbase restore --in <file> [--public-key <vkey>]...`;

export type BackupOptions = { out?: string | undefined; 'include-keys'?: boolean | undefined };

const log = (line: string) => process.stderr.write(`${line}\n`);
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;
const formatBytes = (bytes: number) =>
  bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

const fail = (message: string): number => {
  process.stderr.write(`${message}\n${BACKUP_USAGE}\n`);
  return 1;
};

function manifestOf(
  config: Config,
  facts: DatabaseFacts,
  tool: string,
  archive: BackupManifest['archive'],
  keys: readonly KeyMember[],
): BackupManifest {
  return {
    format: BACKUP_FORMAT,
    version: BACKUP_FORMAT_VERSION,
    mode: config.databaseUrl ? 'postgres' : 'embedded',
    createdAt: systemClock.now().toISOString(),
    ledgerbaseVersion: ledgerbaseVersion(),
    migration: facts.migration,
    database: { serverVersion: facts.serverVersion, tool },
    audit: facts.audit,
    archive,
    keys: keys.map((key) => ({ name: key.name, bytes: key.bytes.byteLength, sha256: sha256(key.bytes) })),
  };
}

const manifestMember = (manifest: BackupManifest): MemberSource => ({
  name: 'manifest.json',
  mode: 0o600,
  bytes: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`),
});

/** PostgreSQL: pg_dump into a temporary file next to the target, hashed, then wrapped. */
async function backupPostgres(config: Config, out: string): Promise<BackupManifest> {
  const dump = `${out}.${randomBytes(6).toString('hex')}.dump.partial`;
  // Created 0600 first: pg_dump keeps the mode of a file it overwrites, and this one holds all the data.
  writeFileSync(dump, '', { mode: 0o600, flag: 'wx' });
  try {
    const started = performance.now();
    const { facts, tool } = await withDatabase(config, ({ db }) =>
      dumpPostgres(config.databaseUrl!, db, dump),
    );
    const size = statSync(dump).size;
    log(`pg_dump wrote ${formatBytes(size)} in ${seconds(started)}`);
    const archive = {
      name: 'database.dump',
      format: 'pg_dump-custom' as const,
      bytes: size,
      sha256: await sha256OfFile(dump),
    };
    const manifest = manifestOf(config, facts, tool, archive, []);
    await writeBackupFile(out, [
      manifestMember(manifest),
      { name: archive.name, mode: 0o600, file: dump, size },
    ]);
    return manifest;
  } finally {
    await rm(dump, { force: true });
  }
}

/** Embedded: PGlite's dumpDataDir tarball, plus DATA_DIR/keys when asked for. */
async function backupEmbedded(config: Config, out: string, includeKeys: boolean): Promise<BackupManifest> {
  const started = performance.now();
  const { archive, facts } = await dumpEmbedded(config.dataDir);
  log(`PGlite dumped ${formatBytes(archive.byteLength)} in ${seconds(started)}`);
  const keys = includeKeys ? keyMembers(config.dataDir) : [];
  if (includeKeys && keys.length === 0)
    log(`--include-keys: ${path.join(config.dataDir, 'keys')} holds no keys`);
  const digest = {
    name: 'pgdata.tar.gz',
    format: 'pglite-datadir-tar-gzip' as const,
    bytes: archive.byteLength,
    sha256: sha256(archive),
  };
  const manifest = manifestOf(config, facts, 'pglite dumpDataDir', digest, keys);
  await writeBackupFile(out, [
    manifestMember(manifest),
    { name: digest.name, mode: 0o600, bytes: archive },
    ...keys,
  ]);
  return manifest;
}

/**
 * `ledgerbase backup --out <file>`: one file (backup-archive.ts) holding a consistent snapshot and
 * its manifest, written atomically. The manifest goes to stdout, progress and warnings to stderr.
 */
export async function runBackup(config: Config, options: BackupOptions): Promise<number> {
  if (!options.out) return fail('backup needs --out <file>');
  const out = path.resolve(options.out);
  if (existsSync(out))
    return fail(`${out} already exists: a backup never overwrites a file, choose a new name`);
  if (options['include-keys'] && config.databaseUrl) {
    return fail(
      '--include-keys is for embedded mode: with DATABASE_URL the keys live in your secret store ' +
        '(JWT_PRIVATE_KEY, ENCRYPTION_KEY, AUDIT_SIGNING_KEY); back them up there',
    );
  }
  const started = performance.now();
  const manifest = config.databaseUrl
    ? await backupPostgres(config, out)
    : await backupEmbedded(config, out, options['include-keys'] === true);
  process.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
  const checkpoint = manifest.audit.checkpoint;
  log(
    `backup written to ${out} (${formatBytes(statSync(out).size)}) in ${seconds(started)}: migration ` +
      `${manifest.migration ?? '(none)'}, ${manifest.audit.entries} audit entries` +
      (checkpoint ? `, latest checkpoint at tree size ${checkpoint.treeSize}` : ', no checkpoint yet'),
  );
  const included = manifest.keys.map((key) => key.name);
  log(keyWarning(config, included));
  return 0;
}

export function runBackupCommand(
  config: Config,
  command: 'backup' | 'restore',
  options: BackupOptions & RestoreOptions,
): Promise<number> {
  return command === 'backup' ? runBackup(config, options) : runRestore(config, options);
}
