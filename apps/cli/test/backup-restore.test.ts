import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sealAuditLog } from '@ledgerbase/core';
import { type DatabaseHandle, type Db, openDatabase, sql } from '@ledgerbase/db';
import { migrations } from '@ledgerbase/db/migrations/index';
import { loadConfig } from '@ledgerbase/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminQuery,
  createTestDatabase,
  TEST_DB_MODE,
  type TestDatabase,
  uniqueName,
  withDatabase,
} from '../../../test/database.ts';
import { buildApp } from '../../api/src/app.ts';
import { buildContainer } from '../../api/src/container.ts';
import { as, createResource, login, PASSWORD, RESOURCES, registerAndLogin } from '../../api/test/helpers.ts';
import { type BackupManifest, listMembers, readMember, sha256 } from '../src/commands/backup-archive.ts';

/**
 * `ledgerbase backup` and `ledgerbase restore` as an operator runs them (the real binary, real
 * PGlite files, real pg_dump/pg_restore), on data written through the API. Embedded suites run in
 * the pglite project, PostgreSQL suites in the postgres project.
 */
const bin = path.resolve(import.meta.dirname, '../bin/ledgerbase.mjs');
const LATEST_MIGRATION = Object.keys(migrations).sort().at(-1)!;
const exec = promisify(execFile);

type Run = { code: number; stdout: string; stderr: string; seconds: number };

async function run(args: string[], env: Record<string, string>): Promise<Run> {
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  try {
    const { stdout, stderr } = await exec(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', DATABASE_URL: '', ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr, seconds: seconds() };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: failed.code ?? -1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
      seconds: seconds(),
    };
  }
}

/** Every row of every table, and every sequence position: two databases are equal when these are. */
async function contents(db: Db): Promise<Record<string, unknown[]>> {
  const { rows: tables } = await sql<{ name: string }>`
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`.execute(db);
  const result: Record<string, unknown[]> = {};
  for (const { name } of tables) {
    const { rows } = await sql<{ row: unknown }>`
      SELECT to_jsonb(t) AS row FROM ${sql.table(name)} t ORDER BY to_jsonb(t)::text`.execute(db);
    result[name] = rows.map((r) => r.row);
  }
  result['(sequences)'] = (
    await sql<{ name: string; last_value: string | null }>`
      SELECT sequencename AS name, last_value FROM pg_sequences WHERE schemaname = 'public'
      ORDER BY sequencename`.execute(db)
  ).rows;
  return result;
}

type Seeded = { emails: string[]; vkey: string; resourceIds: string[] };

/**
 * Two users, resources created, updated and one deleted, a webhook (its secret encrypted), a signed
 * checkpoint and entries after it: everything a backup must carry. The app is closed afterwards.
 */
async function seed(handle: DatabaseHandle, dataDir: string): Promise<Seeded> {
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_ENABLED: 'false',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEB_DIST_DIR: path.join(dataDir, 'no-web'),
  });
  const container = await buildContainer(config, { database: handle });
  const app = await buildApp(container);
  await app.ready();
  const emails: string[] = [];
  const resourceIds: string[] = [];
  for (let user = 0; user < 2; user++) {
    const session = await registerAndLogin(app);
    emails.push(session.email);
    const call = as(app, session);
    for (let i = 0; i < 3; i++) {
      const { id } = await createResource(call, {
        name: `u${user} r${i}`,
        metadata: { user, i, tags: ['a'] },
      });
      resourceIds.push(id);
      const updated = await call({
        method: 'PUT',
        url: `${RESOURCES}/${id}`,
        payload: { name: `u${user} r${i}'` },
      });
      expect(updated.statusCode).toBe(200);
    }
  }
  const owner = as(app, await login(app, emails[0]!));
  const hook = await owner({
    method: 'POST',
    url: '/api/v1/webhooks',
    payload: { url: 'http://127.0.0.1:9/hook', events: ['resource.created'] },
  });
  expect(hook.statusCode).toBe(201);
  await sealAuditLog(container.auditJobDeps, { marginMs: 0 });
  const removed = await owner({ method: 'DELETE', url: `${RESOURCES}/${resourceIds[0]}` });
  expect(removed.statusCode).toBe(204);
  await owner({ method: 'PUT', url: `${RESOURCES}/${resourceIds[1]}`, payload: { name: 'after the seal' } });
  const vkey = container.auditKeys.signer.vkey;
  await app.close();
  await container.close();
  return { emails, vkey, resourceIds };
}

