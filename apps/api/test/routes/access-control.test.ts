import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API,
  bearer,
  createApiKey,
  createAppWithAdmin,
  grant,
  MERGE_PATCH,
  makeViewer,
  NEVER_EXISTED,
  patchUser,
  RESOURCES,
} from '../access-helpers.ts';
import {
  as,
  auditRows,
  createResource,
  expectError,
  registerAndLogin,
  type Session,
  type TestApp,
} from '../helpers.ts';

/** OWASP API1 (BOLA), API3 (property level) and API5 (BFLA) against the real app. */
describe('access control: object level (BOLA)', () => {
  let t: TestApp;
  let admin: Session;
  let owner: Session;
  let intruder: Session;
  let bystander: Session;

  beforeAll(async () => {
    ({ t, admin } = await createAppWithAdmin());
    owner = await registerAndLogin(t.app);
    intruder = await registerAndLogin(t.app);
    bystander = await registerAndLogin(t.app);
  });
  afterAll(() => t.close());

  /** Every verb that names one resource, including sharing, history and versions. */
  const attempts = (id: string, userId: string): InjectOptions[] => {
    const url = `${RESOURCES}/${id}`;
    return [
      { method: 'GET', url },
      { method: 'GET', url, headers: { 'if-none-match': '"1"' } },
      { method: 'PUT', url, payload: { name: 'stolen' } },
      { method: 'PUT', url, headers: { 'if-match': '"2"' }, payload: { name: 'stolen' } },
      { method: 'PATCH', url, headers: MERGE_PATCH, payload: '{"name":"stolen"}' },
      { method: 'DELETE', url },
      { method: 'DELETE', url, headers: { 'if-match': '"2"' } },
      { method: 'POST', url: `${url}/restore` },
      { method: 'POST', url: `${url}/restore`, payload: { version: 1 } },
      { method: 'GET', url: `${url}/history` },
      { method: 'GET', url: `${url}/versions/1` },
      { method: 'GET', url: `${url}/grants` },
      { method: 'PUT', url: `${url}/grants/${userId}`, payload: { permission: 'write' } },
      { method: 'DELETE', url: `${url}/grants/${userId}` },
    ];
  };

  it("answers 404 on every verb for another user's resource, exactly as for one that never existed", async () => {
    const resource = await createResource(as(t.app, owner), { name: 'secret', metadata: { pin: 1234 } });
    await as(
      t.app,
      owner,
    )({
      method: 'PUT',
      url: `${RESOURCES}/${resource.id}`,
      payload: { name: 'v2', metadata: { pin: 1234 } },
    });
    expect((await grant(as(t.app, owner), resource.id, bystander.userId, 'read')).statusCode).toBe(200);
    const call = as(t.app, intruder);
    const real = attempts(resource.id, intruder.userId);
    const absent = attempts(NEVER_EXISTED, intruder.userId);
    for (const [i, attempt] of real.entries()) {
      const response = await call(attempt);
      const error = expectError(response, 404, 'NOT_FOUND');
      expect(response.headers.etag, `${attempt.method} ${attempt.url}`).toBeUndefined();
      expect(response.body).not.toMatch(/secret|1234|v2/);
      // No existence oracle: the same body as for an id that never existed.
      const control = expectError(await call(absent[i]!), 404, 'NOT_FOUND');
      expect(error, `${attempt.method} ${attempt.url}`).toEqual(control);
    }
    // Nothing happened: same version, same entries, the one grant, and none for the intruder.
    const current = (await as(t.app, owner)({ method: 'GET', url: `${RESOURCES}/${resource.id}` })).json();
    expect(current).toMatchObject({ name: 'v2', version: 2, metadata: { pin: 1234 } });
    const entries = await auditRows(t, resource.id);
    expect(entries.map((e) => e.actor_id)).toEqual([owner.userId, owner.userId]);
    const grants = await as(t.app, owner)({ method: 'GET', url: `${RESOURCES}/${resource.id}/grants` });
    expect(grants.json().data.map((g: { userId: string }) => g.userId)).toEqual([bystander.userId]);
  });

  it('hides a deleted resource of another user the same way, restore and history included', async () => {
    const resource = await createResource(as(t.app, owner), { name: 'deleted secret' });
    const url = `${RESOURCES}/${resource.id}`;
    expect((await as(t.app, owner)({ method: 'DELETE', url })).statusCode).toBe(204);
    for (const attempt of attempts(resource.id, intruder.userId)) {
      expectError(await as(t.app, intruder)(attempt), 404, 'NOT_FOUND');
    }
    // The owner's own view of the deleted resource is unchanged: still restorable.
    expect((await as(t.app, owner)({ method: 'POST', url: `${url}/restore` })).statusCode).toBe(200);
  });

  it('answers 404 through API keys and for viewers too, never 403 (that would confirm the id)', async () => {
    const resource = await createResource(as(t.app, owner), { name: 'key target' });
    const key = await createApiKey(as(t.app, intruder), ['resources:read', 'resources:write']);
    const viewer = await registerAndLogin(t.app);
    await makeViewer(t, admin, viewer);
    for (const credential of [key.key, viewer.token]) {
      const call = bearer(t.app, credential);
      for (const attempt of attempts(resource.id, intruder.userId)) {
        expectError(await call(attempt), 404, 'NOT_FOUND');
      }
    }
  });

  it('keeps other users’ resources out of lists and refuses to list by their id', async () => {
    const mine = await createResource(as(t.app, intruder), { name: 'mine' });
    await createResource(as(t.app, owner), { name: 'theirs' });
    const list = await as(t.app, intruder)({ method: 'GET', url: `${RESOURCES}?limit=100` });
    expect(list.json().data.map((r: { ownerId: string }) => r.ownerId)).not.toContain(owner.userId);
    expect(list.json().data.map((r: { id: string }) => r.id)).toContain(mine.id);
    expectError(
      await as(t.app, intruder)({ method: 'GET', url: `${RESOURCES}?ownerId=${owner.userId}` }),
      403,
      'FORBIDDEN',
    );
    const search = await as(t.app, intruder)({ method: 'GET', url: `${RESOURCES}?q=theirs` });
    expect(search.json().data).toEqual([]);
  });
});

