import { generateKeyPairSync } from 'node:crypto';
import { checkpointBody, hashAuditEntry, noteKeyOf, signNote, verifyDatabase } from '@ledgerbase/core';
import { sql } from '@ledgerbase/db';
import { uuidv7 } from 'uuidv7';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_DB_MODE } from '../../../test/database.ts';
import { RESOURCES } from './access-helpers.ts';
import {
  type AuditFixture,
  auditFixture,
  entryOf,
  expectNamed,
  seal,
  verify,
  write,
} from './audit-helpers.ts';

/**
 * Tampering with raw SQL, the way someone with write access to the database would (issue #4): each
 * case gets its own database, changes it behind the service's back and expects verification to fail
 * and name the entry.
 */
/** A resource and its create entry, consistent in every way, written straight into the tables. */
async function insertGhost(fx: AuditFixture, seq: number): Promise<string> {
  const id = uuidv7();
  const entry = {
    id: uuidv7(),
    resourceId: id,
    actorId: fx.member.userId,
    actorType: 'user' as const,
    action: 'create' as const,
    changes: [
      { op: 'add', path: '/name', value: 'ghost' },
      { op: 'add', path: '/metadata', value: {} },
    ],
    version: 1,
    requestId: null,
    traceId: null,
    createdAt: new Date().toISOString(),
    prevHash: null,
  };
  const hash = hashAuditEntry(entry);
  await sql`INSERT INTO resources (id, owner_id, name, metadata, version, head_hash, created_at, updated_at)
            VALUES (${id}, ${fx.member.userId}, 'ghost', '{}', 1, ${hash}, now(), now())`.execute(fx.db);
  await sql`
    INSERT INTO audit_log (seq, id, resource_id, actor_id, actor_type, action, changes, snapshot, version,
                           request_id, created_at, hash, prev_hash)
    OVERRIDING SYSTEM VALUE
    VALUES (${seq}, ${entry.id}, ${id}, ${fx.member.userId}, 'user', 'create', ${JSON.stringify(entry.changes)}::jsonb,
            '{"name":"ghost","metadata":{}}', 1, NULL, ${entry.createdAt}::timestamptz, ${hash}, NULL)`.execute(
    fx.db,
  );
  return entry.id;
}

