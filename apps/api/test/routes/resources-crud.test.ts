import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  as,
  auditRows,
  type Call,
  createResource,
  createTestApp,
  expectError,
  RESOURCES,
  registerAndLogin,
  type Session,
  type TestApp,
  withRole,
} from '../helpers.ts';

const MERGE_PATCH = { 'content-type': 'application/merge-patch+json' };
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('resources: reads, writes and preconditions', () => {
  let t: TestApp;
  let alice: Session;
  let call: Call;

  beforeAll(async () => {
    t = await createTestApp();
    alice = await registerAndLogin(t.app);
    call = as(t.app, alice);
  });
  afterAll(() => t.close());

  it('creates with 201, Location, ETag and exactly the contract fields', async () => {
    const response = await call({
      method: 'POST',
      url: RESOURCES,
      payload: { name: 'doc', metadata: { a: 1 } },
    });
    expect(response.statusCode).toBe(201);
    const resource = response.json();
    expect(Object.keys(resource).sort()).toEqual([
      'createdAt',
      'id',
      'metadata',
      'name',
      'ownerId',
      'updatedAt',
      'version',
    ]);
    expect(resource.id).toMatch(UUID);
    expect(resource).toMatchObject({ name: 'doc', metadata: { a: 1 }, ownerId: alice.userId, version: 1 });
    expect(resource.createdAt).toMatch(TIMESTAMP);
    expect(resource.updatedAt).toBe(resource.createdAt);
    expect(response.headers.location).toBe(`${RESOURCES}/${resource.id}`);
    expect(response.headers.etag).toBe('"1"');
    expect(response.headers['content-type']).toMatch(/^application\/json/);
  });

  it('round-trips any JSON in metadata unchanged', async () => {
    const metadata = {
      'quote"key': 'v',
      'back\\slash': 1,
      'new\nline': true,
      '': 'empty key',
      'emoji😀': [1, { x: null }, [[]]],
      small: 1.5e-7,
      big: 1e21,
      negative: -0.5,
      text: 'tab\tand\u0001control and </script>',
    };
    const created = await createResource(call, { name: 'json', metadata });
    expect(created.metadata).toEqual(metadata);
    expect((await call({ method: 'GET', url: `${RESOURCES}/${created.id}` })).json().metadata).toEqual(
      metadata,
    );
  });

  it('serves ETag and answers a matching If-None-Match with 304', async () => {
    const { id } = await createResource(call);
    const url = `${RESOURCES}/${id}`;
    const read = await call({ method: 'GET', url });
    expect(read.statusCode).toBe(200);
    expect(read.headers.etag).toBe('"1"');
    const cached = await call({ method: 'GET', url, headers: { 'if-none-match': '"1"' } });
    expect(cached.statusCode).toBe(304);
    expect(cached.body).toBe('');
    expect(cached.headers.etag).toBe('"1"');
    expect((await call({ method: 'GET', url, headers: { 'if-none-match': '"0", "1"' } })).statusCode).toBe(
      304,
    );
    expect((await call({ method: 'GET', url, headers: { 'if-none-match': '"2"' } })).statusCode).toBe(200);
    await call({ method: 'PUT', url, payload: { name: 'changed' } });
    const stale = await call({ method: 'GET', url, headers: { 'if-none-match': '"1"' } });
    expect(stale.statusCode).toBe(200);
    expect(stale.headers.etag).toBe('"2"');
  });

  it('honours If-Match on PUT, PATCH and DELETE with 412 and details.currentVersion', async () => {
    const { id } = await createResource(call, { name: 'guarded', metadata: { n: 1 } });
    const url = `${RESOURCES}/${id}`;
    const attempts = [
      { method: 'PUT', url, payload: { name: 'x' } },
      { method: 'PATCH', url, headers: MERGE_PATCH, payload: '{"name":"x"}' },
      { method: 'DELETE', url },
    ] as const;
    for (const attempt of attempts) {
      for (const tag of ['"2"', '"0"', 'W/"1"', '1']) {
        const response = await call({
          ...attempt,
          headers: { ...('headers' in attempt ? attempt.headers : {}), 'if-match': tag },
        });
        const error = expectError(response, 412, 'PRECONDITION_FAILED');
        expect(error.details).toEqual({ currentVersion: 1 });
      }
    }
    expect((await call({ method: 'GET', url })).json()).toMatchObject({ name: 'guarded', version: 1 });
    expect(await auditRows(t, id)).toHaveLength(1);
    const ok = await call({ method: 'PUT', url, headers: { 'if-match': '"1"' }, payload: { name: 'won' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers.etag).toBe('"2"');
    const star = await call({
      method: 'PATCH',
      url,
      headers: { ...MERGE_PATCH, 'if-match': '*' },
      payload: '{}',
    });
    expect(star.statusCode).toBe(200);
  });

  it('PUT replaces name and metadata; missing metadata becomes {}', async () => {
    const created = await createResource(call, { name: 'before', metadata: { a: 1, b: { c: 2 } } });
    const url = `${RESOURCES}/${created.id}`;
    const replaced = await call({ method: 'PUT', url, payload: { name: ' after ', metadata: { z: true } } });
    expect(replaced.statusCode).toBe(200);
    const body = replaced.json();
    expect(body).toMatchObject({ id: created.id, name: 'after', metadata: { z: true }, version: 2 });
    expect(body.createdAt).toBe(created.createdAt);
    expect(Date.parse(body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.updatedAt));
    const emptied = await call({ method: 'PUT', url, payload: { name: 'after' } });
    expect(emptied.json()).toMatchObject({ metadata: {}, version: 3 });
    expect((await call({ method: 'GET', url })).json()).toMatchObject({ metadata: {}, version: 3 });
  });

  it('PATCH applies a JSON Merge Patch: null removes, objects merge, arrays replace', async () => {
    const created = await createResource(call, {
      name: 'merge',
      metadata: { keep: 1, drop: 2, nested: { x: 1, y: 2 }, list: [1, 2, 3] },
    });
    const url = `${RESOURCES}/${created.id}`;
    const patch = (payload: string) => call({ method: 'PATCH', url, headers: MERGE_PATCH, payload });
    const response = await patch(
      '{"metadata":{"drop":null,"nested":{"y":null,"z":3},"list":[9],"added":"new"}}',
    );
    expect(response.statusCode).toBe(200);
    expect(response.headers.etag).toBe('"2"');
    expect(response.json()).toMatchObject({
      name: 'merge',
      version: 2,
      metadata: { keep: 1, nested: { x: 1, z: 3 }, list: [9], added: 'new' },
    });
    expect(response.json().metadata).not.toHaveProperty('drop');
    const renamed = await patch('{"name":"  renamed  "}');
    expect(renamed.json()).toMatchObject({ name: 'renamed', metadata: { keep: 1 }, version: 3 });
    const cleared = await patch('{"metadata":null}');
    expect(cleared.json()).toMatchObject({ name: 'renamed', metadata: {}, version: 4 });
  });

  it('a PUT or PATCH that changes nothing writes no version and no audit entry', async () => {
    const created = await createResource(call, { name: 'steady', metadata: { a: 1, b: { c: [1, 2] } } });
    const url = `${RESOURCES}/${created.id}`;
    const unchanged = [
      await call({ method: 'PATCH', url, headers: MERGE_PATCH, payload: '{}' }),
      await call({ method: 'PATCH', url, headers: MERGE_PATCH, payload: '{"metadata":{"a":1}}' }),
      // Same document, other key order and padding: still nothing to record.
      await call({ method: 'PUT', url, payload: { metadata: { b: { c: [1, 2] }, a: 1 }, name: ' steady ' } }),
      await call({
        method: 'PUT',
        url,
        headers: { 'if-match': '"1"' },
        payload: { name: 'steady', metadata: created.metadata },
      }),
    ];
    for (const response of unchanged) {
      expect(response.statusCode, response.body).toBe(200);
      expect(response.headers.etag).toBe('"1"');
      expect(response.json()).toEqual(created);
    }
    expect(await auditRows(t, created.id)).toHaveLength(1);
    // A stale If-Match is still refused, change or no change.
    const changed = await call({
      method: 'PATCH',
      url,
      headers: MERGE_PATCH,
      payload: '{"metadata":{"a":2}}',
    });
    expect(changed.json()).toMatchObject({ version: 2, metadata: { a: 2 } });
    const stale = await call({
      method: 'PUT',
      url,
      headers: { 'if-match': '"1"' },
      payload: { name: 'steady' },
    });
    expectError(stale, 412, 'PRECONDITION_FAILED');
    expect(await auditRows(t, created.id)).toHaveLength(2);
  });

  it('DELETE is soft: 204, then 404 everywhere, hidden from lists; restore brings it back', async () => {
    const resource = await createResource(call, { name: 'to delete' });
    const url = `${RESOURCES}/${resource.id}`;
    expectError(await call({ method: 'POST', url: `${url}/restore` }), 409, 'CONFLICT');
    const deleted = await call({ method: 'DELETE', url, headers: { 'if-match': '"1"' } });
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    expectError(await call({ method: 'GET', url }), 404, 'NOT_FOUND');
    expectError(await call({ method: 'PUT', url, payload: { name: 'x' } }), 404, 'NOT_FOUND');
    expectError(await call({ method: 'PATCH', url, headers: MERGE_PATCH, payload: '{}' }), 404, 'NOT_FOUND');
    expectError(await call({ method: 'DELETE', url }), 404, 'NOT_FOUND');
    const list = (await call({ method: 'GET', url: `${RESOURCES}?limit=100` })).json();
    expect(list.data.map((r: { id: string }) => r.id)).not.toContain(resource.id);
    // The row is still there: soft delete.
    const row = await t.container.database.db
      .selectFrom('resources')
      .select(['deleted_at', 'version'])
      .where('id', '=', resource.id)
      .executeTakeFirstOrThrow();
    expect(row.deleted_at).not.toBeNull();
    expect(row.version).toBe(2);

    const restored = await call({ method: 'POST', url: `${url}/restore` });
    expect(restored.statusCode).toBe(200);
    expect(restored.headers.etag).toBe('"3"');
    expect(restored.json()).toMatchObject({ id: resource.id, name: 'to delete', version: 3 });
    expect((await call({ method: 'GET', url })).statusCode).toBe(200);
    expectError(await call({ method: 'POST', url: `${url}/restore` }), 409, 'CONFLICT');
  });

  it('answers 404 for an id that never existed, on every verb', async () => {
    const url = `${RESOURCES}/0190f5e4-0000-7000-8000-000000000000`;
    expectError(await call({ method: 'GET', url }), 404, 'NOT_FOUND');
    expectError(await call({ method: 'PUT', url, payload: { name: 'x' } }), 404, 'NOT_FOUND');
    expectError(await call({ method: 'DELETE', url }), 404, 'NOT_FOUND');
    expectError(await call({ method: 'POST', url: `${url}/restore` }), 404, 'NOT_FOUND');
    expectError(await call({ method: 'GET', url: `${url}/history` }), 404, 'NOT_FOUND');
  });
});

describe('resources: ownership and roles', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it("answers 404 on every verb for another user's resource and changes nothing", async () => {
    const owner = await registerAndLogin(t.app);
    const intruder = as(t.app, await registerAndLogin(t.app));
    const resource = await createResource(as(t.app, owner), { name: 'private', metadata: { s: 1 } });
    const url = `${RESOURCES}/${resource.id}`;
    await as(t.app, owner)({ method: 'PUT', url, payload: { name: 'private v2' } });
    const attempts = [
      { method: 'GET', url },
      { method: 'GET', url, headers: { 'if-none-match': '"2"' } },
      { method: 'PUT', url, payload: { name: 'stolen' } },
      { method: 'PUT', url, headers: { 'if-match': '"2"' }, payload: { name: 'stolen' } },
      { method: 'PATCH', url, headers: MERGE_PATCH, payload: '{"name":"stolen"}' },
      { method: 'DELETE', url },
      { method: 'POST', url: `${url}/restore` },
      { method: 'POST', url: `${url}/restore`, payload: { version: 1 } },
      { method: 'GET', url: `${url}/history` },
      { method: 'GET', url: `${url}/versions/1` },
    ] as const;
    for (const attempt of attempts) expectError(await intruder(attempt), 404, 'NOT_FOUND');
    const list = (await intruder({ method: 'GET', url: RESOURCES })).json();
    expect(list.data).toEqual([]);
    expect(list.nextCursor).toBeNull();
    const current = (await as(t.app, owner)({ method: 'GET', url })).json();
    expect(current).toMatchObject({ name: 'private v2', version: 2 });
    expect(await auditRows(t, resource.id)).toHaveLength(2);
  });

  it('a viewer cannot create or change, but reads their own', async () => {
    const member = await registerAndLogin(t.app);
    const resource = await createResource(as(t.app, member), { name: 'before demotion' });
    const viewer = as(t.app, await withRole(t, member, 'viewer'));
    expectError(
      await viewer({ method: 'POST', url: RESOURCES, payload: { name: 'nope' } }),
      403,
      'FORBIDDEN',
    );
    const url = `${RESOURCES}/${resource.id}`;
    expect((await viewer({ method: 'GET', url })).statusCode).toBe(200);
    expectError(await viewer({ method: 'PUT', url, payload: { name: 'x' } }), 403, 'FORBIDDEN');
    expectError(await viewer({ method: 'DELETE', url }), 403, 'FORBIDDEN');
    const list = (await viewer({ method: 'GET', url: RESOURCES })).json();
    expect(list.data.map((r: { id: string }) => r.id)).toEqual([resource.id]);
    expect(await auditRows(t, resource.id)).toHaveLength(1);
  });
});
