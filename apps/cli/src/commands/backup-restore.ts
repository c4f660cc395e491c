import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type AuditKeys, type VerifyReport, verifyDatabase } from '@ledgerbase/core';
import { type Db, migrateToLatest } from '@ledgerbase/db';
import { migrations } from '@ledgerbase/db/migrations/index';
import type { Config } from '@ledgerbase/platform';
import { withDatabase } from '../database.ts';
import { progressBar } from '../progress.ts';
import {
  BackupFormatError,
  type BackupManifest,
  checksumError,
  type Member,
  type OpenedBackup,
  openBackup,
  readMember,
  sha256,
} from './backup-archive.ts';
import { assertEmbeddedTargetEmpty, loadEmbedded, pgdataOf } from './backup-embedded.ts';
import { readDatabaseFacts } from './backup-facts.ts';
import {
  auditKeySource,
  checkEncryptionKey,
  planKeyRestore,
  restoreVerifierKeys,
  writeKeys,
} from './backup-keys.ts';
import { assertPostgresTargetEmpty, checkPgRestore, restorePostgres } from './backup-postgres.ts';

export type RestoreOptions = { in?: string | undefined; 'public-key'?: string[] | undefined };

const log = (line: string) => process.stderr.write(`${line}\n`);
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/** A backup newer than this code cannot be migrated (down is not a restore's job): refuse up front. */
function assertKnownMigration(manifest: BackupManifest): void {
  if (manifest.migration === null || manifest.migration in migrations) return;
  throw new Error(
    `the backup was taken at migration ${manifest.migration}, which this Ledgerbase does not know ` +
      `(it was written by Ledgerbase ${manifest.ledgerbaseVersion}): restore it with that version or newer`,
  );
}

/** Refuses before touching anything when the checkpoints could not be checked for lack of a key. */
function assertVerifiable(config: Config, manifest: BackupManifest, publicKeys: readonly string[]): string {
  const hasJwtKey = manifest.keys.some((key) => key.name === 'keys/jwt-signing-key.pem');
  const source = auditKeySource(config, publicKeys, hasJwtKey);
  if (source) return source;
  if (manifest.audit.checkpoint === null) return 'none needed (no checkpoint)';
  throw new Error(
    'the backup has signed audit checkpoints, and no key to check them is available: put the keys back ' +
      `first (${path.join(config.dataDir, 'keys')} from your key backup, or JWT_PRIVATE_KEY / ` +
      'AUDIT_SIGNING_KEY), or pass the checkpoint public key with --public-key <vkey>. Nothing was restored.',
  );
}

async function embeddedRestore(config: Config, file: string, backup: OpenedBackup): Promise<Db> {
  const { manifest, members } = backup;
  const pgdata = pgdataOf(config.dataDir);
  assertEmbeddedTargetEmpty(config.dataDir);
  const member = (name: string): Member => members.get(name)!;
  const keyMembers = new Map<string, Buffer>();
  for (const key of manifest.keys) keyMembers.set(key.name, await readMember(file, member(key.name)));
  const keys = planKeyRestore(config.dataDir, manifest, (name) => keyMembers.get(name)!);
  const archive = await readMember(file, member(manifest.archive.name));
  const actual = sha256(archive);
  if (actual !== manifest.archive.sha256) throw checksumError(manifest.archive, actual);
  log(`checksum ok: ${manifest.archive.name} SHA-256 ${actual}`);
  const started = performance.now();
  let db: Db;
  try {
    db = await loadEmbedded(config.dataDir, archive);
  } catch (error) {
    // pgdata was absent or empty before: whatever is there now is our partial work.
    await rm(pgdata, { recursive: true, force: true });
    throw error;
  }
  log(`PGlite loaded the data directory into ${pgdata} in ${seconds(started)}`);
  writeKeys(keys);
  for (const key of keys) log(`restored ${key.file} (0600)`);
  return db;
}

/** Copies the dump out of the backup file, hashing on the way; pg_restore wants a seekable file. */
async function extractVerified(file: string, member: Member, digest: BackupManifest['archive']) {
  if (member.size === 0) throw new BackupFormatError(`${digest.name} is empty`);
  const directory = await mkdtemp(path.join(tmpdir(), 'ledgerbase-restore-'));
  const target = path.join(directory, digest.name);
  const hash = createHash('sha256');
  const handle = await open(target, 'wx', 0o600);
  try {
    const range = { start: member.offset, end: member.offset + member.size - 1 };
    for await (const chunk of createReadStream(file, range)) {
      hash.update(chunk as Buffer);
      await handle.write(chunk as Buffer);
    }
  } finally {
    await handle.close();
  }
  const actual = hash.digest('hex');
  if (actual !== digest.sha256) {
    await rm(directory, { recursive: true, force: true });
    throw checksumError(digest, actual);
  }
  log(`checksum ok: ${digest.name} SHA-256 ${actual}`);
  return { target, cleanup: () => rm(directory, { recursive: true, force: true }) };
}

