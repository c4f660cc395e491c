import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { hashPassword } from '@ledgerbase/core/auth/password';
import { type Db, sql } from '@ledgerbase/db';
import { loadConfig, REDACTED_PATHS } from '@ledgerbase/platform';
import pino from 'pino';
import { uuidv7 } from 'uuidv7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/database.ts';
import { buildApp } from '../src/app.ts';
import { buildContainer } from '../src/container.ts';
import { patchUser } from './access-helpers.ts';
import {
  as,
  createTestApp,
  expectError,
  login,
  PASSWORD,
  registerAndLogin,
  type TestApp,
  uniqueEmail,
  withRole,
} from './helpers.ts';

const CIPHERTEXT = /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/;
const uniqueName = () => `Quentin Zephyrine ${Math.random().toString(36).slice(2, 10)}`;

/** Every row of every table in the schema, as text: nothing we store may contain the needles. */
async function dumpAllTables(db: Db): Promise<string> {
  const { rows: tables } = await sql<{ table_name: string }>`
    SELECT table_name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`.execute(db);
  const dumps: string[] = [];
  for (const { table_name } of tables) {
    const { rows } = await sql`SELECT * FROM ${sql.table(table_name)}`.execute(db);
    dumps.push(JSON.stringify(rows));
  }
  return dumps.join('\n').toLowerCase();
}

async function register(t: TestApp, email: string, name: string) {
  return t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email, password: PASSWORD, name },
  });
}

describe('PII encryption at rest', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('stores no plaintext email or name: SELECT * FROM users shows only ciphertexts and blind indexes', async () => {
    const people = Array.from({ length: 3 }, () => ({ email: uniqueEmail(), name: uniqueName() }));
    for (const person of people) expect((await register(t, person.email, person.name)).statusCode).toBe(201);

    const { rows } = await sql<Record<string, unknown>>`SELECT * FROM users`.execute(t.container.database.db);
    expect(rows.length).toBeGreaterThanOrEqual(people.length);
    for (const row of rows) {
      expect(row.email).toBeNull();
      expect(row.name).toBeNull();
      expect(row.email_encrypted).toMatch(CIPHERTEXT);
      expect(row.name_encrypted).toMatch(CIPHERTEXT);
      expect(row.email_index).toMatch(/^[A-Za-z0-9_-]{43}$/);
      for (const person of people) {
        for (const value of Object.values(row)) {
          const text = String(value instanceof Date ? value.toISOString() : value).toLowerCase();
          expect(text).not.toContain(person.email);
          expect(text).not.toContain(person.email.split('@')[0]);
          expect(text).not.toContain(person.name.toLowerCase());
        }
      }
    }
    // Nowhere else either (refresh tokens, audit, grants, ...).
    const everything = await dumpAllTables(t.container.database.db);
    for (const person of people) {
      expect(everything).not.toContain(person.email);
      expect(everything).not.toContain(person.name.toLowerCase());
    }
  });

  it('keeps register, login, /users/me and the admin user APIs working on decrypted values', async () => {
    const email = uniqueEmail();
    const name = uniqueName();
    expect((await register(t, email, name)).json().user).toMatchObject({ email, name });
    // The unique blind index turns a duplicate (after normalization) into 409, without echoing it.
    const duplicate = await register(t, `  ${email.toUpperCase()} `, 'Someone Else');
    expectError(duplicate, 409, 'CONFLICT');
    expect(duplicate.body.toLowerCase()).not.toContain(email);

    const session = await login(t.app, email.toUpperCase());
    const me = await as(t.app, session)({ method: 'GET', url: '/api/v1/users/me' });
    expect(me.json()).toMatchObject({ id: session.userId, email, name });
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: 'not the password at all' },
    });
    expectError(wrong, 401, 'UNAUTHENTICATED');
    expect(wrong.body.toLowerCase()).not.toContain(email);

    const admin = await withRole(t, await registerAndLogin(t.app), 'admin');
    const seen: Array<{ id: string; email: string; name: string }> = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
      const page = await as(t.app, admin)({ method: 'GET', url: `/api/v1/users${query}` });
      expect(page.statusCode).toBe(200);
      seen.push(...page.json().data);
      cursor = page.json().nextCursor;
    } while (cursor);
    expect(seen.find((u) => u.id === session.userId)).toMatchObject({ email, name });
    const patched = await patchUser(as(t.app, admin), session.userId, { role: 'viewer' });
    expect(patched.json()).toMatchObject({ id: session.userId, email, name, role: 'viewer' });
  });
});

