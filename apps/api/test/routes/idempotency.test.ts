import { sql } from '@ledgerbase/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DB_MODE } from '../../../../test/database.ts';
import {
  as,
  auditRows,
  type Call,
  createTestApp,
  expectError,
  expectValidation,
  RESOURCES,
  registerAndLogin,
  type Session,
  type TestApp,
} from '../helpers.ts';

describe('idempotency: POST /resources with Idempotency-Key', () => {
  let t: TestApp;
  let alice: Session;
  let call: Call;

  beforeAll(async () => {
    t = await createTestApp();
    alice = await registerAndLogin(t.app);
    call = as(t.app, alice);
  });
  afterAll(() => t.close());

  const post = (caller: Call, key: string, payload: Record<string, unknown>) =>
    caller({ method: 'POST', url: RESOURCES, headers: { 'idempotency-key': key }, payload });
  const countOwned = async (ownerId: string, name: string) =>
    (
      await t.container.database.db
        .selectFrom('resources')
        .select('id')
        .where('owner_id', '=', ownerId)
        .where('name', '=', name)
        .execute()
    ).length;

  it('replays the same 201 body for the same key and body, with one resource and one audit entry', async () => {
    const key = `key-${crypto.randomUUID()}`;
    const body = { name: 'once', metadata: { a: 1, b: [1, 2] } };
    const first = await post(call, key, body);
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    // Same body, keys in another order: still the same request.
    const second = await post(call, key, { metadata: { b: [1, 2], a: 1 }, name: 'once' });
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json()).toEqual(first.json());
    expect(second.body).toBe(first.body);
    expect(second.headers.location).toBe(first.headers.location);
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(await countOwned(alice.userId, 'once')).toBe(1);
    expect(await auditRows(t, first.json().id)).toHaveLength(1);
  });

  it('replays the original even after the resource changed', async () => {
    const key = `key-${crypto.randomUUID()}`;
    const first = await post(call, key, { name: 'original' });
    await call({ method: 'PUT', url: `${RESOURCES}/${first.json().id}`, payload: { name: 'edited' } });
    const replay = await post(call, key, { name: 'original' });
    expect(replay.json()).toEqual(first.json());
    expect(replay.headers['idempotent-replayed']).toBe('true');
  });

  it('answers 422 for the same key with another body, and creates nothing', async () => {
    const key = `key-${crypto.randomUUID()}`;
    expect((await post(call, key, { name: 'first body' })).statusCode).toBe(201);
    expectError(await post(call, key, { name: 'second body' }), 422, 'IDEMPOTENCY_KEY_REUSED');
    expectError(
      await post(call, key, { name: 'first body', metadata: { x: 1 } }),
      422,
      'IDEMPOTENCY_KEY_REUSED',
    );
    expect(await countOwned(alice.userId, 'second body')).toBe(0);
  });

  it('scopes keys to the caller', async () => {
    const bob = await registerAndLogin(t.app);
    const key = `shared-${crypto.randomUUID()}`;
    const mine = await post(call, key, { name: 'per caller' });
    const theirs = await post(as(t.app, bob), key, { name: 'per caller' });
    expect(theirs.statusCode).toBe(201);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.json().id).not.toBe(mine.json().id);
    expect(theirs.json().ownerId).toBe(bob.userId);
    const otherBody = await post(as(t.app, bob), `${key}-b`, { name: 'different' });
    expect(otherBody.statusCode).toBe(201);
  });

  it('validates the key: 1 to 255 characters', async () => {
    expect((await post(call, 'k'.repeat(255), { name: 'longest key' })).statusCode).toBe(201);
    const tooLong = await post(call, 'k'.repeat(256), { name: 'too long key' });
    expectValidation(tooLong);
    expect(await countOwned(alice.userId, 'too long key')).toBe(0);
    expectValidation(await post(call, '', { name: 'empty key' }));
  });

  it('a rejected request stores no key: the same key works afterwards', async () => {
    const key = `key-${crypto.randomUUID()}`;
    expectValidation(await post(call, key, { name: '' }));
    expectValidation(await post(call, key, { name: 'x', extra: true }));
    const ok = await post(call, key, { name: 'after failures' });
    expect(ok.statusCode).toBe(201);
    expect(ok.headers['idempotent-replayed']).toBeUndefined();
  });

  it('concurrent requests with the same key create exactly one resource', async () => {
    const key = `race-${crypto.randomUUID()}`;
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => post(call, key, { name: 'raced', metadata: { n: 1 } })),
    );
    // Each either replays the winner or, while the winner is still in flight, says so with 409.
    const created = responses.filter((r) => r.statusCode === 201);
    for (const r of responses.filter((r) => r.statusCode !== 201)) expectError(r, 409, 'CONFLICT');
    expect(created.length).toBeGreaterThanOrEqual(1);
    const ids = new Set(created.map((r) => r.json().id));
    expect(ids.size).toBe(1);
    expect(created.filter((r) => r.headers['idempotent-replayed'] === undefined)).toHaveLength(1);
    expect(await countOwned(alice.userId, 'raced')).toBe(1);
    expect(await auditRows(t, [...ids][0] as string)).toHaveLength(1);
  });

  it('without a key, two identical POSTs create two resources', async () => {
    await call({ method: 'POST', url: RESOURCES, payload: { name: 'twice' } });
    await call({ method: 'POST', url: RESOURCES, payload: { name: 'twice' } });
    expect(await countOwned(alice.userId, 'twice')).toBe(2);
  });

  // Two transactions at once on one database: PGlite runs one at a time, so PostgreSQL only.
  if (TEST_DB_MODE === 'postgres')
    it('answers 409 at once while the first request with the key is still in flight', async () => {
      const key = `inflight-${crypto.randomUUID()}`;
      const first = await t.container.database.db.startTransaction().execute();
      try {
        // The first request's claim, not committed yet: exactly what an in-flight twin holds.
        await sql`
          INSERT INTO idempotency_keys (owner_id, key, request_hash, status_code, response_body, created_at, expires_at)
          VALUES (${alice.userId}::uuid, ${key}, 'in-flight', 201, '{}'::jsonb, now(), now() + interval '1 day')`.execute(
          first,
        );
        const started = Date.now();
        expectError(await post(call, key, { name: 'twin' }), 409, 'CONFLICT');
        expect(Date.now() - started).toBeLessThan(1000);
      } finally {
        await first.rollback().execute();
      }
      // The first never committed: the key is free again and the next request creates.
      const created = await post(call, key, { name: 'twin' });
      expect(created.statusCode).toBe(201);
      expect(await countOwned(alice.userId, 'twin')).toBe(1);
    });
});
