import {
  type Db,
  type EventType,
  sql,
  type WebhookDeliveryRow,
  type WebhookDeliveryTable,
  type WebhookRow,
} from '@ledgerbase/db';
import type { Insertable } from 'kysely';

export const insertWebhook = (db: Db, row: WebhookRow): Promise<WebhookRow> =>
  db.insertInto('webhooks').values(row).returningAll().executeTakeFirstOrThrow();

export const listOwnWebhooks = (db: Db, ownerId: string): Promise<WebhookRow[]> =>
  db
    .selectFrom('webhooks')
    .selectAll()
    .where('owner_id', '=', ownerId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();

export const findOwnWebhook = (db: Db, ownerId: string, id: string): Promise<WebhookRow | undefined> =>
  db
    .selectFrom('webhooks')
    .selectAll()
    .where('id', '=', id)
    .where('owner_id', '=', ownerId)
    .executeTakeFirst();

export async function countOwnWebhooks(db: Db, ownerId: string): Promise<number> {
  const row = await db
    .selectFrom('webhooks')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('owner_id', '=', ownerId)
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

export async function deleteOwnWebhook(db: Db, ownerId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('webhooks')
    .where('id', '=', id)
    .where('owner_id', '=', ownerId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** Enabled webhooks subscribed to any of `types`, with their owners and subscriptions. */
export const listSubscribedWebhooks = (db: Db, types: readonly EventType[]) =>
  db
    .selectFrom('webhooks')
    .select(['id', 'owner_id', 'events'])
    .where('disabled_at', 'is', null)
    .where(sql<boolean>`events && ${types}::text[]`)
    .execute();

export async function disableWebhook(db: Db, id: string, at: Date, reason: string): Promise<void> {
  await db
    .updateTable('webhooks')
    .set({ disabled_at: at, disabled_reason: reason })
    .where('id', '=', id)
    .where('disabled_at', 'is', null)
    .execute();
}

/** Idempotent: one row per (webhook, event) however often the event is consumed. */
export async function insertDeliveries(
  db: Db,
  rows: readonly Insertable<WebhookDeliveryTable>[],
): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await db
    .insertInto('webhook_deliveries')
    .values([...rows])
    .onConflict((oc) => oc.columns(['webhook_id', 'event_seq']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n);
}

export type DeliveryRecord = WebhookDeliveryRow & { event_id: string };

const deliveryColumns = [
  'd.id',
  'd.webhook_id',
  'd.event_seq',
  'd.event_type',
  'd.message_id',
  'd.status',
  'd.attempts',
  'd.response_status',
  'd.duration_ms',
  'd.last_error',
  'd.next_attempt_at',
  'd.last_attempt_at',
  'd.created_at',
  'e.id as event_id',
] as const;

/** The delivery log of one webhook, newest first (ids are UUIDv7), `limit + 1` rows. */
export const listDeliveries = (
  db: Db,
  webhookId: string,
  options: { before: string | undefined; limit: number },
): Promise<DeliveryRecord[]> => {
  let query = db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('events as e', 'e.seq', 'd.event_seq')
    .select(deliveryColumns)
    .where('d.webhook_id', '=', webhookId);
  if (options.before) query = query.where('d.id', '<', options.before);
  return query
    .orderBy('d.id', 'desc')
    .limit(options.limit + 1)
    .execute();
};

export const findDelivery = (db: Db, webhookId: string, id: string): Promise<DeliveryRecord | undefined> =>
  db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('events as e', 'e.seq', 'd.event_seq')
    .select(deliveryColumns)
    .where('d.webhook_id', '=', webhookId)
    .where('d.id', '=', id)
    .executeTakeFirst();

/** Manual redelivery: one more attempt now, with the same `webhook-id`. */
export async function scheduleRedelivery(db: Db, webhookId: string, id: string, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', next_attempt_at: at })
    .where('webhook_id', '=', webhookId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export type ClaimedDelivery = {
  id: string;
  attempts: number;
  message_id: string;
  event_type: EventType;
  webhook_id: string;
  url: string;
  secret: string;
  webhook_owner: string;
  webhook_disabled: boolean;
  resource_id: string;
  resource_owner: string;
  payload: Record<string, unknown>;
};

/**
 * Takes up to `limit` due deliveries (SKIP LOCKED: any number of workers share the work) and leases
 * them until `leaseUntil` by moving their next attempt there: a worker that dies mid-delivery
 * leaves them due again after the lease. Counting the attempt at claim time keeps a receiver that
 * crashes workers from being retried forever; the previous attempt's result is cleared meanwhile.
 */
export async function claimDueDeliveries(
  db: Db,
  options: { now: Date; leaseUntil: Date; limit: number },
): Promise<ClaimedDelivery[]> {
  const { rows } = await sql<ClaimedDelivery>`
    WITH claimed AS (
      UPDATE webhook_deliveries SET attempts = attempts + 1, response_status = NULL, duration_ms = NULL,
             last_error = NULL,
             last_attempt_at = ${options.now.toISOString()}::timestamptz,
             next_attempt_at = ${options.leaseUntil.toISOString()}::timestamptz
      WHERE id IN (
        SELECT id FROM webhook_deliveries
        WHERE status = 'pending' AND next_attempt_at <= ${options.now.toISOString()}::timestamptz
        ORDER BY next_attempt_at LIMIT ${options.limit} FOR UPDATE SKIP LOCKED)
      RETURNING id, attempts, message_id, event_type, webhook_id, event_seq
    )
    SELECT c.id, c.attempts, c.message_id, c.event_type, c.webhook_id, w.url, w.secret,
           w.owner_id AS webhook_owner, (w.disabled_at IS NOT NULL) AS webhook_disabled,
           e.resource_id, e.owner_id AS resource_owner, e.payload
    FROM claimed c JOIN webhooks w ON w.id = c.webhook_id JOIN events e ON e.seq = c.event_seq`.execute(db);
  return rows;
}

export type AttemptOutcome = {
  status: 'pending' | 'delivered' | 'failed' | 'skipped';
  responseStatus: number | null;
  durationMs: number | null;
  error: string | null;
  nextAttemptAt: Date | null;
};

/** Records an attempt, unless another worker re-claimed the delivery after our lease ran out. */
export async function recordAttempt(
  db: Db,
  delivery: { id: string; attempts: number },
  outcome: AttemptOutcome,
): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({
      status: outcome.status,
      response_status: outcome.responseStatus,
      duration_ms: outcome.durationMs,
      last_error: outcome.error,
      next_attempt_at: outcome.nextAttemptAt,
    })
    .where('id', '=', delivery.id)
    .where('attempts', '=', delivery.attempts)
    .execute();
}
