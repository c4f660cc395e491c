import { createOutboxRelay, EVENT_QUEUES, pendingEventStats } from '@ledgerbase/core';
import { sql } from '@ledgerbase/db';
import { type Bus, createLogger, createMemoryBus, type Delivery } from '@ledgerbase/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  as,
  createResource,
  createTestApp,
  registerAndLogin,
  type Session,
  type TestApp,
} from './helpers.ts';

const logger = createLogger('silent');

describe('transactional outbox', () => {
  let t: TestApp;
  let a: Session;

  beforeAll(async () => {
    t = await createTestApp();
    a = await registerAndLogin(t.app);
  });
  afterAll(() => t.close());

  const db = () => t.container.database.db;

  it('writes exactly one event per audit entry, with the same id, version and contract payload', async () => {
    const call = as(t.app, a);
    const r = await createResource(call, { name: 'outboxed' });
    const key = { 'idempotency-key': 'outbox-key-1' };
    const keyed = await call({
      method: 'POST',
      url: '/api/v1/resources',
      headers: key,
      payload: { name: 'k' },
    });
    const replay = await call({
      method: 'POST',
      url: '/api/v1/resources',
      headers: key,
      payload: { name: 'k' },
    });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    await call({ method: 'PUT', url: `/api/v1/resources/${r.id}`, payload: { name: 'outboxed 2' } });
    await call({ method: 'DELETE', url: `/api/v1/resources/${r.id}` });
    await call({ method: 'POST', url: `/api/v1/resources/${r.id}/restore` });
    // A rejected write (412) writes nothing.
    await call({
      method: 'PUT',
      url: `/api/v1/resources/${r.id}`,
      headers: { 'if-match': '"1"' },
      payload: { name: 'x' },
    });

    for (const id of [r.id, keyed.json().id]) {
      const audit = await db()
        .selectFrom('audit_log')
        .select(['id', 'version', 'action'])
        .where('resource_id', '=', id)
        .orderBy('version')
        .execute();
      const events = await db()
        .selectFrom('events')
        .select(['id', 'version', 'type', 'payload'])
        .where('resource_id', '=', id)
        .orderBy('version')
        .execute();
      expect(events.map((e) => [e.id, e.version])).toEqual(audit.map((e) => [e.id, e.version]));
      expect(events.map((e) => e.type)).toEqual(
        audit.map(
          (e) =>
            `resource.${e.action === 'create' ? 'created' : e.action === 'delete' ? 'deleted' : e.action === 'restore' ? 'restored' : 'updated'}`,
        ),
      );
    }
    const last = await db()
      .selectFrom('events')
      .select('payload')
      .where('resource_id', '=', r.id)
      .orderBy('version', 'desc')
      .executeTakeFirstOrThrow();
    const current = (await call({ method: 'GET', url: `/api/v1/resources/${r.id}` })).json();
    expect(last.payload).toEqual({
      type: 'resource.restored',
      resourceId: r.id,
      version: 4,
      actorId: a.userId,
      occurredAt: current.updatedAt,
      resource: current,
    });
  });

  it('rolls back the change and its audit entry when the event cannot be written', async () => {
    const call = as(t.app, a);
    const r = await createResource(call, { name: 'atomic' });
    await sql`
      CREATE FUNCTION lb_test_refuse_event() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN RAISE EXCEPTION 'outbox refused'; END $$`.execute(db());
    await sql`CREATE TRIGGER lb_test_refuse BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION lb_test_refuse_event()`.execute(
      db(),
    );
    try {
      const failed = await call({
        method: 'PUT',
        url: `/api/v1/resources/${r.id}`,
        payload: { name: 'never' },
      });
      expect(failed.statusCode).toBe(500);
      const created = await call({
        method: 'POST',
        url: '/api/v1/resources',
        payload: { name: 'never either' },
      });
      expect(created.statusCode).toBe(500);
    } finally {
      await sql`DROP TRIGGER lb_test_refuse ON events`.execute(db());
      await sql`DROP FUNCTION lb_test_refuse_event()`.execute(db());
    }
    const row = await db()
      .selectFrom('resources')
      .select(['version', 'name'])
      .where('id', '=', r.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ version: 1, name: 'atomic' });
    const audit = await db()
      .selectFrom('audit_log')
      .select('version')
      .where('resource_id', '=', r.id)
      .execute();
    expect(audit).toEqual([{ version: 1 }]);
    const named = await db()
      .selectFrom('resources')
      .select('id')
      .where('name', '=', 'never either')
      .execute();
    expect(named).toEqual([]);
  });

  it('publishes in order, marks rows published, and after a failed publish resends the same positions first', async () => {
    const call = as(t.app, a);
    // Everything earlier in this file goes out first.
    const warmup = createMemoryBus({ queues: EVENT_QUEUES, logger });
    await warmup.consume('webhooks', async () => {});
    const clock = { now: () => new Date() };
    while (
      (await createOutboxRelay({ db: db(), mode: 'embedded', bus: warmup, clock, logger }).runOnce()) > 0
    );

    const r = await createResource(call, { name: 'relay' });
    for (let i = 2; i <= 4; i++)
      await call({ method: 'PUT', url: `/api/v1/resources/${r.id}`, payload: { name: `relay ${i}` } });

    const real = createMemoryBus({ queues: EVENT_QUEUES, logger });
    const received: Delivery[] = [];
    await real.consume('webhooks', async (delivery) => {
      received.push(delivery);
    });
    let failed: string[] = [];
    const flaky: Bus = {
      ...real,
      async publish(messages) {
        if (failed.length === 0) {
          failed = messages.map((m) => (m.body as { position: string }).position);
          throw new Error('broker went away');
        }
        return real.publish(messages);
      },
    };
    const relay = createOutboxRelay({ db: db(), mode: 'embedded', bus: flaky, clock, logger });
    await expect(relay.runOnce()).rejects.toThrow(/broker/);
    expect(failed).toHaveLength(4);
    // The numbers were stored before publishing (a client may have seen them): they stay, unconfirmed.
    const stored = () =>
      db()
        .selectFrom('events')
        .select([sql<string | null>`position::text`.as('position'), 'version'])
        .where('resource_id', '=', r.id)
        .orderBy('version')
        .execute();
    const confirmed = async () =>
      BigInt(
        (await sql<{ p: string }>`SELECT confirmed_position::text AS p FROM outbox_relay`.execute(db()))
          .rows[0]!.p,
      );
    expect((await stored()).map((e) => [e.version, e.position])).toEqual(
      failed.map((position, i) => [i + 1, position]),
    );
    expect(await confirmed()).toBeLessThan(BigInt(failed[0]!));
    expect((await pendingEventStats(db())).count).toBe(4);

    // A write after the failure gets a later position than the ones waiting to be resent.
    await call({ method: 'PUT', url: `/api/v1/resources/${r.id}`, payload: { name: 'relay 5' } });
    expect(await relay.runOnce()).toBe(4);
    expect(await relay.runOnce()).toBe(1);
    const bodies = received.map((d) => d.body as { position: string; data: { version: number } });
    expect(bodies.map((b) => b.data.version)).toEqual([1, 2, 3, 4, 5]);
    expect(bodies.slice(0, 4).map((b) => b.position)).toEqual(failed);
    const positions = bodies.map((b) => BigInt(b.position));
    expect(positions.every((p, i) => i === 0 || p > positions[i - 1]!)).toBe(true);
    const after = await stored();
    expect(after.map((e) => e.position)).toEqual(bodies.map((b) => b.position));
    expect(await confirmed()).toBe(positions.at(-1));
    expect(received.map((d) => d.name)).toEqual([
      'resource.created.v1',
      'resource.updated.v1',
      'resource.updated.v1',
      'resource.updated.v1',
      'resource.updated.v1',
    ]);
    expect((await pendingEventStats(db())).count).toBe(0);
    expect(await relay.runOnce()).toBe(0);
  });
});