const manifestOf = (result: Run): BackupManifest => JSON.parse(result.stdout);

/** Flips one byte in the middle of the database archive inside a backup file. */
async function tamper(file: string, copy: string, memberName: string): Promise<void> {
  copyFileSync(file, copy);
  const member = (await listMembers(copy)).find((m) => m.name === memberName)!;
  const handle = await open(copy, 'r+');
  const at = member.offset + Math.floor(member.size / 2);
  const byte = Buffer.alloc(1);
  await handle.read(byte, 0, 1, at);
  byte[0] = byte[0]! ^ 0x01;
  await handle.write(byte, 0, 1, at);
  await handle.close();
}

const timings: string[] = [];
const timed = (label: string, result: Run) => {
  timings.push(`${label}: ${result.seconds.toFixed(1)} s`);
  return result;
};

if (TEST_DB_MODE === 'pglite')
  describe('ledgerbase backup/restore (embedded)', { timeout: 180_000 }, () => {
    const root = mkdtempSync(path.join(tmpdir(), 'lb-backup-'));
    const source = path.join(root, 'source');
    const fresh = (name: string) => path.join(root, name);
    const backupFile = path.join(root, 'backup.tar');
    let seeded: Seeded;
    let expected: Record<string, unknown[]>;
    let manifest: BackupManifest;

    beforeAll(async () => {
      seeded = await seed(await openDatabase({ databaseUrl: undefined, embeddedDir: source }), source);
    });
    afterAll(() => {
      if (timings.length) process.stderr.write(`backup/restore timings (embedded): ${timings.join('; ')}\n`);
      rmSync(root, { recursive: true, force: true });
    });

    it('refuses while another process has DATA_DIR open', async () => {
      const holder = await openDatabase({ databaseUrl: undefined, embeddedDir: source });
      try {
        const result = await run(['backup', '--out', backupFile], { DATA_DIR: source });
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(/is in use: .*postmaster\.pid exists.*Stop the server first/s);
        expect(existsSync(backupFile)).toBe(false);
      } finally {
        // Kysely closes PGlite only once a query has run through it.
        await holder.ping();
        await holder.close();
      }
    });

    it('writes one tar file: manifest, PGlite archive with its SHA-256, and a loud warning about keys', async () => {
      const result = timed('backup', await run(['backup', '--out', backupFile], { DATA_DIR: source }));
      expect(result.code, result.stderr).toBe(0);
      manifest = manifestOf(result);
      const db = await openDatabase({ databaseUrl: undefined, embeddedDir: source });
      try {
        expected = await contents(db.db);
      } finally {
        await db.close();
      }
      const entries = expected.audit_log!.length;
      const checkpoint = expected.audit_checkpoints![0] as { tree_size: string; root_hash: string };
      expect(manifest).toMatchObject({
        format: 'ledgerbase-backup',
        version: 1,
        mode: 'embedded',
        ledgerbaseVersion: '0.1.0',
        migration: LATEST_MIGRATION,
        database: { tool: 'pglite dumpDataDir' },
        audit: {
          entries,
          checkpoint: { treeSize: Number(checkpoint.tree_size), rootHash: checkpoint.root_hash },
        },
        archive: { name: 'pgdata.tar.gz', format: 'pglite-datadir-tar-gzip' },
        keys: [],
      });
      expect(manifest.audit.checkpoint!.treeSize).toBe(entries - 2); // two changes after the seal
      // A plain tar: standard tools list it; the archive's bytes hash to the manifest's SHA-256.
      const { stdout } = await exec('tar', ['-tf', backupFile]);
      expect(stdout.trim().split('\n')).toEqual(['manifest.json', 'pgdata.tar.gz']);
      const member = (await listMembers(backupFile)).find((m) => m.name === 'pgdata.tar.gz')!;
      expect(sha256(await readMember(backupFile, member))).toBe(manifest.archive.sha256);
      expect(statSync(backupFile).mode & 0o777).toBe(0o600);
      expect(result.stderr).toMatch(/WARNING: this backup does NOT contain the keys/);
      expect(result.stderr).toMatch(/encryption key \(ENCRYPTION_KEY, or .*keys\/encryption\.key\)/);
      const again = await run(['backup', '--out', backupFile], { DATA_DIR: source });
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/already exists/);
    });

    it('restores into an empty DATA_DIR: every row equal, audit verified, and the service runs on it', async () => {
      const target = fresh('restored');
      cpSync(path.join(source, 'keys'), path.join(target, 'keys'), { recursive: true }); // keys first
      const result = timed('restore', await run(['restore', '--in', backupFile], { DATA_DIR: target }));
      expect(result.code, result.stderr).toBe(0);
      const entries = manifest.audit.entries;
      expect(JSON.parse(result.stdout)).toEqual({
        valid: true,
        checked: entries,
        checkpoints: 1,
        treeSize: entries,
      });
      expect(result.stderr).toMatch(/checksum ok: pgdata\.tar\.gz SHA-256 [0-9a-f]{64}/);
      expect(result.stderr).toMatch(/schema up to date/);
      expect(result.stderr).toMatch(/reads every restored user and secret/);
      const handle = await openDatabase({ databaseUrl: undefined, embeddedDir: target });
      expect(await contents(handle.db)).toEqual(expected);
      const config = loadConfig({
        DATA_DIR: target,
        LOG_LEVEL: 'silent',
        RATE_LIMIT_ENABLED: 'false',
        WEB_DIST_DIR: path.join(target, 'no-web'),
      });
      const container = await buildContainer(config, { database: handle });
      const app = await buildApp(container);
      try {
        await app.ready();
        const call = as(app, await login(app, seeded.emails[1]!, PASSWORD));
        const id = seeded.resourceIds[3]!;
        const updated = await call({
          method: 'PUT',
          url: `${RESOURCES}/${id}`,
          payload: { name: 'after restore' },
        });
        expect(updated.json()).toMatchObject({ id, name: 'after restore', version: 3 });
      } finally {
        await app.close();
        await container.close();
      }
    });

    it('refuses a DATA_DIR that already holds a database', async () => {
      const result = await run(['restore', '--in', backupFile], { DATA_DIR: fresh('restored') });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/already holds a database: restore only into a DATA_DIR without one/);
    });

    it('refuses a backup with one changed byte (checksum), restoring nothing', async () => {
      const tampered = path.join(root, 'tampered.tar');
      await tamper(backupFile, tampered, 'pgdata.tar.gz');
      const target = fresh('tampered');
      cpSync(path.join(source, 'keys'), path.join(target, 'keys'), { recursive: true });
      const result = await run(['restore', '--in', tampered], { DATA_DIR: target });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /checksum mismatch for pgdata\.tar\.gz: SHA-256 [0-9a-f]{64}, manifest says/,
      );
      expect(result.stderr).toMatch(/nothing was restored/);
      expect(existsSync(path.join(target, 'pgdata'))).toBe(false);
    });

    it('without keys, refuses up front; with the checkpoint public key it restores and warns about PII', async () => {
      const target = fresh('no-keys');
      const refused = await run(['restore', '--in', backupFile], { DATA_DIR: target });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /no key to check them is available.*--public-key <vkey>.*Nothing was restored/s,
      );
      expect(existsSync(path.join(target, 'pgdata'))).toBe(false);
      const result = await run(['restore', '--in', backupFile, '--public-key', seeded.vkey], {
        DATA_DIR: target,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ valid: true, checkpoints: 1 });
      expect(result.stderr).toMatch(/WARNING: no encryption key/);
      expect(existsSync(path.join(target, 'keys'))).toBe(false); // restore generated no key
    });

    it('--include-keys carries DATA_DIR/keys; restore puts them back (0600) and needs nothing else', async () => {
      const withKeys = path.join(root, 'with-keys.tar');
      const backup = await run(['backup', '--out', withKeys, '--include-keys'], { DATA_DIR: source });
      expect(backup.code, backup.stderr).toBe(0);
      expect(backup.stderr).toMatch(/WARNING: this backup CONTAINS secret keys/);
      expect(manifestOf(backup).keys.map((k) => k.name)).toEqual([
        'keys/encryption.key',
        'keys/jwt-signing-key.pem',
      ]);
      const target = fresh('from-keys');
      const result = await run(['restore', '--in', withKeys], { DATA_DIR: target });
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ valid: true, checkpoints: 1 });
      for (const name of ['encryption.key', 'jwt-signing-key.pem']) {
        const file = path.join(target, 'keys', name);
        expect(readFileSync(file)).toEqual(readFileSync(path.join(source, 'keys', name)));
        expect(statSync(file).mode & 0o777).toBe(0o600);
      }
      expect(result.stderr).toMatch(/reads every restored user and secret/);
    });

    it('migrates a backup of an older schema forward, then verifies', async () => {
      const down = await run(['migrate', 'down'], { DATA_DIR: source });
      expect(down.code, down.stderr).toBe(0);
      const older = path.join(root, 'older.tar');
      const backup = await run(['backup', '--out', older], { DATA_DIR: source });
      expect(backup.code, backup.stderr).toBe(0);
      const previous = Object.keys(migrations).sort().at(-2);
      expect(manifestOf(backup).migration).toBe(previous);
      const target = fresh('older');
      cpSync(path.join(source, 'keys'), path.join(target, 'keys'), { recursive: true });
      const result = await run(['restore', '--in', older], { DATA_DIR: target });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain(`applied migration ${LATEST_MIGRATION}`);
      expect(JSON.parse(result.stdout)).toMatchObject({ valid: true });
    });
  });

