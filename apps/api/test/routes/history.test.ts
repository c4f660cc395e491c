import { type AuditEntry, hashAuditEntry } from '@ledgerbase/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyJsonPatch,
  as,
  type Call,
  createResource,
  createTestApp,
  expectError,
  expectValidation,
  RESOURCES,
  registerAndLogin,
  type Session,
  type TestApp,
} from '../helpers.ts';

const MERGE_PATCH = 'application/merge-patch+json';

describe('history: one audit entry per change, replayable and chained', () => {
  let t: TestApp;
  let alice: Session;
  let call: Call;

  beforeAll(async () => {
    t = await createTestApp();
    alice = await registerAndLogin(t.app);
    call = as(t.app, alice);
  });
  afterAll(() => t.close());

  async function fullHistory(id: string, limit = 2): Promise<AuditEntry[]> {
    const entries: AuditEntry[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
      const response = await call({ method: 'GET', url: `${RESOURCES}/${id}/history?${query}` });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json();
      entries.push(...body.data);
      cursor = body.nextCursor;
    } while (cursor);
    return entries;
  }

  it('records every change with its request id, RFC 6902 changes that rebuild each version', async () => {
    const write = async (requestId: string, options: Record<string, unknown>) => {
      const response = await call({
        ...options,
        headers: { 'x-request-id': requestId, ...(options.headers ?? {}) },
      });
      expect(response.statusCode, response.body).toBeLessThan(300);
      return response;
    };
    const created = await write('req-create', {
      method: 'POST',
      url: RESOURCES,
      headers: { 'content-type': 'application/json' },
      payload: '{"name":"doc","metadata":{"a/b":1,"c~d":{"e":[1,2,3]},"__proto__":{"x":1},"list":["p","q"]}}',
    });
    const id = created.json().id;
    const url = `${RESOURCES}/${id}`;
    await write('req-put', {
      method: 'PUT',
      url,
      headers: { 'if-match': '"1"' },
      payload: { name: 'doc 2', metadata: { 'c~d': { e: [3, 2] }, list: ['q', 'r', 's'], n: null } },
    });
    await write('req-patch', {
      method: 'PATCH',
      url,
      headers: { 'content-type': MERGE_PATCH },
      payload: '{"metadata":{"n":null,"added":{"deep":{"deeper":true}},"list":[]}}',
    });
    await write('req-rename', {
      method: 'PATCH',
      url,
      headers: { 'content-type': MERGE_PATCH },
      payload: '{"name":"doc 3"}',
    });
    await write('req-delete', { method: 'DELETE', url });
    await write('req-restore', { method: 'POST', url: `${url}/restore` });
    const rolledBack = await write('req-rollback', {
      method: 'POST',
      url: `${url}/restore`,
      payload: { version: 1 },
    });
    expect(rolledBack.json().version).toBe(7);

    const entries = await fullHistory(id);
    expect(entries.map((e) => [e.version, e.action, e.requestId])).toEqual([
      [1, 'create', 'req-create'],
      [2, 'update', 'req-put'],
      [3, 'update', 'req-patch'],
      [4, 'update', 'req-rename'],
      [5, 'delete', 'req-delete'],
      [6, 'restore', 'req-restore'],
      [7, 'restore', 'req-rollback'],
    ]);
    expect(entries[4]!.changes).toEqual([]);
    expect(entries[5]!.changes).toEqual([]);

    let document: unknown = {};
    for (const entry of entries) {
      expect(Object.keys(entry).sort()).toEqual([
        'action',
        'actorId',
        'actorType',
        'changes',
        'createdAt',
        'hash',
        'id',
        'prevHash',
        'requestId',
        'resourceId',
        'version',
      ]);
      expect(entry).toMatchObject({ resourceId: id, actorId: alice.userId, actorType: 'user' });
      expect(entry.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      document = applyJsonPatch(document, entry.changes as Array<Record<string, unknown>>);
      const version = (await call({ method: 'GET', url: `${url}/versions/${entry.version}` })).json();
      expect(version).toMatchObject({ id, version: entry.version, ownerId: alice.userId });
      expect(JSON.stringify(sorted(document))).toBe(
        JSON.stringify(sorted({ name: version.name, metadata: version.metadata })),
      );
    }
    const current = (await call({ method: 'GET', url })).json();
    expect(sorted(document)).toEqual(sorted({ name: current.name, metadata: current.metadata }));
    expect(current).toMatchObject({ name: 'doc', version: 7 });
    expect(Object.getOwnPropertyDescriptor(current.metadata, '__proto__')?.value).toEqual({ x: 1 });
  });

  it('chains hashes: each prevHash is the previous hash, and each hash covers its entry', async () => {
    const { id } = await createResource(call, { name: 'chained' });
    for (let i = 0; i < 3; i++)
      await call({ method: 'PUT', url: `${RESOURCES}/${id}`, payload: { name: `v${i}` } });
    const entries = await fullHistory(id, 100);
    expect(entries).toHaveLength(4);
    expect(entries[0]!.prevHash).toBeNull();
    for (const [i, entry] of entries.entries()) {
      expect(entry.hash).toMatch(/^[0-9a-f]{64}$/);
      if (i > 0) expect(entry.prevHash).toBe(entries[i - 1]!.hash);
      const { hash, ...content } = entry;
      expect(hashAuditEntry(content)).toBe(hash);
    }
    expect(new Set(entries.map((e) => e.hash)).size).toBe(4);
  });

  it('failed requests write no entry', async () => {
    const { id } = await createResource(call, { name: 'steady' });
    const url = `${RESOURCES}/${id}`;
    expectError(
      await call({ method: 'PUT', url, headers: { 'if-match': '"9"' }, payload: { name: 'x' } }),
      412,
      'PRECONDITION_FAILED',
    );
    expectValidation(await call({ method: 'PUT', url, payload: { name: '' } }));
    expectValidation(
      await call({
        method: 'PATCH',
        url,
        headers: { 'content-type': MERGE_PATCH },
        payload: '{"metadata":[]}',
      }),
    );
    expectError(
      await call({ method: 'PATCH', url, payload: { name: 'wrong type' } }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expectError(
      await call({ method: 'DELETE', url, headers: { 'if-match': '"2"' } }),
      412,
      'PRECONDITION_FAILED',
    );
    expectError(await call({ method: 'POST', url: `${url}/restore` }), 409, 'CONFLICT');
    expectError(
      await call({ method: 'POST', url: `${url}/restore`, payload: { version: 5 } }),
      404,
      'NOT_FOUND',
    );
    const entries = await fullHistory(id, 100);
    expect(entries.map((e) => e.action)).toEqual(['create']);
    expect((await call({ method: 'GET', url })).json().version).toBe(1);
  });

  it('restore {version} writes a new version holding that version’s content', async () => {
    const { id } = await createResource(call, { name: 'one', metadata: { v: 1 } });
    const url = `${RESOURCES}/${id}`;
    await call({ method: 'PUT', url, payload: { name: 'two', metadata: { v: 2, extra: true } } });
    const restored = await call({ method: 'POST', url: `${url}/restore`, payload: { version: 1 } });
    expect(restored.statusCode).toBe(200);
    expect(restored.headers.etag).toBe('"3"');
    expect(restored.json()).toMatchObject({ name: 'one', metadata: { v: 1 }, version: 3 });
    const entries = await fullHistory(id, 100);
    expect(entries[2]).toMatchObject({ action: 'restore', version: 3 });
    expect(
      applyJsonPatch({ name: 'two', metadata: { v: 2, extra: true } }, entries[2]!.changes as never),
    ).toEqual({
      name: 'one',
      metadata: { v: 1 },
    });
    expectValidation(await call({ method: 'POST', url: `${url}/restore`, payload: { version: 0 } }));
    expectValidation(
      await call({ method: 'POST', url: `${url}/restore`, payload: { version: 1, name: 'x' } }),
    );
  });

  it('versions: 404 for a version that does not exist, 400 for a malformed one', async () => {
    const { id } = await createResource(call, { name: 'v' });
    expectError(await call({ method: 'GET', url: `${RESOURCES}/${id}/versions/2` }), 404, 'NOT_FOUND');
    expectValidation(await call({ method: 'GET', url: `${RESOURCES}/${id}/versions/0` }));
    expectValidation(await call({ method: 'GET', url: `${RESOURCES}/${id}/versions/-1` }));
    const v1 = await call({ method: 'GET', url: `${RESOURCES}/${id}/versions/1` });
    expect(v1.headers.etag).toBe('"1"');
  });

  it('history cursors are bound to the resource and the caller', async () => {
    const first = await createResource(call, { name: 'h1' });
    const second = await createResource(call, { name: 'h2' });
    for (const r of [first, second])
      await call({ method: 'PUT', url: `${RESOURCES}/${r.id}`, payload: { name: 'x' } });
    const page = (await call({ method: 'GET', url: `${RESOURCES}/${first.id}/history?limit=1` })).json();
    expect(page.data).toHaveLength(1);
    expect(page.nextCursor).toEqual(expect.any(String));
    const url = (id: string) => `${RESOURCES}/${id}/history?limit=1&cursor=${page.nextCursor}`;
    expectValidation(await call({ method: 'GET', url: url(second.id) }));
    expectValidation(
      await call({ method: 'GET', url: `${RESOURCES}/${first.id}/history?cursor=forged.cursor` }),
    );
    const next = (await call({ method: 'GET', url: url(first.id) })).json();
    expect(next.data.map((e: AuditEntry) => e.version)).toEqual([2]);
    expect(next.nextCursor).toBeNull();
  });
});

/** Keys sorted at every level (jsonb does not keep key order); `__proto__` stays an own key. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sorted((value as Record<string, unknown>)[key])]),
  );
}
