import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import {
  API,
  as,
  type Call,
  createTestApp,
  login,
  PASSWORD,
  RESOURCES,
  type Session,
  type TestApp,
  uniqueEmail,
} from './helpers.ts';

export { API, RESOURCES };
export const MERGE_PATCH = { 'content-type': 'application/merge-patch+json' };
export const NEVER_EXISTED = '0190a000-0000-7000-8000-00000000dead';

/** inject() with any bearer credential (an API key, a forged token). */
export function bearer(app: FastifyInstance, credential: string): Call {
  return (options: InjectOptions): Promise<LightMyRequestResponse> =>
    app.inject({
      ...options,
      headers: { authorization: `Bearer ${credential}`, ...(options.headers ?? {}) },
    });
}

export type CreatedKey = {
  id: string;
  key: string;
  name: string;
  scopes: string[];
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
};

export async function createApiKey(
  call: Call,
  scopes: string[],
  extra: Record<string, unknown> = {},
): Promise<CreatedKey> {
  const response = await call({
    method: 'POST',
    url: `${API}/api-keys`,
    payload: { name: 'test key', scopes, ...extra },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

/** An app whose ADMIN_EMAIL/ADMIN_PASSWORD bootstrap made an admin; returns the admin's session. */
export async function createAppWithAdmin(
  env: Record<string, string> = {},
): Promise<{ t: TestApp; admin: Session }> {
  const adminEmail = uniqueEmail();
  const t = await createTestApp({ ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: PASSWORD, ...env });
  return { t, admin: await login(t.app, adminEmail) };
}

/** Makes `user` a viewer through the admin API, as an operator would. */
export async function makeViewer(t: TestApp, admin: Session, user: Session): Promise<void> {
  expect((await patchUser(as(t.app, admin), user.userId, { role: 'viewer' })).statusCode).toBe(200);
}

/** PATCH /users/:id as an admin (merge patch, like every PATCH). */
export const patchUser = (call: Call, userId: string, body: unknown) =>
  call({
    method: 'PATCH',
    url: `${API}/users/${userId}`,
    headers: MERGE_PATCH,
    payload: JSON.stringify(body),
  });

export const grant = (call: Call, resourceId: string, userId: string, permission: string) =>
  call({ method: 'PUT', url: `${RESOURCES}/${resourceId}/grants/${userId}`, payload: { permission } });

export const refresh = (app: FastifyInstance, refreshToken: string) =>
  app.inject({ method: 'POST', url: `${API}/auth/refresh`, payload: { refreshToken } });

/** Every 401 names the scheme (RFC 6750). */
export function expectBearerChallenge(response: LightMyRequestResponse): void {
  expect(response.statusCode, response.body).toBe(401);
  expect(response.headers['www-authenticate']).toMatch(/^Bearer\b/);
}

export const ids = (response: LightMyRequestResponse): string[] =>
  (response.json().data as Array<{ id: string }>).map((r) => r.id);

/**
 * The in-process limiter counts in fixed windows aligned to the minute: a sequence that straddled a
 * boundary would start afresh halfway. Start each counted sequence with a few seconds to spare.
 */
export async function awayFromWindowEdge(spareMs = 5000): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < spareMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}
