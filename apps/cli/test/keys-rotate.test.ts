import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createKeyRing, secretContext } from '@ledgerbase/core';
import { sql } from '@ledgerbase/db';
import { ConfigError, loadConfig } from '@ledgerbase/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_DB_MODE, type TestDatabase } from '../../../test/database.ts';
import { buildApp } from '../../api/src/app.ts';
import { buildContainer } from '../../api/src/container.ts';
import { login, PASSWORD, uniqueEmail } from '../../api/test/helpers.ts';
import { rotateEncryptionKeys } from '../src/commands/keys.ts';

const keyA = randomBytes(32);
const keyB = randomBytes(32);
const idA = createKeyRing(keyA).activeKeyId;
const idB = createKeyRing(keyB).activeKeyId;

describe('ledgerbase keys rotate', () => {
  let database: TestDatabase;
  let dataDir: string;
  const adminEmail = uniqueEmail();
  /** email → name of everyone who must keep signing in. */
  const people = new Map<string, string>([[adminEmail, 'Administrator']]);
  const emails = () => [...people.keys()].filter((email) => email !== adminEmail);

  /** One API "process" on the shared database, as an operator would (re)start it with this env. */
  async function start(env: Record<string, string>) {
    const config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      RATE_LIMIT_ENABLED: 'false',
      WEB_DIST_DIR: path.join(dataDir, 'no-web'),
      ADMIN_EMAIL: adminEmail,
      ADMIN_PASSWORD: PASSWORD,
      ...env,
    });
    const container = await buildContainer(config, {
      database: { ...database.handle, close: async () => {} },
    });
    const app = await buildApp(container);
    await app.ready();
    return {
      app,
      container,
      async close() {
        await app.close();
        await container.close();
      },
    };
  }

  const keyIdsInTable = async () =>
    (
      await sql<{ key_id: string }>`
        SELECT DISTINCT split_part(email_encrypted, '.', 2) AS key_id FROM users
        UNION SELECT DISTINCT split_part(name_encrypted, '.', 2) FROM users`.execute(database.handle.db)
    ).rows
      .map((r) => r.key_id)
      .sort();

  const secretKeyIds = async () =>
    (
      await sql<{
        key_id: string;
      }>`SELECT DISTINCT split_part(secret, '.', 2) AS key_id FROM webhooks`.execute(database.handle.db)
    ).rows.map((r) => r.key_id);

  async function everyoneLogsIn(app: Awaited<ReturnType<typeof start>>['app']) {
    for (const [email, name] of people) {
      const session = await login(app, email);
      const me = await app.inject({
        method: 'GET',
        url: '/api/v1/users/me',
        headers: { authorization: `Bearer ${session.token}` },
      });
      expect(me.json()).toMatchObject({ id: session.userId, email, name });
    }
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(path.join(tmpdir(), 'lb-rotate-'));
  });
  afterAll(async () => {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('re-encrypts every user under the new key in batches while the API keeps serving', async () => {
    // 1. Users created under key A.
    const a = await start({ ENCRYPTION_KEY: keyA.toString('base64'), WEBHOOK_ALLOW_PRIVATE: 'true' });
    for (let i = 0; i < 5; i++) {
      const email = uniqueEmail();
      people.set(email, `Person ${i}`);
      const response = await a.app.inject({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { email, password: PASSWORD, name: `Person ${i}` },
      });
      expect(response.statusCode).toBe(201);
    }
    // A webhook whose signing secret is encrypted under A too.
    const owner = await login(a.app, adminEmail);
    const hook = await a.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks',
      headers: { authorization: `Bearer ${owner.token}` },
      payload: { url: 'http://127.0.0.1:9/hook', events: ['resource.created'] },
    });
    expect(hook.statusCode).toBe(201);
    const webhookSecret: string = hook.json().secret;
    await a.close();
    expect(await keyIdsInTable()).toEqual([idA]);
    expect(await secretKeyIds()).toEqual([idA]);

    // 2. Dropping key A before rotating would lock those users out: start-up refuses, naming the variable.
    const refused = start({ ENCRYPTION_KEY: keyB.toString('hex') });
    await expect(refused).rejects.toThrowError(ConfigError);
    await expect(refused).rejects.toThrowError(
      /^Invalid configuration: ENCRYPTION_KEYS_PREVIOUS lacks the key/,
    );

    // 3. Restart with B active and A previous: everyone signs in; new rows are written under B.
    const b = await start({
      ENCRYPTION_KEY: keyB.toString('hex'),
      ENCRYPTION_KEYS_PREVIOUS: keyA.toString('base64'),
    });
    await everyoneLogsIn(b.app);
    const late = uniqueEmail();
    const registered = await b.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email: late, password: PASSWORD, name: 'Late Comer' },
    });
    expect(registered.statusCode).toBe(201);
    // A duplicate of an address still indexed under A is caught although B's index differs.
    const duplicate = await b.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email: emails()[0], password: PASSWORD, name: 'Copycat' },
    });
    expect(duplicate.statusCode).toBe(409);
    people.set(late, 'Late Comer');
    expect(await keyIdsInTable()).toEqual([idA, idB].sort());

    // 4. Rotate (the CLI command's core) while logins keep going on the running API.
    const lines: string[] = [];
    const [result] = await Promise.all([
      rotateEncryptionKeys(database.handle.db, b.container.users, {
        batchSize: 2,
        log: (l) => lines.push(l),
      }),
      everyoneLogsIn(b.app),
    ]);
    // Five users and the admin were under A; the late comer was already under B.
    expect(result).toEqual({
      rewritten: 6,
      batches: 3,
      remaining: 0,
      total: 6,
      webhookSecrets: { rewritten: 1, remaining: 0 },
    });
    expect(lines[0]).toBe(`active key ${idB}; older keys ${idA}`);
    expect(lines.filter((l) => /^batch \d: 2 users re-encrypted \(\d\/6\)$/.test(l))).toHaveLength(3);
    expect(lines.at(-2)).toMatch(
      /^rotated 6 of 6 users in 3 batches; every user is now under the active key/,
    );
    expect(lines.at(-1)).toBe('re-encrypted 1 webhook signing secrets');
    expect(await keyIdsInTable()).toEqual([idB]);
    expect(await secretKeyIds()).toEqual([idB]);
    const again = await rotateEncryptionKeys(database.handle.db, b.container.users, { log: () => {} });
    expect(again).toEqual({
      rewritten: 0,
      batches: 0,
      remaining: 0,
      total: 0,
      webhookSecrets: { rewritten: 0, remaining: 0 },
    });
    await b.close();

    // 5. Key A retired: a server with only B still signs everyone in and can sign deliveries.
    const onlyB = await start({ ENCRYPTION_KEY: keyB.toString('base64url') });
    try {
      await everyoneLogsIn(onlyB.app);
      const [stored] = (
        await sql<{ id: string; secret: string }>`SELECT id, secret FROM webhooks`.execute(database.handle.db)
      ).rows;
      const ringB = createKeyRing(keyB);
      expect(ringB.decrypt(stored!.secret, secretContext(stored!.id))).toBe(webhookSecret);
      const dup = await onlyB.app.inject({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: { email: emails()[1]!.toUpperCase(), password: PASSWORD, name: 'Copycat' },
      });
      expect(dup.statusCode).toBe(409);
    } finally {
      await onlyB.close();
    }
  });
});

