import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAppWithAdmin,
  grant,
  ids,
  MERGE_PATCH,
  makeViewer,
  NEVER_EXISTED,
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

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('grants: sharing a resource', () => {
  let t: TestApp;
  let admin: Session;
  let owner: Session;
  let reader: Session;
  let writer: Session;
  let ownerCall: Call;

  beforeAll(async () => {
    ({ t, admin } = await createAppWithAdmin());
    owner = await registerAndLogin(t.app);
    reader = await registerAndLogin(t.app);
    writer = await registerAndLogin(t.app);
    ownerCall = as(t.app, owner);
  });
  afterAll(() => t.close());

  async function shared(name = 'shared') {
    const resource = await createResource(ownerCall, { name, metadata: { n: 1 } });
    expect((await grant(ownerCall, resource.id, reader.userId, 'read')).statusCode).toBe(200);
    expect((await grant(ownerCall, resource.id, writer.userId, 'write')).statusCode).toBe(200);
    return { resource, url: `${RESOURCES}/${resource.id}` };
  }

  it('PUT answers 200 with exactly {resourceId, userId, permission, createdAt}; a second PUT changes the permission', async () => {
    const resource = await createResource(ownerCall);
    const response = await grant(ownerCall, resource.id, reader.userId, 'read');
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(Object.keys(body).sort()).toEqual(['createdAt', 'permission', 'resourceId', 'userId']);
    expect(body).toMatchObject({ resourceId: resource.id, userId: reader.userId, permission: 'read' });
    expect(body.createdAt).toMatch(TIMESTAMP);
    const upgraded = await grant(ownerCall, resource.id, reader.userId, 'write');
    expect(upgraded.json()).toMatchObject({ userId: reader.userId, permission: 'write' });
    const list = await ownerCall({ method: 'GET', url: `${RESOURCES}/${resource.id}/grants` });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toEqual({ data: [{ ...body, permission: 'write' }] });
  });

  it('answers 404 for an unknown user or resource, 400 for malformed ids or permissions', async () => {
    const resource = await createResource(ownerCall);
    expectError(await grant(ownerCall, resource.id, NEVER_EXISTED, 'read'), 404, 'NOT_FOUND');
    expectError(await grant(ownerCall, NEVER_EXISTED, reader.userId, 'read'), 404, 'NOT_FOUND');
    expectValidation(await grant(ownerCall, resource.id, 'someone', 'read'));
    expectValidation(await grant(ownerCall, resource.id, reader.userId, 'admin'));
    const text = await ownerCall({
      method: 'PUT',
      url: `${RESOURCES}/${resource.id}/grants/${reader.userId}`,
      headers: { 'content-type': 'text/plain' },
      payload: 'read',
    });
    expectError(text, 415, 'UNSUPPORTED_MEDIA_TYPE');
    const list = await ownerCall({ method: 'GET', url: `${RESOURCES}/${resource.id}/grants` });
    expect(list.json().data).toEqual([]);
  });

  it('grantees see the resource, its history and its versions', async () => {
    const { resource, url } = await shared('visible');
    await ownerCall({ method: 'PATCH', url, headers: MERGE_PATCH, payload: '{"metadata":{"n":2}}' });
    for (const grantee of [reader, writer]) {
      const call = as(t.app, grantee);
      const read = await call({ method: 'GET', url });
      expect(read.statusCode).toBe(200);
      expect(read.json()).toMatchObject({ id: resource.id, ownerId: owner.userId, version: 2 });
      const history = await call({ method: 'GET', url: `${url}/history` });
      expect(history.statusCode).toBe(200);
      expect(history.json().data.map((e: { action: string }) => e.action)).toEqual(['create', 'update']);
      const v1 = await call({ method: 'GET', url: `${url}/versions/1` });
      expect(v1.json()).toMatchObject({ version: 1, metadata: { n: 1 } });
      expect(ids(await call({ method: 'GET', url: `${RESOURCES}?limit=100` }))).toContain(resource.id);
    }
  });

  it('a read grantee can change nothing: 403 on PUT, PATCH, DELETE, restore and sharing', async () => {
    const { resource, url } = await shared('read only');
    const call = as(t.app, reader);
    const attempts = [
      { method: 'PUT', url, payload: { name: 'x' } },
      { method: 'PATCH', url, headers: MERGE_PATCH, payload: '{"name":"x"}' },
      { method: 'DELETE', url },
      { method: 'POST', url: `${url}/restore` },
      { method: 'POST', url: `${url}/restore`, payload: { version: 1 } },
      { method: 'PUT', url: `${url}/grants/${reader.userId}`, payload: { permission: 'write' } },
      { method: 'DELETE', url: `${url}/grants/${writer.userId}` },
      { method: 'GET', url: `${url}/grants` },
    ] as const;
    for (const attempt of attempts) expectError(await call(attempt), 403, 'FORBIDDEN');
    expect(await auditRows(t, resource.id)).toHaveLength(1);
    const grants = (await ownerCall({ method: 'GET', url: `${url}/grants` })).json().data;
    expect(
      grants.map((g: { userId: string; permission: string }) => [g.userId, g.permission]).sort(),
    ).toEqual(
      [
        [reader.userId, 'read'],
        [writer.userId, 'write'],
      ].sort(),
    );
  });

  it('a write grantee updates (audited as themselves) but cannot delete, restore or share', async () => {
    const { resource, url } = await shared('writable');
    const call = as(t.app, writer);
    const put = await call({ method: 'PUT', url, payload: { name: 'by writer', metadata: { w: 1 } } });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ ownerId: owner.userId, version: 2 });
    const patch = await call({ method: 'PATCH', url, headers: MERGE_PATCH, payload: '{"metadata":{"w":2}}' });
    expect(patch.json()).toMatchObject({ ownerId: owner.userId, version: 3, metadata: { w: 2 } });
    for (const attempt of [
      { method: 'DELETE', url },
      { method: 'POST', url: `${url}/restore` },
      { method: 'POST', url: `${url}/restore`, payload: { version: 1 } },
      { method: 'PUT', url: `${url}/grants/${writer.userId}`, payload: { permission: 'write' } },
      { method: 'PUT', url: `${url}/grants/${admin.userId}`, payload: { permission: 'read' } },
      { method: 'DELETE', url: `${url}/grants/${reader.userId}` },
      { method: 'GET', url: `${url}/grants` },
    ] as const) {
      expectError(await call(attempt), 403, 'FORBIDDEN');
    }
    // Deleted by the owner: now even restoring it is the owner's alone.
    expect((await ownerCall({ method: 'DELETE', url })).statusCode).toBe(204);
    expectError(await call({ method: 'POST', url: `${url}/restore` }), 403, 'FORBIDDEN');
    expectError(await call({ method: 'GET', url }), 404, 'NOT_FOUND');
    const entries = await auditRows(t, resource.id);
    expect(entries.map((e) => [e.action, e.actor_id])).toEqual([
      ['create', owner.userId],
      ['update', writer.userId],
      ['update', writer.userId],
      ['delete', owner.userId],
    ]);
  });

  it('a viewer grantee reads, and a write grant does not let a viewer write', async () => {
    const viewer = await registerAndLogin(t.app);
    await makeViewer(t, admin, viewer);
    const resource = await createResource(ownerCall, { name: 'for a viewer' });
    const url = `${RESOURCES}/${resource.id}`;
    expect((await grant(ownerCall, resource.id, viewer.userId, 'write')).statusCode).toBe(200);
    const call = as(t.app, viewer);
    expect((await call({ method: 'GET', url })).statusCode).toBe(200);
    expect(ids(await call({ method: 'GET', url: RESOURCES }))).toEqual([resource.id]);
    expectError(await call({ method: 'PUT', url, payload: { name: 'x' } }), 403, 'FORBIDDEN');
  });

  it('revoking takes effect at once: 204, then 404 on the next read and gone from the list', async () => {
    const { resource, url } = await shared('revocable');
    const call = as(t.app, writer);
    expect((await call({ method: 'GET', url })).statusCode).toBe(200);
    const revoked = await ownerCall({ method: 'DELETE', url: `${url}/grants/${writer.userId}` });
    expect(revoked.statusCode).toBe(204);
    expect(revoked.body).toBe('');
    expectError(await call({ method: 'GET', url }), 404, 'NOT_FOUND');
    expectError(await call({ method: 'PUT', url, payload: { name: 'late' } }), 404, 'NOT_FOUND');
    expectError(await call({ method: 'GET', url: `${url}/history` }), 404, 'NOT_FOUND');
    expect(ids(await call({ method: 'GET', url: `${RESOURCES}?limit=100` }))).not.toContain(resource.id);
    expectError(
      await ownerCall({ method: 'DELETE', url: `${url}/grants/${writer.userId}` }),
      404,
      'NOT_FOUND',
    );
    // The other grant is untouched.
    expect((await as(t.app, reader)({ method: 'GET', url })).statusCode).toBe(200);
  });

  it('admins share and revoke on any resource; a deleted resource has no grants endpoint', async () => {
    const resource = await createResource(ownerCall, { name: 'admin shares' });
    const url = `${RESOURCES}/${resource.id}`;
    const stranger = await registerAndLogin(t.app);
    expect((await grant(as(t.app, admin), resource.id, stranger.userId, 'read')).statusCode).toBe(200);
    expect((await as(t.app, stranger)({ method: 'GET', url })).statusCode).toBe(200);
    const list = await as(t.app, admin)({ method: 'GET', url: `${url}/grants` });
    expect(list.json().data).toHaveLength(1);
    expect((await ownerCall({ method: 'DELETE', url })).statusCode).toBe(204);
    expectError(await as(t.app, stranger)({ method: 'GET', url }), 404, 'NOT_FOUND');
    expectError(await grant(ownerCall, resource.id, stranger.userId, 'write'), 404, 'NOT_FOUND');
    expectError(await ownerCall({ method: 'GET', url: `${url}/grants` }), 404, 'NOT_FOUND');
  });
});

