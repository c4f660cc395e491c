import { createCursorCodec, createResourceService, sealAuditLog } from '@ledgerbase/core';
import { type Db, sql } from '@ledgerbase/db';
import { systemClock } from '@ledgerbase/platform';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_DB_MODE } from '../../../test/database.ts';
import { RESOURCES } from './access-helpers.ts';
import { type AuditFixture, auditFixture, seal, verify, write } from './audit-helpers.ts';

/**
 * Sealing must never put a checkpoint over a range that a slower transaction can still write into:
 * an entry takes its seq when its row is formed and shows up at commit, so a lower seq can appear
 * after a higher one.
 */
describe('sealing the audit log', () => {
  let f: AuditFixture | undefined;
  afterEach(async () => {
    await f?.t.close();
    f = undefined;
  });

  it('seals only entries older than the safety margin (60 s by the database clock)', async () => {
    f = await auditFixture();
    expect(await sealAuditLog(f.t.container.auditJobDeps)).toBeUndefined();
    await sql`UPDATE audit_log SET recorded_at = recorded_at - interval '2 minutes'
              WHERE resource_id = ${f.a.id} AND version <= 2`.execute(f.db);
    // In seq order the entries are a1, b1, a2, ...: the newest old-enough one is a2, the third.
    expect(await sealAuditLog(f.t.container.auditJobDeps)).toMatchObject({ treeSize: 3, lastSeq: 3 });
    expect(await verify(f)).toMatchObject({ valid: true, checked: 7, checkpoints: 1 });
  });

  // PGlite runs one transaction at a time, so there no write can be in flight while the sealer runs.
  if (TEST_DB_MODE === 'postgres')
    it('stops before an entry whose transaction is still open, even with no margin', async () => {
      const fx = await auditFixture();
      f = fx;
      const trx = await fx.db.startTransaction().execute();
      try {
        const inFlight = createResourceService({
          db: trx as unknown as Db,
          clock: systemClock,
          cursors: createCursorCodec(Buffer.alloc(32)),
        });
        const actor = { type: 'user' as const, userId: fx.member.userId, role: 'member' as const };
        // seq 8, not committed yet; then seq 9, committed.
        await inFlight.create({ actor, requestId: 'slow' }, { name: 'slow' });
        await write(fx.call, { method: 'PUT', url: `${RESOURCES}/${fx.a.id}`, payload: { name: 'fast' } });
        expect(await seal(fx.t)).toMatchObject({ treeSize: 7, lastSeq: 7 });
        await trx.commit().execute();
      } catch (error) {
        await trx.rollback().execute();
        throw error;
      }
      expect(await seal(fx.t)).toMatchObject({ treeSize: 9, lastSeq: 9 });
      expect(await verify(fx)).toEqual({ valid: true, checked: 9, checkpoints: 2, treeSize: 9 });
    });

  it('audited writes carry on while a seal runs; what was sealed keeps verifying', async () => {
    const fx = await auditFixture();
    f = fx;
    const writes = Array.from({ length: 12 }, (_, i) =>
      write(fx.call, { method: 'POST', url: RESOURCES, payload: { name: `w${i}` } }),
    );
    const seals = [seal(fx.t), seal(fx.t)];
    await Promise.all([...writes, ...seals]);
    await seal(fx.t);
    expect(await verify(fx)).toMatchObject({ valid: true, checked: 19, treeSize: 19 });
  });
});