async function postgresRestore(config: Config, file: string, backup: OpenedBackup, db: Db): Promise<void> {
  const { manifest, members } = backup;
  await assertPostgresTargetEmpty(db);
  await checkPgRestore(manifest.database.tool);
  const dump = await extractVerified(file, members.get(manifest.archive.name)!, manifest.archive);
  try {
    const started = performance.now();
    await restorePostgres(config.databaseUrl!, dump.target);
    log(`pg_restore finished in ${seconds(started)}`);
  } finally {
    await dump.cleanup();
  }
}

/** The restored audit log must be the one the manifest describes: same entries, same latest root. */
async function compareWithManifest(db: Db, manifest: BackupManifest): Promise<string | undefined> {
  const { audit } = await readDatabaseFacts(db);
  const expected = JSON.stringify(manifest.audit);
  if (JSON.stringify(audit) === expected) return undefined;
  return `the restored database does not match the manifest: audit ${JSON.stringify(audit)}, manifest ${expected}`;
}

function printReport(report: VerifyReport, started: number): void {
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  log(
    report.valid
      ? `audit log valid: ${report.checked.toLocaleString('en-US')} entries, ${report.checkpoints} checkpoints (${seconds(started)})`
      : `audit log INVALID at ${report.firstInvalid?.id ?? 'an entry'} (seq ${report.firstInvalid?.seq ?? '?'}): ${report.firstInvalid?.reason}`,
  );
}

/** Both modes after the data is in: compare, migrate forward, verify, check the encryption key. */
async function finish(
  config: Config,
  db: Db,
  manifest: BackupManifest,
  publicKeys: readonly string[],
): Promise<number> {
  const mismatch = await compareWithManifest(db, manifest);
  const { results = [] } = await migrateToLatest(db);
  for (const result of results) log(`applied migration ${result.migrationName}`);
  if (results.length === 0) log(`schema up to date (${manifest.migration ?? 'no migrations'})`);
  const keys: Pick<AuditKeys, 'trusted' | 'origin'> = await restoreVerifierKeys(config, publicKeys);
  const started = performance.now();
  let bar = progressBar('verifying', 0);
  const report = await verifyDatabase(
    { db, keys },
    {
      snapshot: Boolean(config.databaseUrl),
      parallel: config.databaseUrl ? { databaseUrl: config.databaseUrl } : undefined,
      onStart: (total) => {
        bar = progressBar('verifying', total);
      },
      onProgress: (checked) => bar.update(checked),
    },
  );
  bar.finish();
  printReport(report, started);
  if (mismatch) log(mismatch);
  const encryption = await checkEncryptionKey(config, db);
  log(encryption.ok ? encryption.note : encryption.problem);
  const fatalKey = !encryption.ok && encryption.fatal;
  return report.valid && !mismatch && !fatalKey ? 0 : 1;
}

/**
 * `ledgerbase restore --in <file>`: checks the manifest and the archive's SHA-256, restores into an
 * empty DATA_DIR (PGlite) or an empty database (pg_restore), migrates forward, then verifies the audit
 * log with the verifier behind `ledgerbase audit verify`. Exit 1 if anything does not check out.
 */
export async function runRestore(config: Config, options: RestoreOptions): Promise<number> {
  if (!options.in) {
    process.stderr.write(
      'restore needs --in <file>\nusage: ledgerbase restore --in <file> [--public-key <vkey>]...\n',
    );
    return 1;
  }
  const file = path.resolve(options.in);
  if (!existsSync(file)) throw new Error(`${file} does not exist`);
  const started = performance.now();
  const backup = await openBackup(file);
  const { manifest } = backup;
  const mode = config.databaseUrl ? 'postgres' : 'embedded';
  if (manifest.mode !== mode) {
    throw new Error(
      `this is a backup of ${manifest.mode} mode; restore it with DATABASE_URL ${manifest.mode === 'postgres' ? 'set' : 'unset'}`,
    );
  }
  log(
    `backup of ${manifest.createdAt} by Ledgerbase ${manifest.ledgerbaseVersion} (${manifest.mode}): ` +
      `migration ${manifest.migration ?? '(none)'}, ${manifest.audit.entries} audit entries`,
  );
  assertKnownMigration(manifest);
  const publicKeys = options['public-key'] ?? [];
  log(`audit checkpoint key: ${assertVerifiable(config, manifest, publicKeys)}`);
  let code: number;
  if (mode === 'embedded') {
    const db = await embeddedRestore(config, file, backup);
    try {
      code = await finish(config, db, manifest, publicKeys);
    } finally {
      await db.destroy();
    }
  } else {
    code = await withDatabase(config, async ({ db }) => {
      await postgresRestore(config, file, backup, db);
      return finish(config, db, manifest, publicKeys);
    });
  }
  log(`restore ${code === 0 ? 'complete' : 'finished WITH PROBLEMS (see above)'} in ${seconds(started)}`);
  return code;
}
