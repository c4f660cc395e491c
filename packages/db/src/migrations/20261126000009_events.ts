import { type Kysely, sql } from 'kysely';

/**
 * Transactional outbox and webhooks (CONTRACT "Events", ADR 0010). Every resource change writes its
 * event row in the same statement as the change and its audit entry. The relay numbers pending rows
 * (`position`, from `events_position_seq`, with `published_at` the time it hands them to the bus),
 * publishes them and, once the bus confirmed, advances `outbox_relay.confirmed_position`. Positions
 * are handed out by one relay at a time and committed before publishing, so "every event after
 * position N" is exact: it is the SSE `id:` and what `Last-Event-ID` resumes from. `seq` is only
 * insertion order: sequence values are taken before commit, so a lower `seq` can become visible
 * after a higher one. One update per event row (numbering), one per batch (the checkpoint).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE events (
      seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      id uuid NOT NULL,
      type text NOT NULL
        CHECK (type IN ('resource.created', 'resource.updated', 'resource.deleted', 'resource.restored')),
      resource_id uuid NOT NULL,
      owner_id uuid NOT NULL,
      version integer NOT NULL,
      actor_id uuid,
      occurred_at timestamptz(3) NOT NULL,
      payload jsonb NOT NULL,
      position bigint,
      published_at timestamptz(3)
    )`.execute(db);
  // Partial indexes: the write path inserts into the pending one only; position is set by the relay.
  await sql`CREATE INDEX events_pending_idx ON events (seq) WHERE position IS NULL`.execute(db);
  await sql`CREATE UNIQUE INDEX events_position_key ON events (position) WHERE position IS NOT NULL`.execute(
    db,
  );
  await sql`CREATE SEQUENCE events_position_seq`.execute(db);
  // Everything up to here was confirmed by the bus; numbered rows above it are published again.
  await sql`
    CREATE TABLE outbox_relay (
      id boolean PRIMARY KEY DEFAULT true CHECK (id),
      confirmed_position bigint NOT NULL DEFAULT 0
    )`.execute(db);
  await sql`INSERT INTO outbox_relay DEFAULT VALUES`.execute(db);

  // The secret signs deliveries, so it is kept (encrypted with the key ring), never shown again.
  await sql`
    CREATE TABLE webhooks (
      id uuid PRIMARY KEY,
      owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      url text NOT NULL,
      events text[] NOT NULL,
      description text,
      secret text NOT NULL,
      created_at timestamptz(3) NOT NULL,
      disabled_at timestamptz(3),
      disabled_reason text
    )`.execute(db);
  await sql`CREATE INDEX webhooks_owner_idx ON webhooks (owner_id, created_at, id)`.execute(db);

  // One row per (webhook, event): the unique key makes fan-out idempotent under redelivery, and
  // `message_id` is the `webhook-id` header, the same on every attempt (Standard Webhooks).
  await sql`
    CREATE TABLE webhook_deliveries (
      id uuid PRIMARY KEY,
      webhook_id uuid NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
      event_seq bigint NOT NULL REFERENCES events (seq) ON DELETE CASCADE,
      event_type text NOT NULL,
      message_id text NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'skipped')),
      attempts integer NOT NULL DEFAULT 0,
      response_status integer,
      duration_ms integer,
      last_error text,
      next_attempt_at timestamptz(3),
      last_attempt_at timestamptz(3),
      created_at timestamptz(3) NOT NULL,
      UNIQUE (webhook_id, event_seq)
    )`.execute(db);
  await sql`
    CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at)
    WHERE status = 'pending'`.execute(db);
  // The delivery log pages newest first (ids are UUIDv7); purging events cascades by event_seq.
  await sql`CREATE INDEX webhook_deliveries_log_idx ON webhook_deliveries (webhook_id, id)`.execute(db);
  await sql`CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_seq)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE webhook_deliveries`.execute(db);
  await sql`DROP TABLE webhooks`.execute(db);
  await sql`DROP TABLE outbox_relay`.execute(db);
  await sql`DROP SEQUENCE events_position_seq`.execute(db);
  await sql`DROP TABLE events`.execute(db);
}
