import { type Db, type IdempotencyKeyRow, sql } from '@ledgerbase/db';

export type StoredResponse = { statusCode: number; body: unknown };

export function findIdempotencyKey(
  db: Db,
  ownerId: string,
  key: string,
): Promise<IdempotencyKeyRow | undefined> {
  return db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('owner_id', '=', ownerId)
    .where('key', '=', key)
    .executeTakeFirst();
}

/** Claims the key; `false` when another request already holds it (committed or still in flight). */
export async function claimIdempotencyKey(
  db: Db,
  row: {
    ownerId: string;
    key: string;
    requestHash: string;
    response: StoredResponse;
    resourceId: string | null;
    createdAt: Date;
    expiresAt: Date;
  },
): Promise<boolean> {
  const result = await sql`
    INSERT INTO idempotency_keys (owner_id, key, request_hash, status_code, response_body, resource_id, created_at, expires_at)
    VALUES (${row.ownerId}::uuid, ${row.key}, ${row.requestHash}, ${row.response.statusCode},
            ${JSON.stringify(row.response.body)}::jsonb, ${row.resourceId}::uuid,
            ${row.createdAt.toISOString()}::timestamptz, ${row.expiresAt.toISOString()}::timestamptz)
    ON CONFLICT (owner_id, key) DO NOTHING`.execute(db);
  return Number(result.numAffectedRows ?? 0n) === 1;
}

export async function deleteExpiredIdempotencyKeys(db: Db, now: Date, batch = 1000): Promise<number> {
  const result = await sql`
    DELETE FROM idempotency_keys WHERE ctid IN (
      SELECT ctid FROM idempotency_keys WHERE expires_at < ${now.toISOString()}::timestamptz LIMIT ${batch})`.execute(
    db,
  );
  return Number(result.numAffectedRows ?? 0n);
}

export async function deleteIdempotencyKey(db: Db, ownerId: string, key: string): Promise<void> {
  await db.deleteFrom('idempotency_keys').where('owner_id', '=', ownerId).where('key', '=', key).execute();
}
