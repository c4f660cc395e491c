import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '@ledgerbase/platform';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { createTestDatabase, type TestDatabase } from '../../../test/database.ts';
import { buildApp } from '../src/app.ts';
import { buildContainer, type Container } from '../src/container.ts';

export type TestApp = {
  app: FastifyInstance;
  container: Container;
  database: TestDatabase;
  close(): Promise<void>;
};

/** The real app on a throwaway database; extra env overrides config like an operator would. */
export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'lb-test-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_ENABLED: 'false',
    WEB_DIST_DIR: path.join(dataDir, 'no-web'),
    ...env,
  });
  const database = await createTestDatabase();
  const container = await buildContainer(config, { database: database.handle });
  const app = await buildApp(container);
  await app.ready();
  return {
    app,
    container,
    database,
    async close() {
      await app.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let counter = 0;
export const uniqueEmail = () =>
  `user${Date.now()}_${counter++}_${Math.random().toString(36).slice(2, 8)}@example.com`;
export const PASSWORD = 'correct horse battery staple';

export type Session = { token: string; refreshToken: string; userId: string; email: string };

export async function registerAndLogin(app: FastifyInstance, email = uniqueEmail()): Promise<Session> {
  const registered = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email, password: PASSWORD, name: 'Test User' },
  });
  if (registered.statusCode !== 201) throw new Error(`register failed: ${registered.body}`);
  const login = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password: PASSWORD },
  });
  const body = login.json();
  return { token: body.accessToken, refreshToken: body.refreshToken, userId: body.user.id, email };
}

/** inject() with a bearer token. */
export function as(app: FastifyInstance, session: Session) {
  return (options: InjectOptions): Promise<LightMyRequestResponse> =>
    app.inject({
      ...options,
      headers: { authorization: `Bearer ${session.token}`, ...(options.headers ?? {}) },
    });
}

export function expectErrorShape(body: unknown, code: string): void {
  const error = (body as { error?: { code?: unknown; message?: unknown } }).error;
  if (!error || error.code !== code || typeof error.message !== 'string') {
    throw new Error(`expected error ${code}, got ${JSON.stringify(body)}`);
  }
}