describe('grants: a list of owned ∪ granted resources', () => {
  let t: TestApp;

  beforeAll(async () => {
    ({ t } = await createAppWithAdmin());
  });
  afterAll(() => t.close());

  it('pages through both halves in every sort order with no repeats and no gaps', async () => {
    const me = await registerAndLogin(t.app);
    const alice = await registerAndLogin(t.app);
    const bob = await registerAndLogin(t.app);
    const expected: string[] = [];
    const hidden: string[] = [];
    // Interleave: owned, granted by alice, granted by bob, not granted, a granted one deleted later.
    for (let i = 0; i < 5; i++) {
      expected.push((await createResource(as(t.app, me), { name: `mine ${i}` })).id);
      const a = await createResource(as(t.app, alice), { name: `alice ${i}` });
      expect((await grant(as(t.app, alice), a.id, me.userId, i % 2 ? 'read' : 'write')).statusCode).toBe(200);
      expected.push(a.id);
      const b = await createResource(as(t.app, bob), { name: `Bob ${i}` });
      expect((await grant(as(t.app, bob), b.id, me.userId, 'read')).statusCode).toBe(200);
      expected.push(b.id);
      hidden.push((await createResource(as(t.app, bob), { name: `bob private ${i}` })).id);
    }
    const gone = await createResource(as(t.app, alice), { name: 'alice deleted' });
    await grant(as(t.app, alice), gone.id, me.userId, 'read');
    await as(t.app, alice)({ method: 'DELETE', url: `${RESOURCES}/${gone.id}` });
    hidden.push(gone.id);

    for (const sort of ['-createdAt', 'createdAt', 'name', '-name', 'updatedAt', '-updatedAt']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `limit=4&sort=${sort}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page = await as(t.app, me)({ method: 'GET', url: `${RESOURCES}?${query}` });
        expect(page.statusCode, page.body).toBe(200);
        expect(page.json().data.length).toBeLessThanOrEqual(4);
        seen.push(...ids(page));
        cursor = page.json().nextCursor;
        pages++;
      } while (cursor && pages < 20);
      expect(new Set(seen).size, `${sort}: no repeats`).toBe(seen.length);
      expect([...seen].sort(), `${sort}: exactly owned ∪ granted`).toEqual([...expected].sort());
      expect(seen.filter((id) => hidden.includes(id))).toEqual([]);
    }
    // The list by the caller's own id is the owned half only.
    const owned = await as(t.app, me)({ method: 'GET', url: `${RESOURCES}?ownerId=${me.userId}&limit=100` });
    expect(owned.json().data.every((r: { ownerId: string }) => r.ownerId === me.userId)).toBe(true);
    expect(owned.json().data).toHaveLength(5);
    // Search covers granted resources too.
    const search = await as(t.app, me)({ method: 'GET', url: `${RESOURCES}?q=bob&limit=100` });
    expect(search.json().data).toHaveLength(5);
  });
});