describe('audit verification catches tampering', () => {
  let f: AuditFixture | undefined;
  afterEach(async () => {
    await f?.t.close();
    f = undefined;
  });

  async function sealed(): Promise<AuditFixture> {
    f = await auditFixture();
    expect(await seal(f.t)).toMatchObject({ treeSize: 7, appended: 7 });
    return f;
  }

  it('passes an untouched log, with its checkpoint, and again after more writes and seals', async () => {
    const fx = await sealed();
    expect(await verify(fx)).toEqual({ valid: true, checked: 7, checkpoints: 1, treeSize: 7 });
    await write(fx.call, { method: 'PUT', url: `${RESOURCES}/${fx.a.id}`, payload: { name: 'alpha 5' } });
    expect(await verify(fx)).toEqual({ valid: true, checked: 8, checkpoints: 1, treeSize: 8 });
    await seal(fx.t);
    expect(await seal(fx.t)).toBeUndefined();
    expect(await verify(fx)).toEqual({ valid: true, checked: 8, checkpoints: 2, treeSize: 8 });
  });

  it('UPDATE of an entry’s changes: hash mismatch at that entry', async () => {
    const fx = await sealed();
    const target = await entryOf(fx.db, fx.a.id, 2);
    await sql`UPDATE audit_log SET changes = '[{"op":"replace","path":"/name","value":"forged"}]'
              WHERE id = ${target.id}`.execute(fx.db);
    expectNamed(await verify(fx), target, /hash mismatch/);
  });

  it('UPDATE of an entry’s actor, request id or timestamp: hash mismatch at that entry', async () => {
    const fx = await sealed();
    const target = await entryOf(fx.db, fx.b.id, 2);
    await sql`UPDATE audit_log SET actor_id = ${fx.admin.userId} WHERE id = ${target.id}`.execute(fx.db);
    expectNamed(await verify(fx), target, /hash mismatch/);
    await sql`UPDATE audit_log SET actor_id = ${fx.member.userId}, created_at = created_at + interval '1 ms'
              WHERE id = ${target.id}`.execute(fx.db);
    expectNamed(await verify(fx), target, /hash mismatch/);
  });

  it('UPDATE of an entry’s snapshot (what /versions shows): named, the snapshot does not match', async () => {
    const fx = await sealed();
    const target = await entryOf(fx.db, fx.a.id, 3);
    await sql`UPDATE audit_log SET snapshot = jsonb_set(snapshot, '{name}', '"forged"') WHERE id = ${target.id}`.execute(
      fx.db,
    );
    expectNamed(await verify(fx), target, /snapshot does not match/);
  });

  it('DELETE of a middle entry: the next entry of that resource is named, the gap reported', async () => {
    const fx = await sealed();
    const deleted = await entryOf(fx.db, fx.a.id, 2);
    const next = await entryOf(fx.db, fx.a.id, 3);
    await sql`DELETE FROM audit_log WHERE id = ${deleted.id}`.execute(fx.db);
    expectNamed(await verify(fx), next, /version 3 follows version 1: version 2 missing/);
  });

  it('reorder, swapping two entries’ versions: hash mismatch at the first moved entry', async () => {
    const fx = await sealed();
    const second = await entryOf(fx.db, fx.a.id, 2);
    await sql`UPDATE audit_log SET version = -2 WHERE resource_id = ${fx.a.id} AND version = 2`.execute(
      fx.db,
    );
    await sql`UPDATE audit_log SET version = 2 WHERE resource_id = ${fx.a.id} AND version = 3`.execute(fx.db);
    await sql`UPDATE audit_log SET version = 3 WHERE resource_id = ${fx.a.id} AND version = -2`.execute(
      fx.db,
    );
    expectNamed(await verify(fx), { ...second, version: 3 }, /hash mismatch/);
  });

  it('reorder, swapping two entries’ whole contents: the out-of-order entry is named', async () => {
    const fx = await sealed();
    const second = await entryOf(fx.db, fx.a.id, 2);
    const third = await entryOf(fx.db, fx.a.id, 3);
    const columns = sql.raw(
      'id, actor_id, actor_type, action, changes, snapshot, version, request_id, created_at, hash, prev_hash, trace_id',
    );
    await sql`CREATE TEMP TABLE swap AS SELECT seq, ${columns} FROM audit_log WHERE id IN (${second.id}, ${third.id})`.execute(
      fx.db,
    );
    await sql`UPDATE audit_log SET version = -version WHERE id IN (${second.id}, ${third.id})`.execute(fx.db);
    await sql`UPDATE audit_log SET id = gen_random_uuid() WHERE seq IN (${second.seq}, ${third.seq})`.execute(
      fx.db,
    );
    await sql`
      UPDATE audit_log a SET (id, actor_id, actor_type, action, changes, snapshot, version, request_id, created_at,
                              hash, prev_hash, trace_id) =
        (s.id, s.actor_id, s.actor_type, s.action, s.changes, s.snapshot, s.version, s.request_id, s.created_at,
         s.hash, s.prev_hash, s.trace_id)
      FROM swap s WHERE s.seq = CASE WHEN a.seq = ${second.seq} THEN ${third.seq} ELSE ${second.seq} END::bigint
        AND a.seq IN (${second.seq}, ${third.seq})`.execute(fx.db);
    await sql`DROP TABLE swap`.execute(fx.db);
    // Version 3's content now sits at version 2's place in the log.
    expectNamed(await verify(fx), { ...third, seq: second.seq }, /version 3 follows version 1/);
  });

  it('INSERT of a forged entry with a valid hash and link: named, its change never happened', async () => {
    const fx = await sealed();
    const head = await entryOf(fx.db, fx.a.id, 4);
    const forged = {
      id: uuidv7(),
      resourceId: fx.a.id,
      actorId: fx.member.userId,
      actorType: 'user' as const,
      action: 'update' as const,
      changes: [{ op: 'replace', path: '/name', value: 'forged' }],
      version: 5,
      requestId: 'forged',
      traceId: null,
      createdAt: new Date().toISOString(),
      prevHash: head.hash,
    };
    const hash = hashAuditEntry(forged);
    await sql`
      INSERT INTO audit_log (id, resource_id, actor_id, actor_type, action, changes, snapshot, version, request_id,
                             created_at, hash, prev_hash)
      VALUES (${forged.id}, ${fx.a.id}, ${fx.member.userId}, 'user', 'update', ${JSON.stringify(forged.changes)}::jsonb,
              '{"name":"forged","metadata":{}}', 5, 'forged', ${forged.createdAt}::timestamptz, ${hash}, ${head.hash})`.execute(
      fx.db,
    );
    const row = await entryOf(fx.db, fx.a.id, 5);
    expectNamed(await verify(fx), row, /added without its change/);
  });

  it('INSERT of a forged entry with a made-up hash: hash mismatch at that entry', async () => {
    const fx = await sealed();
    await sql`
      INSERT INTO audit_log (id, resource_id, actor_id, actor_type, action, changes, snapshot, version, request_id,
                             created_at, hash, prev_hash)
      SELECT ${uuidv7()}, resource_id, actor_id, actor_type, 'update', '[]', snapshot, 5, request_id, created_at,
             repeat('ab', 32), hash
      FROM audit_log WHERE resource_id = ${fx.a.id} AND version = 4`.execute(fx.db);
    expectNamed(await verify(fx), await entryOf(fx.db, fx.a.id, 5), /hash mismatch/);
  });

  it('truncating the tail after a checkpoint, resource rewound to match: the checkpoint catches it', async () => {
    const fx = await sealed();
    const kept = await entryOf(fx.db, fx.a.id, 3);
    const dropped = await entryOf(fx.db, fx.a.id, 4);
    // The newest entry of the log, removed with its resource rewound: every chain still links.
    await sql`DELETE FROM audit_log WHERE id = ${dropped.id}`.execute(fx.db);
    await sql`UPDATE resources SET version = 3, head_hash = ${kept.hash} WHERE id = ${fx.a.id}`.execute(
      fx.db,
    );
    const report = await verify(fx);
    expect(report.valid).toBe(false);
    expect(report.checked).toBe(6);
    expect(report.firstInvalid?.reason).toMatch(
      /log ends at tree size 6, but a signed checkpoint \(database\) covers 7 entries: 1 sealed entry is missing/,
    );
  });

  it('rewriting a chain consistently (new hashes, resource head updated): the signed root catches it', async () => {
    const fx = await sealed();
    const first = await entryOf(fx.db, fx.a.id, 1);
    const rows = await sql<{
      id: string;
      actor_id: string;
      actor_type: 'user';
      action: 'update';
      version: number;
      request_id: string;
      created_at: Date;
      snapshot: { name: string; metadata: Record<string, unknown> };
    }>`SELECT * FROM audit_log WHERE resource_id = ${fx.a.id} AND version > 1 ORDER BY version`.execute(
      fx.db,
    );
    let prevHash = first.hash;
    for (const row of rows.rows) {
      const changes = [{ op: 'replace', path: '/name', value: `rewritten ${row.version}` }];
      const hash = hashAuditEntry({
        id: row.id,
        resourceId: fx.a.id,
        actorId: row.actor_id,
        actorType: row.actor_type,
        action: row.action,
        changes,
        version: row.version,
        requestId: row.request_id,
        traceId: null,
        createdAt: row.created_at.toISOString(),
        prevHash,
      });
      await sql`UPDATE audit_log SET changes = ${JSON.stringify(changes)}::jsonb, hash = ${hash}, prev_hash = ${prevHash},
                  snapshot = ${JSON.stringify({ name: `rewritten ${row.version}`, metadata: { n: 1, tags: ['x'] } })}::jsonb
                WHERE id = ${row.id}`.execute(fx.db);
      prevHash = hash;
    }
    await sql`UPDATE resources SET head_hash = ${prevHash}, name = 'rewritten 4' WHERE id = ${fx.a.id}`.execute(
      fx.db,
    );
    const report = await verify(fx);
    expect(report.valid).toBe(false);
    expect(report.checked).toBe(7);
    expect(report.firstInvalid?.reason).toMatch(
      /Merkle root over the first 7 entries does not match the signed/,
    );
  });

  it('a whole resource with its chain slipped into a gap of the sealed range: the signed root catches it', async () => {
    const fx = await sealed();
    // A rolled-back write leaves a gap in seq (8); the next entry (a v5) takes 9 and is sealed.
    await sql`SELECT nextval(pg_get_serial_sequence('audit_log', 'seq'))`.execute(fx.db);
    await write(fx.call, { method: 'PUT', url: `${RESOURCES}/${fx.a.id}`, payload: { name: 'alpha 5' } });
    expect(await seal(fx.t)).toMatchObject({ treeSize: 8, lastSeq: 9 });
    const ghost = await insertGhost(fx, 8);
    const report = await verify(fx);
    expect(report.valid).toBe(false);
    // The ghost is the 8th leaf: where the tree reaches the second checkpoint's size.
    expect(report.firstInvalid).toMatchObject({ id: ghost, seq: 8 });
    expect(report.firstInvalid?.reason).toMatch(/Merkle root over the first 8 entries does not match/);
  });

  it('an entry at a seq the database never issues is named', async () => {
    const fx = await sealed();
    const ghost = await insertGhost(fx, 0);
    expect((await verify(fx)).firstInvalid).toMatchObject({ id: ghost, seq: 0, reason: /never issued/ });
  });

  it('a checkpoint re-signed with another key, or edited, is rejected', async () => {
    const fx = await sealed();
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const attacker = noteKeyOf('ledgerbase/audit', publicKey);
    const row = await fx.db
      .selectFrom('audit_checkpoints')
      .select(['note', 'root_hash'])
      .executeTakeFirstOrThrow();
    const body = checkpointBody({
      origin: 'ledgerbase/audit',
      treeSize: 7,
      rootHash: Buffer.from(row.root_hash, 'hex'),
    });
    await sql`UPDATE audit_checkpoints SET note = ${signNote(body, attacker, privateKey)}`.execute(fx.db);
    expect((await verify(fx)).firstInvalid?.reason).toMatch(/signed by no trusted key/);
    await sql`UPDATE audit_checkpoints SET note = ${row.note.replace('\n7\n', '\n6\n')}`.execute(fx.db);
    expect((await verify(fx)).firstInvalid?.reason).toMatch(/does not verify/);
  });

  it('a removed resource head (its entries and row deleted together) is caught by the checkpoint', async () => {
    const fx = await sealed();
    await sql`DELETE FROM audit_log WHERE resource_id = ${fx.b.id}`.execute(fx.db);
    await sql`DELETE FROM resources WHERE id = ${fx.b.id}`.execute(fx.db);
    const report = await verify(fx);
    expect(report.valid).toBe(false);
    expect(report.firstInvalid?.reason).toMatch(/log ends at tree size 4, but a signed checkpoint/);
  });

  it('verifies the same outside one snapshot (PGlite’s mode) as inside one', async () => {
    const fx = await sealed();
    const keys = fx.t.container.auditKeys;
    for (const snapshot of TEST_DB_MODE === 'postgres' ? [true, false] : [false]) {
      expect(await verifyDatabase({ db: fx.db, keys }, { snapshot })).toMatchObject({
        valid: true,
        checked: 7,
      });
    }
  });
});
