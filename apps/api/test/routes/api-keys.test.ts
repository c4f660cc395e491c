import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API,
  bearer,
  createApiKey,
  createAppWithAdmin,
  expectBearerChallenge,
  MERGE_PATCH,
  makeViewer,
  RESOURCES,
} from '../access-helpers.ts';
import {
  as,
  auditRows,
  type Call,
  createResource,
  expectError,
  expectValidation,
  registerAndLogin,
  type Session,
  type TestApp,
} from '../helpers.ts';

const KEYS = `${API}/api-keys`;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('API keys', () => {
  let t: TestApp;
  let admin: Session;
  let member: Session;
  let memberCall: Call;

  beforeAll(async () => {
    ({ t, admin } = await createAppWithAdmin());
    member = await registerAndLogin(t.app);
    memberCall = as(t.app, member);
  });
  afterAll(() => t.close());

  it('POST answers 201 with the key once; the database and GET /api-keys never hold it', async () => {
    const response = await memberCall({
      method: 'POST',
      url: KEYS,
      payload: { name: '  ci deploy  ', scopes: ['resources:read', 'resources:read'] },
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.headers['cache-control']).toMatch(/no-store/);
    const created = response.json();
    expect(created).toMatchObject({ name: 'ci deploy', scopes: ['resources:read'], expiresAt: null });
    for (const field of ['id', 'name', 'scopes', 'key', 'createdAt', 'expiresAt'])
      expect(created).toHaveProperty(field);
    expect(created.key).toMatch(/^lbk_[A-Za-z0-9_-]{40,}$/);
    expect(created.createdAt).toMatch(TIMESTAMP);
    const stored = await t.container.database.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(created.key.slice(4));
    expect(stored.user_id).toBe(member.userId);
    const list = await memberCall({ method: 'GET', url: KEYS });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(created.key.slice(4));
    expect(list.body).not.toContain(stored.key_hash);
    const listed = list.json().data.find((k: { id: string }) => k.id === created.id);
    expect(listed).toMatchObject({ id: created.id, name: 'ci deploy', scopes: ['resources:read'] });
    expect(listed.key).toBeUndefined();
    expect(created.key.startsWith(listed.prefix)).toBe(true);
    expect(listed.prefix.length).toBeLessThan(16);
    // Only the owner lists their keys.
    const other = await as(t.app, await registerAndLogin(t.app))({ method: 'GET', url: KEYS });
    expect(other.json().data).toEqual([]);
  });

  it('works as a Bearer credential and records its last use', async () => {
    const key = await createApiKey(memberCall, ['resources:read']);
    const me = await bearer(t.app, key.key)({ method: 'GET', url: `${API}/users/me` });
    expect(me.statusCode).toBe(200);
    expect(me.json().id).toBe(member.userId);
    await expect.poll(() => lastUsed(t, key.id)).not.toBeNull();
    // Only in the Authorization header: a key in the query string is no credential.
    const query = await t.app.inject({ method: 'GET', url: `${RESOURCES}?api_key=${key.key}` });
    expectError(query, 401, 'UNAUTHENTICATED');
  });

  it('enforces scopes: read cannot write, write implies read, audit:read alone reaches no resource', async () => {
    const mine = await createResource(memberCall, { name: 'scoped' });
    const url = `${RESOURCES}/${mine.id}`;
    const read = bearer(t.app, (await createApiKey(memberCall, ['resources:read'])).key);
    expect((await read({ method: 'GET', url })).statusCode).toBe(200);
    expect((await read({ method: 'GET', url: RESOURCES })).statusCode).toBe(200);
    expect((await read({ method: 'GET', url: `${url}/history` })).statusCode).toBe(200);
    for (const attempt of [
      { method: 'POST', url: RESOURCES, payload: { name: 'x' } },
      { method: 'PUT', url, payload: { name: 'x' } },
      { method: 'PATCH', url, headers: MERGE_PATCH, payload: '{"name":"x"}' },
      { method: 'DELETE', url },
      { method: 'PUT', url: `${url}/grants/${admin.userId}`, payload: { permission: 'read' } },
    ] as const) {
      expectError(await read(attempt), 403, 'FORBIDDEN');
    }
    const write = bearer(t.app, (await createApiKey(memberCall, ['resources:write'])).key);
    expect((await write({ method: 'GET', url })).statusCode).toBe(200);
    expect(
      (await write({ method: 'PATCH', url, headers: MERGE_PATCH, payload: '{"name":"w"}' })).statusCode,
    ).toBe(200);
    expect((await write({ method: 'POST', url: RESOURCES, payload: { name: 'by key' } })).statusCode).toBe(
      201,
    );
    const audit = bearer(t.app, (await createApiKey(memberCall, ['audit:read'])).key);
    expectError(await audit({ method: 'GET', url }), 403, 'FORBIDDEN');
    expectError(await audit({ method: 'GET', url: RESOURCES }), 403, 'FORBIDDEN');
    expectError(await audit({ method: 'POST', url: RESOURCES, payload: { name: 'x' } }), 403, 'FORBIDDEN');
    expect((await auditRows(t, mine.id)).map((e) => e.action)).toEqual(['create', 'update']);
  });

  it('names the key in the audit log: actorType api_key, actorId the key id', async () => {
    const key = await createApiKey(memberCall, ['resources:write']);
    const call = bearer(t.app, key.key);
    const created = await createResource(call, { name: 'via key' });
    expect(created.ownerId).toBe(member.userId);
    const url = `${RESOURCES}/${created.id}`;
    await call({ method: 'PUT', url, payload: { name: 'via key 2' } });
    await memberCall({ method: 'DELETE', url });
    const entries = await auditRows(t, created.id);
    expect(entries.map((e) => [e.action, e.actor_type, e.actor_id])).toEqual([
      ['create', 'api_key', key.id],
      ['update', 'api_key', key.id],
      ['delete', 'user', member.userId],
    ]);
    await memberCall({ method: 'POST', url: `${url}/restore` });
    const history = await memberCall({ method: 'GET', url: `${url}/history` });
    expect(history.json().data[0]).toMatchObject({ actorType: 'api_key', actorId: key.id });
  });

  it('only admins may create admin-scoped keys; any role may create the others', async () => {
    expectError(
      await memberCall({ method: 'POST', url: KEYS, payload: { name: 'k', scopes: ['admin'] } }),
      403,
      'FORBIDDEN',
    );
    expectError(
      await memberCall({
        method: 'POST',
        url: KEYS,
        payload: { name: 'k', scopes: ['resources:read', 'admin'] },
      }),
      403,
      'FORBIDDEN',
    );
    expect((await createApiKey(as(t.app, admin), ['admin'])).scopes).toEqual(['admin']);
    const viewer = await registerAndLogin(t.app);
    await makeViewer(t, admin, viewer);
    const viewerKey = await createApiKey(as(t.app, viewer), ['resources:write']);
    // The key narrows its owner's role, never widens it.
    expectError(
      await bearer(t.app, viewerKey.key)({ method: 'POST', url: RESOURCES, payload: { name: 'x' } }),
      403,
      'FORBIDDEN',
    );
    const keys = await memberCall({ method: 'GET', url: KEYS });
    expect(keys.json().data.some((k: { scopes: string[] }) => k.scopes.includes('admin'))).toBe(false);
  });

  it('expiry: past or malformed → 400, future accepted, an expired key → 401', async () => {
    const past = new Date(Date.now() - 60_000).toISOString();
    expectValidation(
      await memberCall({
        method: 'POST',
        url: KEYS,
        payload: { name: 'k', scopes: ['resources:read'], expiresAt: past },
      }),
    );
    expectValidation(
      await memberCall({
        method: 'POST',
        url: KEYS,
        payload: { name: 'k', scopes: ['resources:read'], expiresAt: 'soon' },
      }),
    );
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const key = await createApiKey(memberCall, ['resources:read'], { expiresAt: future });
    expect(key.expiresAt).toBe(future);
    expect((await bearer(t.app, key.key)({ method: 'GET', url: RESOURCES })).statusCode).toBe(200);
    const soon = await createApiKey(memberCall, ['resources:read'], { expiresAt: future });
    await t.container.database.db
      .updateTable('api_keys')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', soon.id)
      .execute();
    const expired = await bearer(t.app, soon.key)({ method: 'GET', url: RESOURCES });
    expectError(expired, 401, 'UNAUTHENTICATED');
    expectBearerChallenge(expired);
  });

  it('an unknown or mangled key → 401', async () => {
    const key = await createApiKey(memberCall, ['resources:read']);
    for (const credential of [
      'lbk_',
      `lbk_${'A'.repeat(43)}`,
      `${key.key}x`,
      key.key.slice(0, -1),
      key.key.toUpperCase(),
    ]) {
      const response = await bearer(t.app, credential)({ method: 'GET', url: RESOURCES });
      expectError(response, 401, 'UNAUTHENTICATED');
      expectBearerChallenge(response);
    }
  });

  it('DELETE revokes at once (401 right after, even for a key in use); only the owner revokes', async () => {
    const key = await createApiKey(memberCall, ['resources:read']);
    const call = bearer(t.app, key.key);
    expect((await call({ method: 'GET', url: RESOURCES })).statusCode).toBe(200);
    const stranger = await registerAndLogin(t.app);
    expectError(await as(t.app, stranger)({ method: 'DELETE', url: `${KEYS}/${key.id}` }), 404, 'NOT_FOUND');
    expectError(await as(t.app, admin)({ method: 'DELETE', url: `${KEYS}/${key.id}` }), 404, 'NOT_FOUND');
    expect((await call({ method: 'GET', url: RESOURCES })).statusCode).toBe(200);
    const revoked = await memberCall({ method: 'DELETE', url: `${KEYS}/${key.id}` });
    expect(revoked.statusCode).toBe(204);
    expectBearerChallenge(await call({ method: 'GET', url: RESOURCES }));
    expectError(await memberCall({ method: 'DELETE', url: `${KEYS}/${key.id}` }), 404, 'NOT_FOUND');
    const list = await memberCall({ method: 'GET', url: KEYS });
    expect(list.json().data.map((k: { id: string }) => k.id)).not.toContain(key.id);
  });

  it('API keys cannot manage API keys, whatever their scopes', async () => {
    const adminKey = await createApiKey(as(t.app, admin), [
      'resources:read',
      'resources:write',
      'audit:read',
      'admin',
    ]);
    const memberKey = await createApiKey(memberCall, ['resources:read', 'resources:write', 'audit:read']);
    for (const key of [adminKey, memberKey]) {
      const call = bearer(t.app, key.key);
      const create = await call({
        method: 'POST',
        url: KEYS,
        payload: { name: 'child', scopes: ['resources:read'] },
      });
      expectError(create, 403, 'FORBIDDEN');
      expectError(await call({ method: 'GET', url: KEYS }), 403, 'FORBIDDEN');
      expectError(await call({ method: 'DELETE', url: `${KEYS}/${key.id}` }), 403, 'FORBIDDEN');
      expect((await call({ method: 'GET', url: RESOURCES })).statusCode).toBe(200);
    }
  });

  it("a key acts with its owner's current role: demoting the owner narrows the key at once", async () => {
    const user = await registerAndLogin(t.app);
    const key = bearer(t.app, (await createApiKey(as(t.app, user), ['resources:write'])).key);
    expect((await key({ method: 'POST', url: RESOURCES, payload: { name: 'a' } })).statusCode).toBe(201);
    await makeViewer(t, admin, user);
    expectError(await key({ method: 'POST', url: RESOURCES, payload: { name: 'b' } }), 403, 'FORBIDDEN');
  });
});

async function lastUsed(t: TestApp, id: string): Promise<Date | null> {
  const row = await t.container.database.db
    .selectFrom('api_keys')
    .select('last_used_at')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return row.last_used_at;
}
