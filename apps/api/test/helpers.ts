import { type KeyObject, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { UserRole } from '@ledgerbase/db';
import { loadConfig } from '@ledgerbase/platform';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/database.ts';
import { buildApp } from '../src/app.ts';
import { buildContainer, type Container } from '../src/container.ts';

/** The API's base path and its busiest collection, shared by every route suite. */
export const API = '/api/v1';
export const RESOURCES = `${API}/resources`;

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

export async function login(app: FastifyInstance, email: string, password = PASSWORD): Promise<Session> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password },
  });
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.body}`);
  const body = response.json();
  return { token: body.accessToken, refreshToken: body.refreshToken, userId: body.user.id, email };
}

export async function registerAndLogin(app: FastifyInstance, email = uniqueEmail()): Promise<Session> {
  const registered = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email, password: PASSWORD, name: 'Test User' },
  });
  if (registered.statusCode !== 201) throw new Error(`register failed: ${registered.body}`);
  return login(app, email);
}

/** Roles are admin-managed; tests set them in the database, then sign in again for a token with the role. */
export async function withRole(t: TestApp, session: Session, role: UserRole): Promise<Session> {
  await t.container.database.db.updateTable('users').set({ role }).where('id', '=', session.userId).execute();
  // The SQL above bypasses the service that would tell the credential cache.
  t.container.credentials.invalidateUser(session.userId);
  return login(t.app, session.email);
}

export type Call = (options: InjectOptions) => Promise<LightMyRequestResponse>;

/** inject() with a bearer token. */
export function as(app: FastifyInstance, session: Session): Call {
  return (options: InjectOptions): Promise<LightMyRequestResponse> =>
    app.inject({
      ...options,
      headers: { authorization: `Bearer ${session.token}`, ...(options.headers ?? {}) },
    });
}

export type ResourceJson = {
  id: string;
  name: string;
  metadata: Record<string, unknown>;
  ownerId: string;
  version: number;
  createdAt: string;
  updatedAt: string;
};

export async function createResource(
  call: Call,
  payload: Record<string, unknown> = { name: 'thing' },
): Promise<ResourceJson> {
  const response = await call({ method: 'POST', url: '/api/v1/resources', payload });
  if (response.statusCode !== 201) throw new Error(`create failed: ${response.statusCode} ${response.body}`);
  return response.json();
}

export function expectErrorShape(body: unknown, code: string): void {
  const error = (body as { error?: { code?: unknown; message?: unknown } }).error;
  if (!error || error.code !== code || typeof error.message !== 'string') {
    throw new Error(`expected error ${code}, got ${JSON.stringify(body)}`);
  }
}

/**
 * The contract's error body, exactly: `{error: {code, message, details?}}` and nothing else, as JSON,
 * with the request id header and no trace of internals.
 */
export function expectError(response: LightMyRequestResponse, status: number, code: string) {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(response.headers['x-request-id']).toBeTruthy();
  const body = response.json();
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(
    'details' in body.error ? ['code', 'details', 'message'] : ['code', 'message'],
  );
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(response.body).not.toMatch(/\bat .*\(|node_modules|\.ts:\d|SELECT|INSERT|stack/i);
  return body.error as { code: string; message: string; details?: Record<string, unknown> };
}

/** The `details.issues` of a 400, each `{path, message}`. */
export function expectValidation(response: LightMyRequestResponse) {
  const error = expectError(response, 400, 'VALIDATION_FAILED');
  const issues = error.details?.issues as Array<{ path: unknown; message: unknown }>;
  expect(Array.isArray(issues) && issues.length > 0, response.body).toBe(true);
  for (const issue of issues) {
    expect(Object.keys(issue).sort()).toEqual(['message', 'path']);
    expect(typeof issue.path).toBe('string');
    expect(typeof issue.message).toBe('string');
  }
  return issues as Array<{ path: string; message: string }>;
}

export async function auditRows(t: TestApp, resourceId: string) {
  return t.container.database.db
    .selectFrom('audit_log')
    .selectAll()
    .where('resource_id', '=', resourceId)
    .orderBy('version')
    .execute();
}

/** A compact JWS signed with any key, so tests can forge tokens the way an attacker would. */
export function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject) {
  const encode = (part: unknown) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const input = `${encode(header)}.${encode(payload)}`;
  const ec = key.asymmetricKeyType === 'ec';
  const signature = sign(ec ? 'sha256' : null, Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

export const decodeJwtPart = (token: string, index: 0 | 1): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[index]!, 'base64url').toString('utf8'));

const unescapePointer = (segment: string) => segment.replace(/~1/g, '/').replace(/~0/g, '~');

function defineOwn(target: Record<string, unknown>, key: string, value: unknown) {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * A small RFC 6902 applier (add, remove, replace, move, copy, test) that treats `__proto__` and
 * friends as data, so tests can check that the audit's patches really rebuild the document.
 */
export function applyJsonPatch(document: unknown, operations: Array<Record<string, unknown>>): unknown {
  let root = structuredClone(document);
  const parentOf = (pointer: string): [Record<string, unknown> | unknown[], string] => {
    const segments = pointer.split('/').slice(1).map(unescapePointer);
    const last = segments.pop()!;
    let node = root as Record<string, unknown>;
    for (const segment of segments) node = node[segment] as Record<string, unknown>;
    if (typeof node !== 'object' || node === null) throw new Error(`no parent for ${pointer}`);
    return [node, last];
  };
  const get = (pointer: string): unknown => {
    if (pointer === '') return root;
    const [parent, key] = parentOf(pointer);
    if (!Object.hasOwn(parent, key)) throw new Error(`nothing at ${pointer}`);
    return (parent as Record<string, unknown>)[key];
  };
  const remove = (pointer: string) => {
    const [parent, key] = parentOf(pointer);
    if (!Object.hasOwn(parent, key)) throw new Error(`cannot remove ${pointer}`);
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  };
  const add = (pointer: string, value: unknown) => {
    if (pointer === '') {
      root = value;
      return;
    }
    const [parent, key] = parentOf(pointer);
    if (Array.isArray(parent)) parent.splice(key === '-' ? parent.length : Number(key), 0, value);
    else defineOwn(parent, key, value);
  };
  for (const op of operations) {
    const pointer = op.path as string;
    const value = structuredClone(op.value);
    switch (op.op) {
      case 'add':
        add(pointer, value);
        break;
      case 'remove':
        remove(pointer);
        break;
      case 'replace':
        remove(pointer);
        add(pointer, value);
        break;
      case 'move': {
        const moved = get(op.from as string);
        remove(op.from as string);
        add(pointer, moved);
        break;
      }
      case 'copy':
        add(pointer, structuredClone(get(op.from as string)));
        break;
      case 'test':
        expect(get(pointer)).toEqual(value);
        break;
      default:
        throw new Error(`unknown op ${String(op.op)}`);
    }
  }
  return root;
}