describe('PII never reaches the logs', () => {
  it('logs no email or name through registration, duplicates, failed logins and errors', async () => {
    let output = '';
    const sink = new Writable({
      write(chunk, _encoding, done) {
        output += chunk.toString();
        done();
      },
    });
    // The production logger's redaction, at the most verbose level, into a buffer.
    const logger = pino({ level: 'trace', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'lb-pii-log-'));
    const database = await createTestDatabase();
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'trace', RATE_LIMIT_ENABLED: 'false' });
    const container = await buildContainer(config, { database: database.handle, logger });
    const app = await buildApp(container);
    try {
      const email = uniqueEmail();
      const name = uniqueName();
      const payload = { email, password: PASSWORD, name };
      await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload });
      await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload });
      await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email, password: 'wrong wrong wrong' },
      });
      await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: PASSWORD } });
      await app.inject({ method: 'POST', url: '/api/v1/auth/register', payload: { ...payload, email: 'x' } });
      expect(output).toContain('request completed');
      expect(output.toLowerCase()).not.toContain(email);
      expect(output).not.toContain(name);
    } finally {
      await app.close();
      await container.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('backfill of rows an older version stored in plaintext', () => {
  let database: TestDatabase;
  let dataDir: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(path.join(tmpdir(), 'lb-pii-backfill-'));
  });
  afterAll(async () => {
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('encrypts them at start-up, clears the plaintext, and the users can still sign in', async () => {
    const db = database.handle.db;
    const legacy = Array.from({ length: 3 }, () => ({
      id: uuidv7(),
      email: uniqueEmail(),
      name: uniqueName(),
    }));
    const passwordHash = await hashPassword(PASSWORD);
    const now = new Date();
    for (const user of legacy) {
      // What a version before 20261126000007_users_pii wrote (no encrypted columns).
      await sql`
        INSERT INTO users (id, email, name, password_hash, role, created_at, updated_at)
        VALUES (${user.id}, ${user.email}, ${user.name}, ${passwordHash}, 'member', ${now}, ${now})`.execute(
        db,
      );
    }
    const before = await sql<{ email: string | null }>`SELECT email FROM users`.execute(db);
    expect(before.rows.map((r) => r.email)).toEqual(expect.arrayContaining(legacy.map((u) => u.email)));

    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', RATE_LIMIT_ENABLED: 'false' });
    // The test owns the database: the container's close must not end it.
    const container = await buildContainer(config, {
      database: { ...database.handle, close: async () => {} },
    });
    const app = await buildApp(container);
    try {
      const { rows } = await sql<Record<string, unknown>>`SELECT * FROM users`.execute(db);
      const dump = JSON.stringify(rows).toLowerCase();
      for (const user of legacy) {
        expect(dump).not.toContain(user.email);
        expect(dump).not.toContain(user.name.toLowerCase());
      }
      for (const row of rows) {
        expect(row).toMatchObject({ email: null, name: null });
        expect(row.email_encrypted).toMatch(CIPHERTEXT);
      }
      for (const user of legacy) {
        const session = await login(app, user.email);
        expect(session.userId).toBe(user.id);
        const me = await as(app, session)({ method: 'GET', url: '/api/v1/users/me' });
        expect(me.json()).toMatchObject({ id: user.id, email: user.email, name: user.name });
      }
      // The unique blind index now covers the backfilled addresses too.
      expectError(await register({ app } as TestApp, legacy[0]!.email, 'Copycat'), 409, 'CONFLICT');
    } finally {
      await app.close();
      await container.close();
    }
  });
});
