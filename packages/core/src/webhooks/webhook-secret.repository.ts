import { type Db, sql } from '@ledgerbase/db';

/** Key ids named by stored webhook secrets (`v1.<keyId>.…`, see crypto/key-ring.ts). */
export async function webhookSecretKeyIds(db: Db): Promise<string[]> {
  const { rows } = await sql<{ key_id: string }>`
    SELECT DISTINCT split_part(secret, '.', 2) AS key_id FROM webhooks`.execute(db);
  return rows.map((row) => row.key_id);
}

export async function countWebhookSecretsNotUnder(db: Db, keyId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM webhooks WHERE split_part(secret, '.', 2) <> ${keyId}`.execute(db);
  return rows[0]?.n ?? 0;
}

/** The next batch still under another key, locked for the caller's transaction (others skip it). */
export async function lockWebhookSecretsNotUnder(
  db: Db,
  filter: { keyId: string; after: string | undefined; limit: number },
): Promise<Array<{ id: string; secret: string }>> {
  const { rows } = await sql<{ id: string; secret: string }>`
    SELECT id, secret FROM webhooks
    WHERE split_part(secret, '.', 2) <> ${filter.keyId}
      ${filter.after === undefined ? sql`` : sql`AND id > ${filter.after}::uuid`}
    ORDER BY id LIMIT ${filter.limit}
    FOR UPDATE SKIP LOCKED`.execute(db);
  return rows;
}

export async function setWebhookSecret(db: Db, id: string, secret: string): Promise<void> {
  await sql`UPDATE webhooks SET secret = ${secret} WHERE id = ${id}::uuid`.execute(db);
}