if (TEST_DB_MODE === 'postgres')
  describe('ledgerbase backup/restore (PostgreSQL)', { timeout: 180_000 }, () => {
    const root = mkdtempSync(path.join(tmpdir(), 'lb-backup-pg-'));
    const dataDir = path.join(root, 'data'); // the keys the seeding app generated
    const backupFile = path.join(root, 'backup.tar');
    const created: string[] = [];
    let source: TestDatabase;
    let expected: Record<string, unknown[]>;
    let manifest: BackupManifest;

    /** An empty database (not the migrated template): what an operator creates to restore into. */
    async function emptyDatabase(): Promise<string> {
      const name = uniqueName('lb_restore');
      await adminQuery(`CREATE DATABASE ${name}`);
      created.push(name);
      return withDatabase(process.env.DATABASE_URL!, name);
    }
    const env = (url: string) => ({ DATA_DIR: dataDir, DATABASE_URL: url });

    beforeAll(async () => {
      source = await createTestDatabase();
      await seed({ ...source.handle, close: async () => {} }, dataDir);
      expected = await contents(source.handle.db);
    });
    afterAll(async () => {
      if (timings.length) process.stderr.write(`backup/restore timings (postgres): ${timings.join('; ')}\n`);
      await source.drop();
      for (const name of created) await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      rmSync(root, { recursive: true, force: true });
    });

    it('pg_dump: one tar file with the custom-format dump, its SHA-256 and the snapshot facts', async () => {
      const result = timed('backup', await run(['backup', '--out', backupFile], env(source.url!)));
      expect(result.code, result.stderr).toBe(0);
      manifest = manifestOf(result);
      const entries = expected.audit_log!.length;
      expect(manifest).toMatchObject({
        mode: 'postgres',
        migration: LATEST_MIGRATION,
        database: {
          serverVersion: expect.stringMatching(/^15\./),
          tool: expect.stringMatching(/^pg_dump 15\./),
        },
        audit: { entries, checkpoint: { treeSize: entries - 2 } },
        archive: { name: 'database.dump', format: 'pg_dump-custom' },
        keys: [],
      });
      const member = (await listMembers(backupFile)).find((m) => m.name === 'database.dump')!;
      const dump = await readMember(backupFile, member);
      expect(dump.subarray(0, 5).toString()).toBe('PGDMP'); // pg_dump's custom format
      expect(sha256(dump)).toBe(manifest.archive.sha256);
      expect(result.stderr).toMatch(/WARNING: this backup does NOT contain the keys/);
      const withKeys = await run(['backup', '--out', `${backupFile}.2`, '--include-keys'], env(source.url!));
      expect(withKeys.code).toBe(1);
      expect(withKeys.stderr).toMatch(/--include-keys is for embedded mode/);
    });

    it('pg_restore into an empty database: every row equal, then migrated and verified', async () => {
      const url = await emptyDatabase();
      const result = timed('restore', await run(['restore', '--in', backupFile], env(url)));
      expect(result.code, result.stderr).toBe(0);
      const entries = manifest.audit.entries;
      expect(JSON.parse(result.stdout)).toEqual({
        valid: true,
        checked: entries,
        checkpoints: 1,
        treeSize: entries,
      });
      expect(result.stderr).toMatch(/checksum ok: database\.dump/);
      expect(result.stderr).toMatch(/reads every restored user and secret/);
      const restored = await openDatabase({ databaseUrl: url, embeddedDir: undefined, poolMax: 1 });
      try {
        expect(await contents(restored.db)).toEqual(expected);
      } finally {
        await restored.close();
      }
    });

    it('refuses a database that already has Ledgerbase tables', async () => {
      const occupied = await createTestDatabase(); // a clone of the migrated template
      try {
        const result = await run(['restore', '--in', backupFile], env(occupied.url!));
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(/already has Ledgerbase tables \(resources, kysely_migration\)/);
      } finally {
        await occupied.drop();
      }
    });

    it('refuses a backup with one changed byte (checksum), leaving the database empty', async () => {
      const tampered = path.join(root, 'tampered.tar');
      await tamper(backupFile, tampered, 'database.dump');
      const url = await emptyDatabase();
      const result = await run(['restore', '--in', tampered], env(url));
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/checksum mismatch for database\.dump/);
      const target = await openDatabase({ databaseUrl: url, embeddedDir: undefined, poolMax: 1 });
      try {
        const { rows } = await sql<{ n: string }>`
          SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'`.execute(
          target.db,
        );
        expect(Number(rows[0]!.n)).toBe(0);
      } finally {
        await target.close();
      }
    });

    it('a backup taken while the API writes describes exactly its own snapshot', async () => {
      const config = loadConfig({
        DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
        RATE_LIMIT_ENABLED: 'false',
        WEB_DIST_DIR: path.join(dataDir, 'no-web'),
      });
      const container = await buildContainer(config, {
        database: { ...source.handle, close: async () => {} },
      });
      const app = await buildApp(container);
      await app.ready();
      const call = as(app, await registerAndLogin(app));
      let writing = true;
      let writes = 0;
      const load = (async () => {
        while (writing) {
          await createResource(call, { name: `busy ${writes}` });
          writes++;
        }
      })();
      const busyFile = path.join(root, 'busy.tar');
      const backup = await run(['backup', '--out', busyFile], env(source.url!));
      writing = false;
      await load;
      await app.close();
      await container.close();
      expect(backup.code, backup.stderr).toBe(0);
      expect(writes).toBeGreaterThan(0);
      const busy = manifestOf(backup);
      const total = Number(
        (await sql<{ n: string }>`SELECT count(*) AS n FROM audit_log`.execute(source.handle.db)).rows[0]!.n,
      );
      expect(busy.audit.entries).toBeLessThan(total); // writes went on after the snapshot
      // restore compares the restored log with the manifest and fails on any difference.
      const result = await run(['restore', '--in', busyFile], env(await emptyDatabase()));
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ valid: true, checked: busy.audit.entries });
    });

    it('names pg_dump when it is not on PATH', async () => {
      const result = await run(['backup', '--out', path.join(root, 'none.tar')], {
        ...env(source.url!),
        PATH: path.join(root, 'no-tools'),
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/pg_dump was not found on PATH: install the PostgreSQL client tools/);
      expect(existsSync(path.join(root, 'none.tar'))).toBe(false);
    });
  });
