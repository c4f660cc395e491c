import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createTestApp, registerAndLogin, type Session, type TestApp } from '../helpers.ts';

describe('resources: the basic journey', () => {
  let t: TestApp;
  let alice: Session;

  beforeAll(async () => {
    t = await createTestApp();
    alice = await registerAndLogin(t.app);
  });
  afterAll(() => t.close());

  it('creates, reads, updates, deletes and restores with one audit entry per change', async () => {
    const call = as(t.app, alice);
    const created = await call({
      method: 'POST',
      url: '/api/v1/resources',
      payload: { name: ' first ', metadata: { a: 1 } },
    });
    expect(created.statusCode).toBe(201);
    const resource = created.json();
    expect(resource).toMatchObject({ name: 'first', metadata: { a: 1 }, version: 1, ownerId: alice.userId });
    expect(created.headers.location).toBe(`/api/v1/resources/${resource.id}`);
    expect(created.headers.etag).toBe('"1"');

    const updated = await call({
      method: 'PUT',
      url: `/api/v1/resources/${resource.id}`,
      headers: { 'if-match': '"1"' },
      payload: { name: 'second', metadata: { a: 2 } },
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json().version).toBe(2);

    const deleted = await call({ method: 'DELETE', url: `/api/v1/resources/${resource.id}` });
    expect(deleted.statusCode).toBe(204);
    expect((await call({ method: 'GET', url: `/api/v1/resources/${resource.id}` })).statusCode).toBe(404);

    const restored = await call({ method: 'POST', url: `/api/v1/resources/${resource.id}/restore` });
    expect(restored.statusCode).toBe(200);
    expect(restored.json().version).toBe(4);

    const history = (await call({ method: 'GET', url: `/api/v1/resources/${resource.id}/history` })).json();
    expect(history.data.map((e: { action: string; version: number }) => [e.action, e.version])).toEqual([
      ['create', 1],
      ['update', 2],
      ['delete', 3],
      ['restore', 4],
    ]);
    expect(history.data[1].changes).toEqual([
      { op: 'replace', path: '/name', value: 'second' },
      { op: 'replace', path: '/metadata/a', value: 2 },
    ]);
    expect(history.data[1].prevHash).toBe(history.data[0].hash);
  });
});
