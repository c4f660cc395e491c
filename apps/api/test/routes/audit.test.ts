import { type AuditEntry, hashAuditEntry, openCheckpoint, parseVerifierKey } from '@ledgerbase/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createApiKey, MERGE_PATCH, RESOURCES } from '../access-helpers.ts';
import { AUDIT, type AuditFixture, allEntries, auditFixture, seal, write } from '../audit-helpers.ts';
import {
  applyJsonPatch,
  as,
  type Call,
  createResource,
  expectError,
  expectValidation,
  registerAndLogin,
  type Session,
} from '../helpers.ts';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('GET /audit: filters, keyset pages, who sees what', () => {
  let f: AuditFixture;
  let other: Session;
  let otherCall: Call;
  let otherResource: string;
  let keyed: string;

  beforeAll(async () => {
    f = await auditFixture();
    other = await registerAndLogin(f.t.app);
    otherCall = as(f.t.app, other);
    otherResource = (await createResource(otherCall, { name: 'theirs' })).id;
    // A write through an API key, carrying a W3C traceparent.
    const key = await createApiKey(f.call, ['resources:write']);
    const response = await write(bearer(f.t.app, key.key), {
      method: 'PATCH',
      url: `${RESOURCES}/${f.a.id}`,
      headers: { ...MERGE_PATCH, traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` },
      payload: '{"name":"by key"}',
    });
    keyed = key.id;
    expect(response.json().version).toBe(5);
  });
  afterAll(() => f.t.close());

  it('an admin pages through every entry, oldest first, each once', async () => {
    const entries = await allEntries(f.adminCall);
    expect(entries).toHaveLength(9);
    expect(new Set(entries.map((e) => e.id)).size).toBe(9);
    const created = entries.map((e) => e.createdAt);
    expect([...created].sort()).toEqual(created);
    expect(entries.filter((e) => e.resourceId === otherResource)).toHaveLength(1);
  });

  it('a member sees the entries of the resources they own, nothing else, whatever the filter', async () => {
    const mine = await allEntries(f.call);
    expect(mine.map((e) => [e.resourceId === f.a.id ? 'a' : 'b', e.version])).toEqual([
      ['a', 1],
      ['b', 1],
      ['a', 2],
      ['b', 2],
      ['a', 3],
      ['b', 3],
      ['a', 4],
      ['a', 5],
    ]);
    expect(await allEntries(f.call, `&resourceId=${otherResource}`)).toEqual([]);
    expect(await allEntries(otherCall, `&resourceId=${f.a.id}`)).toEqual([]);
    expect((await allEntries(otherCall)).map((e) => e.resourceId)).toEqual([otherResource]);
  });

  it('filters by resource, actor, action and time, together', async () => {
    const byResource = await allEntries(f.adminCall, `&resourceId=${f.b.id}`);
    expect(byResource.map((e) => e.action)).toEqual(['create', 'update', 'delete']);
    const byActor = await allEntries(f.adminCall, `&actorId=${other.userId}`);
    expect(byActor.map((e) => e.resourceId)).toEqual([otherResource]);
    const byKey = await allEntries(f.adminCall, `&actorId=${keyed}`);
    expect(byKey).toHaveLength(1);
    expect(byKey[0]).toMatchObject({ actorType: 'api_key', actorId: keyed, version: 5, traceId: TRACE_ID });
    expect((await allEntries(f.call, '&action=delete')).map((e) => e.resourceId)).toEqual([f.b.id]);
    const all = await allEntries(f.adminCall);
    const middle = all[4]!.createdAt;
    const since = await allEntries(f.adminCall, `&since=${middle}`);
    const until = await allEntries(f.adminCall, `&until=${middle}`);
    expect(since.every((e) => e.createdAt >= middle)).toBe(true);
    expect(until.every((e) => e.createdAt <= middle)).toBe(true);
    // Both bounds are inclusive: together they cover everything, overlapping on `middle`.
    expect(new Set([...since, ...until].map((e) => e.id)).size).toBe(all.length);
    const window = await allEntries(
      f.adminCall,
      `&resourceId=${f.a.id}&action=update&since=${middle}&until=${middle}`,
    );
    expect(window.every((e) => e.resourceId === f.a.id && e.createdAt === middle)).toBe(true);
  });

  it('rejects bad limits, dates, actions, unknown fields and cursors from another query', async () => {
    for (const query of [
      'limit=0',
      'limit=101',
      'since=yesterday',
      // Year 0 parses in JavaScript but not in PostgreSQL: a 400, not a 500 from the database.
      'since=0000-01-01T00:00:00Z',
      'until=0000-12-31T23:59:59.999Z',
      'action=purge',
      'resourceId=nope',
      'x=1',
    ]) {
      expectValidation(await f.adminCall({ method: 'GET', url: `${AUDIT}?${query}` }));
    }
    const page = (await f.adminCall({ method: 'GET', url: `${AUDIT}?limit=2` })).json();
    expect(page.data).toHaveLength(2);
    const cursor = encodeURIComponent(page.nextCursor);
    expectValidation(
      await f.adminCall({ method: 'GET', url: `${AUDIT}?limit=2&action=update&cursor=${cursor}` }),
    );
    expectValidation(await f.call({ method: 'GET', url: `${AUDIT}?limit=2&cursor=${cursor}` }));
    expectValidation(await f.adminCall({ method: 'GET', url: `${AUDIT}?cursor=forged.cursor` }));
    const next = (await f.adminCall({ method: 'GET', url: `${AUDIT}?limit=2&cursor=${cursor}` })).json();
    expect(next.data.map((e: AuditEntry) => e.id)).not.toContain(page.data[1].id);
  });

  it('API keys need audit:read, and then see what their owner sees', async () => {
    const readOnly = await createApiKey(f.call, ['resources:read']);
    expectError(await bearer(f.t.app, readOnly.key)({ method: 'GET', url: AUDIT }), 403, 'FORBIDDEN');
    const auditor = await createApiKey(f.call, ['audit:read']);
    const viaKey = await allEntries(bearer(f.t.app, auditor.key));
    expect(viaKey.map((e) => e.id)).toEqual((await allEntries(f.call)).map((e) => e.id));
    expectError(
      await bearer(f.t.app, auditor.key)({ method: 'GET', url: `${AUDIT}/verify` }),
      403,
      'FORBIDDEN',
    );
    const adminKey = await createApiKey(f.adminCall, ['audit:read']);
    expect(await allEntries(bearer(f.t.app, adminKey.key))).toHaveLength(9);
    expectError(await f.t.app.inject({ method: 'GET', url: AUDIT }), 401, 'UNAUTHENTICATED');
  });

  it('verification is for admins', async () => {
    expectError(await f.call({ method: 'GET', url: `${AUDIT}/verify` }), 403, 'FORBIDDEN');
    const report = (await f.adminCall({ method: 'GET', url: `${AUDIT}/verify` })).json();
    expect(report).toMatchObject({ valid: true, checked: 9 });
  });

  it('entries carry the trace id of a valid traceparent, covered by the hash; invalid ones are ignored', async () => {
    const traced = (await allEntries(f.adminCall, `&actorId=${keyed}`))[0]!;
    const { hash, ...content } = traced;
    expect(hashAuditEntry(content)).toBe(hash);
    expect(hashAuditEntry({ ...content, traceId: null })).not.toBe(hash);
    for (const traceparent of [
      `ff-${TRACE_ID}-00f067aa0ba902b7-01`,
      `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`,
      `00-${TRACE_ID.toUpperCase()}-00f067aa0ba902b7-01`,
      'garbage',
    ]) {
      const created = await write(f.call, {
        method: 'POST',
        url: RESOURCES,
        headers: { traceparent },
        payload: { name: 'untraced' },
      });
      const [entry] = await allEntries(f.call, `&resourceId=${created.json().id}`);
      expect(entry, traceparent).not.toHaveProperty('traceId');
    }
  });

  it('restore {version} writes a restore entry whose patch, like every patch, replays to the resource', async () => {
    await write(f.call, { method: 'POST', url: `${RESOURCES}/${f.a.id}/restore`, payload: { version: 2 } });
    await write(f.call, { method: 'POST', url: `${RESOURCES}/${f.b.id}/restore` });
    for (const resource of [f.a, f.b]) {
      const entries = await allEntries(f.call, `&resourceId=${resource.id}`);
      expect(entries.map((e) => e.version)).toEqual(entries.map((_, i) => i + 1));
      expect(entries.at(-1)?.action).toBe('restore');
      let document: unknown = {};
      for (const entry of entries) {
        document = applyJsonPatch(document, entry.changes as Array<Record<string, unknown>>);
        const version = (
          await f.call({ method: 'GET', url: `${RESOURCES}/${resource.id}/versions/${entry.version}` })
        ).json();
        expect(document).toEqual({ name: version.name, metadata: version.metadata });
      }
      const current = (await f.call({ method: 'GET', url: `${RESOURCES}/${resource.id}` })).json();
      expect(document).toEqual({ name: current.name, metadata: current.metadata });
    }
    const restore = (await allEntries(f.call, `&resourceId=${f.a.id}&action=restore`))[0]!;
    expect(restore.changes).toHaveLength(2);
    expect(restore.changes).toEqual(
      expect.arrayContaining([
        { op: 'replace', path: '/name', value: 'alpha 2' },
        { op: 'add', path: '/metadata/n', value: 2 },
      ]),
    );
  });

  it('publishes the latest checkpoint and the key that verifies it', async () => {
    const before = (await f.call({ method: 'GET', url: `${AUDIT}/checkpoints/latest` })).json();
    expect(before.checkpoint).toBeNull();
    expect(before.publicKey.vkey).toMatch(/^ledgerbase\/audit\+[0-9a-f]{8}\+/);
    const sealed = await seal(f.t);
    const response = await f.call({ method: 'GET', url: `${AUDIT}/checkpoints/latest` });
    expect(response.statusCode).toBe(200);
    const { checkpoint, publicKey } = response.json();
    expect(checkpoint).toMatchObject({ treeSize: sealed!.treeSize, lastSeq: sealed!.lastSeq });
    const opened = openCheckpoint(checkpoint.note, [parseVerifierKey(publicKey.vkey)]);
    expect(opened).toMatchObject({ origin: 'ledgerbase/audit', treeSize: sealed!.treeSize });
    expect(opened.rootHash.toString('base64')).toBe(checkpoint.rootHash);
    expect(publicKey.pem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const noAudit = await createApiKey(f.call, ['resources:read']);
    expectError(
      await bearer(f.t.app, noAudit.key)({ method: 'GET', url: `${AUDIT}/checkpoints/latest` }),
      403,
      'FORBIDDEN',
    );
  });
});