// One embedded database on disk, driven by the real CLI binary: the PGlite project runs it.
if (TEST_DB_MODE === 'pglite')
  describe('ledgerbase keys rotate (the command)', () => {
    it('rotates from the generated embedded key to ENCRYPTION_KEY and prints a summary', async () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), 'lb-rotate-cli-'));
      const bin = path.resolve(import.meta.dirname, '../bin/ledgerbase.mjs');
      const run = (args: string[], env: Record<string, string> = {}) =>
        promisify(execFile)(process.execPath, [bin, ...args], {
          env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, DATABASE_URL: '', ...env },
        });
      try {
        const email = uniqueEmail();
        await run(['users', 'create-admin', '--email', email, '--password', PASSWORD]);
        const generated = readFileSync(path.join(dataDir, 'keys', 'encryption.key'), 'utf8').trim();
        const rotated = await run(['keys', 'rotate', '--batch-size', '10'], {
          ENCRYPTION_KEY: keyB.toString('hex'),
          ENCRYPTION_KEYS_PREVIOUS: generated,
        });
        expect(rotated.stdout).toContain(
          `active key ${idB}; older keys ${createKeyRing(Buffer.from(generated, 'base64')).activeKeyId}`,
        );
        expect(rotated.stdout).toContain('batch 1: 1 users re-encrypted (1/1)');
        expect(rotated.stdout).toContain('rotated 1 of 1 users in 1 batches');
        expect(rotated.stdout).not.toContain(email);
        const usage = run(['keys', 'spin']);
        await expect(usage).rejects.toMatchObject({ code: 1 });
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    }, 60_000);
  });
