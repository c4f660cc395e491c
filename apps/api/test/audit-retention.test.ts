import { PurgeRefusedError, purgeAuditLog } from '@ledgerbase/core';
import { sql } from '@ledgerbase/db';
import { ConfigError, loadConfig } from '@ledgerbase/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES } from './access-helpers.ts';
import { type AuditFixture, auditFixture, entryOf, seal, verify, write } from './audit-helpers.ts';
import { createResource, expectError } from './helpers.ts';

const DAY = 24 * 3600 * 1000;
/** The purge runs as if `days` had passed. */
const purgeAfter = (f: AuditFixture, days: number, options: { batchSize?: number } = {}) =>
  purgeAuditLog(
    { ...f.t.container.auditJobDeps, clock: { now: () => new Date(Date.now() + days * DAY) } },
    { retentionDays: 30, ...options },
  );

const count = async (f: AuditFixture, table: 'audit_log' | 'audit_anchors' | 'resources') =>
  Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(f.db)).rows[0]!.n);

describe('audit retention', () => {
  let f: AuditFixture;
  beforeAll(async () => {
    f = await auditFixture();
  });
  afterAll(() => f.t.close());

  it('purges nothing before the period has passed, nor anything not yet sealed', async () => {
    expect(await purgeAfter(f, 31)).toMatchObject({ entries: 0, resources: 0 });
    await seal(f.t);
    expect(await purgeAfter(f, 29)).toMatchObject({ entries: 0, resources: 0 });
    expect(await count(f, 'audit_log')).toBe(7);
  });

  it('purges the sealed prefix in batches, anchors the chains, drops expired deleted resources; the rest verifies', async () => {
    const lastPurged = await entryOf(f.db, f.a.id, 4);
    await write(f.call, { method: 'PUT', url: `${RESOURCES}/${f.a.id}`, payload: { name: 'alpha 5' } });
    const c = await createResource(f.call, { name: 'gamma' });
    expect(await purgeAfter(f, 31, { batchSize: 3 })).toEqual({
      entries: 7,
      batches: 3,
      resources: 1,
      treeSize: 7,
    });
    expect(await count(f, 'audit_log')).toBe(2);
    const anchors = await f.db.selectFrom('audit_anchors').selectAll().execute();
    expect(anchors).toEqual([
      expect.objectContaining({
        resource_id: f.a.id,
        version: 4,
        hash: lastPurged.hash,
        seq: lastPurged.seq,
      }),
    ]);
    // b was deleted and its history purged: it is gone for good; a and c stay.
    expectError(
      await f.adminCall({ method: 'GET', url: `${RESOURCES}/${f.b.id}/history` }),
      404,
      'NOT_FOUND',
    );
    expect(await count(f, 'resources')).toBe(2);

    expect(await verify(f)).toEqual({ valid: true, checked: 2, checkpoints: 1, treeSize: 9 });
    const history = (await f.call({ method: 'GET', url: `${RESOURCES}/${f.a.id}/history` })).json();
    expect(history.data.map((e: { version: number }) => e.version)).toEqual([5]);
    expect(history.data[0].prevHash).toBe(lastPurged.hash);
    expect((await f.call({ method: 'GET', url: `${RESOURCES}/${f.a.id}/versions/5` })).json()).toMatchObject({
      name: 'alpha 5',
      version: 5,
    });
    expectError(await f.call({ method: 'GET', url: `${RESOURCES}/${f.a.id}/versions/1` }), 404, 'NOT_FOUND');

    // The chain goes on from the anchor; the next checkpoint extends the purged prefix's tree.
    await write(f.call, { method: 'PUT', url: `${RESOURCES}/${f.a.id}`, payload: { name: 'alpha 6' } });
    await write(f.call, { method: 'DELETE', url: `${RESOURCES}/${c.id}` });
    expect(await seal(f.t)).toMatchObject({ treeSize: 11 });
    expect(await verify(f)).toEqual({ valid: true, checked: 4, checkpoints: 2, treeSize: 11 });
  });

  it('a second purge continues from the prefix and takes the next expired resource', async () => {
    expect(await purgeAfter(f, 31)).toEqual({ entries: 4, batches: 1, resources: 1, treeSize: 11 });
    expect(await count(f, 'audit_log')).toBe(0);
    expect(await count(f, 'resources')).toBe(1);
    expect(await verify(f)).toEqual({ valid: true, checked: 0, checkpoints: 1, treeSize: 11 });
    // Tampering with what retention left behind is caught: the anchor is what the chain continues from.
    await sql`UPDATE audit_anchors SET hash = repeat('0', 64)`.execute(f.db);
    await write(f.call, { method: 'PUT', url: `${RESOURCES}/${f.a.id}`, payload: { name: 'alpha 7' } });
    expect((await verify(f)).firstInvalid?.reason).toMatch(/prevHash does not match the hash of version 6/);
  });
});

describe('audit retention never destroys evidence', () => {
  it('refuses to purge a sealed entry that fails verification, and purges nothing', async () => {
    const f = await auditFixture();
    try {
      await seal(f.t);
      const target = await entryOf(f.db, f.b.id, 2);
      await sql`UPDATE audit_log SET changes = '[]' WHERE id = ${target.id}`.execute(f.db);
      await expect(purgeAfter(f, 31)).rejects.toThrow(PurgeRefusedError);
      await expect(purgeAfter(f, 31)).rejects.toThrow(new RegExp(`${target.id}.*hash mismatch`));
      expect(await count(f, 'audit_log')).toBe(7);
    } finally {
      await f.t.close();
    }
  });
});

describe('AUDIT_RETENTION_DAYS', () => {
  it('is a whole number of days; unset keeps entries forever', () => {
    expect(loadConfig({}).auditRetentionDays).toBeUndefined();
    expect(loadConfig({ AUDIT_RETENTION_DAYS: '365' }).auditRetentionDays).toBe(365);
    for (const bad of ['0', '-1', '1.5', 'forever']) {
      expect(() => loadConfig({ AUDIT_RETENTION_DAYS: bad })).toThrow(ConfigError);
    }
    expect(() => loadConfig({ AUDIT_RETENTION_DAYS: 'x' })).toThrow(/AUDIT_RETENTION_DAYS/);
  });
});
