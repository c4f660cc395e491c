import { type AuditEntry, sealAuditLog, type VerifyReport, verifyDatabase } from '@ledgerbase/core';
import { type Db, sql } from '@ledgerbase/db';
import { expect } from 'vitest';
import { createAppWithAdmin, MERGE_PATCH, RESOURCES } from './access-helpers.ts';
import {
  as,
  type Call,
  createResource,
  type ResourceJson,
  registerAndLogin,
  type Session,
  type TestApp,
} from './helpers.ts';

export const AUDIT = '/api/v1/audit';

export type AuditFixture = {
  t: TestApp;
  db: Db;
  admin: Session;
  adminCall: Call;
  member: Session;
  call: Call;
  /** Four versions: create, put, patch, put. */
  a: ResourceJson;
  /** Three versions: create, patch, delete. */
  b: ResourceJson;
};

/** An app with an admin, a member and two resources with some history. */
export async function auditFixture(env: Record<string, string> = {}): Promise<AuditFixture> {
  const { t, admin } = await createAppWithAdmin(env);
  const member = await registerAndLogin(t.app);
  const call = as(t.app, member);
  const a = await createResource(call, { name: 'alpha', metadata: { n: 1, tags: ['x'] } });
  const b = await createResource(call, { name: 'beta' });
  await write(call, {
    method: 'PUT',
    url: `${RESOURCES}/${a.id}`,
    payload: { name: 'alpha 2', metadata: { n: 2 } },
  });
  await write(call, {
    method: 'PATCH',
    url: `${RESOURCES}/${b.id}`,
    headers: MERGE_PATCH,
    payload: '{"metadata":{"k":"v"}}',
  });
  await write(call, {
    method: 'PATCH',
    url: `${RESOURCES}/${a.id}`,
    headers: MERGE_PATCH,
    payload: '{"metadata":{"deep":{"x":[1,2]}}}',
  });
  await write(call, { method: 'DELETE', url: `${RESOURCES}/${b.id}` });
  await write(call, { method: 'PUT', url: `${RESOURCES}/${a.id}`, payload: { name: 'alpha 4' } });
  return { t, db: t.container.database.db, admin, adminCall: as(t.app, admin), member, call, a, b };
}

export async function write(call: Call, options: Parameters<Call>[0]) {
  const response = await call(options);
  expect(response.statusCode, response.body).toBeLessThan(300);
  return response;
}

/** Seals everything written so far (no safety margin: the test's writes have all committed). */
export const seal = (t: TestApp) => sealAuditLog(t.container.auditJobDeps, { marginMs: 0 });

/**
 * GET /audit/verify. On PostgreSQL the same verification also runs split over threads (what the API
 * and the CLI do when they know DATABASE_URL), and must give the same report.
 */
export async function verify(f: Pick<AuditFixture, 'adminCall' | 't'>): Promise<VerifyReport> {
  const response = await f.adminCall({ method: 'GET', url: `${AUDIT}/verify` });
  expect(response.statusCode, response.body).toBe(200);
  const report = response.json() as VerifyReport;
  const url = f.t.database.url;
  if (url) {
    const parallel = await verifyDatabase(
      { db: f.t.container.database.db, keys: f.t.container.auditKeys },
      { snapshot: true, parallel: { databaseUrl: url, workers: 2 } },
    );
    // Same verdict, same entry; only the wording for a reordered entry may differ.
    const invalid = parallel.firstInvalid
      ? { firstInvalid: { ...parallel.firstInvalid, reason: expect.any(String) } }
      : {};
    expect({ ...parallel, ...invalid }).toEqual(report);
  }
  return report;
}

export type AuditRow = {
  seq: string;
  id: string;
  resource_id: string;
  version: number;
  hash: string;
  prev_hash: string | null;
};

export async function entryOf(db: Db, resourceId: string, version: number): Promise<AuditRow> {
  const { rows } = await sql<AuditRow>`
    SELECT seq, id, resource_id, version, hash, prev_hash FROM audit_log
    WHERE resource_id = ${resourceId} AND version = ${version}`.execute(db);
  expect(rows, `entry ${resourceId} v${version}`).toHaveLength(1);
  return rows[0]!;
}

/** What a verification that fails must say: which entry, where. */
export function expectNamed(report: VerifyReport, row: AuditRow, reason: RegExp): void {
  expect(report.valid, JSON.stringify(report)).toBe(false);
  expect(report.firstInvalid).toMatchObject({
    id: row.id,
    seq: Number(row.seq),
    resourceId: row.resource_id,
    version: row.version,
  });
  expect(report.firstInvalid?.reason).toMatch(reason);
}

export async function allEntries(call: Call, query = ''): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  let cursor: string | null = null;
  do {
    const url: string = `${AUDIT}?limit=3${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const response = await call({ method: 'GET', url });
    expect(response.statusCode, response.body).toBe(200);
    const page = response.json() as { data: AuditEntry[]; nextCursor: string | null };
    entries.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor);
  return entries;
}