describe('access control: function level (BFLA) and the admin bootstrap', () => {
  let t: TestApp;
  let admin: Session;
  let member: Session;
  let viewer: Session;

  beforeAll(async () => {
    ({ t, admin } = await createAppWithAdmin());
    member = await registerAndLogin(t.app);
    viewer = await registerAndLogin(t.app);
    await makeViewer(t, admin, viewer);
  });
  afterAll(() => t.close());

  it('the bootstrapped admin lists users as {data, nextCursor} without secrets, page by page', async () => {
    const me = (await as(t.app, admin)({ method: 'GET', url: `${API}/users/me` })).json();
    expect(me).toMatchObject({ id: admin.userId, role: 'admin' });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `${API}/users?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await as(t.app, admin)({ method: 'GET', url });
      expect(page.statusCode, page.body).toBe(200);
      expect(Object.keys(page.json()).sort()).toEqual(['data', 'nextCursor']);
      for (const user of page.json().data) {
        expect(Object.keys(user).sort()).toEqual(
          ['createdAt', 'disabled', 'email', 'id', 'name', 'role', 'updatedAt'].sort(),
        );
        seen.push(user.id);
      }
      expect(page.body).not.toMatch(/argon2|password/i);
      cursor = page.json().nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual([admin.userId, member.userId, viewer.userId].sort());
  });

  it('answers 403 to members and viewers on every admin function, and changes nothing', async () => {
    for (const session of [member, viewer]) {
      const call = as(t.app, session);
      expectError(await call({ method: 'GET', url: `${API}/users` }), 403, 'FORBIDDEN');
      expectError(await call({ method: 'GET', url: `${API}/users?limit=1` }), 403, 'FORBIDDEN');
      for (const target of [session.userId, admin.userId, member.userId]) {
        expectError(await patchUser(call, target, { role: 'admin' }), 403, 'FORBIDDEN');
        expectError(await patchUser(call, target, { disabled: true }), 403, 'FORBIDDEN');
      }
    }
    const roles = await t.container.database.db
      .selectFrom('users')
      .select(['id', 'role', 'disabled_at'])
      .execute();
    expect(roles.find((u) => u.id === member.userId)).toMatchObject({ role: 'member', disabled_at: null });
    expect(roles.find((u) => u.id === viewer.userId)).toMatchObject({ role: 'viewer', disabled_at: null });
    expect(roles.find((u) => u.id === admin.userId)).toMatchObject({ role: 'admin', disabled_at: null });
  });

  it('answers 401 to anonymous callers of admin functions', async () => {
    expectError(await t.app.inject({ method: 'GET', url: `${API}/users` }), 401, 'UNAUTHENTICATED');
    const anonymous = await t.app.inject({
      method: 'PATCH',
      url: `${API}/users/${member.userId}`,
      headers: MERGE_PATCH,
      payload: '{"role":"admin"}',
    });
    expectError(anonymous, 401, 'UNAUTHENTICATED');
  });

  it("an admin's API key reaches admin functions only with the admin scope", async () => {
    const plain = await createApiKey(as(t.app, admin), ['resources:read', 'resources:write', 'audit:read']);
    const scoped = await createApiKey(as(t.app, admin), ['admin']);
    const asKey = (key: string) => bearer(t.app, key);
    expectError(await asKey(plain.key)({ method: 'GET', url: `${API}/users` }), 403, 'FORBIDDEN');
    expectError(await patchUser(asKey(plain.key), member.userId, { role: 'viewer' }), 403, 'FORBIDDEN');
    expect((await asKey(scoped.key)({ method: 'GET', url: `${API}/users` })).statusCode).toBe(200);
  });

  it('applies a role change at once to tokens already issued', async () => {
    const user = await registerAndLogin(t.app);
    const call = as(t.app, user);
    const mine = await createResource(call, { name: 'before' });
    expect((await patchUser(as(t.app, admin), user.userId, { role: 'viewer' })).json().role).toBe('viewer');
    expectError(await call({ method: 'POST', url: RESOURCES, payload: { name: 'x' } }), 403, 'FORBIDDEN');
    expectError(
      await call({ method: 'PUT', url: `${RESOURCES}/${mine.id}`, payload: { name: 'x' } }),
      403,
      'FORBIDDEN',
    );
    expect((await call({ method: 'GET', url: `${RESOURCES}/${mine.id}` })).statusCode).toBe(200);
    expect((await patchUser(as(t.app, admin), user.userId, { role: 'member' })).statusCode).toBe(200);
    expect((await call({ method: 'POST', url: RESOURCES, payload: { name: 'again' } })).statusCode).toBe(201);
    // Promotion and demotion of admins too: the old token follows the database, not its claims.
    expect((await patchUser(as(t.app, admin), user.userId, { role: 'admin' })).statusCode).toBe(200);
    expect((await call({ method: 'GET', url: `${API}/users` })).statusCode).toBe(200);
    expect((await patchUser(as(t.app, admin), user.userId, { role: 'member' })).statusCode).toBe(200);
    expectError(await call({ method: 'GET', url: `${API}/users` }), 403, 'FORBIDDEN');
  });
});
