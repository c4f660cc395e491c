import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sealAuditLog } from '@ledgerbase/core';
import { type DatabaseHandle, openDatabase } from '@ledgerbase/db';
import { loadConfig } from '@ledgerbase/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_DB_MODE, type TestDatabase } from '../../../test/database.ts';
import { buildApp } from '../../api/src/app.ts';
import { buildContainer } from '../../api/src/container.ts';
import { as, createResource, registerAndLogin } from '../../api/test/helpers.ts';

const bin = path.resolve(import.meta.dirname, '../bin/ledgerbase.mjs');

type Run = { code: number; stdout: string; stderr: string };

/**
 * `ledgerbase audit verify|export` as an operator runs them, against a database the API wrote: on
 * PostgreSQL the test database, embedded a PGlite directory (closed first: one process at a time).
 */
describe('ledgerbase audit', { timeout: 120_000 }, () => {
  let dataDir: string;
  let database: TestDatabase | undefined;
  let env: Record<string, string>;
  let note: string;
  let vkey: string;

  const run = async (args: string[]): Promise<Run> => {
    try {
      const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, 'audit', ...args], {
        env,
        maxBuffer: 64 * 1024 * 1024,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
    }
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'lb-audit-cli-'));
    let handle: DatabaseHandle;
    if (TEST_DB_MODE === 'postgres') {
      database = await createTestDatabase();
      handle = { ...database.handle, close: async () => {} };
    } else {
      handle = await openDatabase({ databaseUrl: undefined, embeddedDir: dataDir });
    }
    const config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      RATE_LIMIT_ENABLED: 'false',
      WEB_DIST_DIR: path.join(dataDir, 'no-web'),
    });
    const container = await buildContainer(config, { database: handle });
    const app = await buildApp(container);
    await app.ready();
    const call = as(app, await registerAndLogin(app));
    for (let i = 0; i < 3; i++) {
      const { id } = await createResource(call, { name: `r${i}`, metadata: { i } });
      await call({ method: 'PUT', url: `/api/v1/resources/${id}`, payload: { name: `r${i} again` } });
    }
    note = (await sealAuditLog(container.auditJobDeps, { marginMs: 0 }))!.note;
    vkey = container.auditKeys.signer.vkey;
    await app.close();
    await container.close();
    env = {
      PATH: process.env.PATH ?? '',
      DATA_DIR: dataDir,
      DATABASE_URL: database?.url ?? '',
      LOG_LEVEL: 'silent',
    };
  });
  afterAll(async () => {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('verify reads the database and reports on stdout, with a progress bar on stderr', async () => {
    const result = await run(['verify']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ valid: true, checked: 6, checkpoints: 1, treeSize: 6 });
    expect(result.stderr).toMatch(/verifying \[#+\] 100\.0% 6\/6/);
    expect(result.stderr).toMatch(/audit log valid: 6 entries, 1 checkpoints/);
  });

  it('export streams NDJSON that verifies offline with only the public key', async () => {
    const exported = await run(['export']);
    expect(exported.code, exported.stderr).toBe(0);
    const lines = exported.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines[0]).toMatchObject({ format: 'ledgerbase-audit-export', version: 1, base: { treeSize: 0 } });
    expect(lines[1]).toMatchObject({ checkpoint: { treeSize: 6 } });
    expect(lines.slice(2, -1).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Object.keys(lines[2]).sort()).toEqual(
      [
        'action',
        'actorId',
        'actorType',
        'changes',
        'createdAt',
        'hash',
        'id',
        'prevHash',
        'requestId',
        'resourceId',
        'seq',
        'traceId',
        'version',
      ].sort(),
    );
    expect(lines.at(-1)).toEqual({ end: { entries: 6 } });
    const file = path.join(dataDir, 'export.ndjson');
    writeFileSync(file, exported.stdout);
    const verified = await run(['verify', '--file', file, '--public-key', vkey]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ valid: true, checked: 6, checkpoints: 1 });
  });

  it('an edited export fails and names the entry', async () => {
    const lines = readFileSync(path.join(dataDir, 'export.ndjson'), 'utf8').trimEnd().split('\n');
    const entry = JSON.parse(lines[4]!);
    entry.changes = [];
    lines[4] = JSON.stringify(entry);
    const file = path.join(dataDir, 'edited.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const result = await run(['verify', '--file', file, '--public-key', vkey]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).firstInvalid).toMatchObject({
      id: entry.id,
      seq: entry.seq,
      reason: /hash/,
    });
  });

  it('a truncated export with its checkpoint removed passes alone, and fails against a checkpoint kept elsewhere', async () => {
    const lines = readFileSync(path.join(dataDir, 'export.ndjson'), 'utf8').trimEnd().split('\n');
    const truncated = [lines[0], ...lines.slice(2, -2), JSON.stringify({ end: { entries: 5 } })];
    const file = path.join(dataDir, 'truncated.ndjson');
    writeFileSync(file, `${truncated.join('\n')}\n`);
    const alone = await run(['verify', '--file', file, '--public-key', vkey]);
    expect(JSON.parse(alone.stdout)).toMatchObject({ valid: true, checked: 5 });
    const kept = path.join(dataDir, 'checkpoint.txt');
    writeFileSync(kept, note);
    const checked = await run(['verify', '--file', file, '--public-key', vkey, '--checkpoint', kept]);
    expect(checked.code).toBe(1);
    expect(JSON.parse(checked.stdout).firstInvalid.reason).toMatch(
      /log ends at tree size 5, but a signed checkpoint \(external checkpoint 1\) covers 6 entries/,
    );
    const database = await run(['verify', '--checkpoint', kept]);
    expect(JSON.parse(database.stdout)).toMatchObject({ valid: true, checkpoints: 2 });
  });

  it('refuses to verify a filtered export, and explains its usage', async () => {
    const filtered = await run(['export', '--since', '2000-01-01T00:00:00Z']);
    expect(filtered.code, filtered.stderr).toBe(0);
    const file = path.join(dataDir, 'filtered.ndjson');
    writeFileSync(file, filtered.stdout);
    const result = await run(['verify', '--file', file, '--public-key', vkey]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/filtered/);
    const usage = await run(['frobnicate']);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toMatch(/ledgerbase audit verify/);
  });
});
