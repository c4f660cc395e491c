import { type Db, type EventRow, type EventType, sql } from '@ledgerbase/db';

export type PendingEvent = Pick<EventRow, 'seq' | 'id' | 'type' | 'owner_id' | 'payload' | 'position'>;

// bigint columns as decimal text: PGlite would return JavaScript numbers, node-postgres strings.
// ORDER BY names the table's column (`events.position`): a bare name would sort the text alias.
const positionText = sql<string | null>`position::text`.as('position');

const compare = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
const bySeq = (a: PendingEvent, b: PendingEvent) => compare(BigInt(a.seq), BigInt(b.seq));

/**
 * Rows a previous leader numbered but never got confirmed (it died, or the bus failed): they go out
 * first, in position order, under the numbers readers may already have seen live.
 */
export async function findUnconfirmedEvents(db: Db, limit: number): Promise<PendingEvent[]> {
  const { rows } = await sql<PendingEvent>`
    SELECT seq::text AS seq, id, type, owner_id, payload, position::text AS position FROM events
    WHERE position > (SELECT confirmed_position FROM outbox_relay)
    ORDER BY events.position LIMIT ${limit}`.execute(db);
  return rows;
}

/**
 * Numbers the next pending rows in insertion order (`events_position_seq`) and stores the numbers,
 * in one statement, before anything is published: an event is in the table with its position before
 * any SSE client can get it live, so a client resuming from the table never misses it.
 */
export async function numberPendingEvents(db: Db, limit: number, at: Date): Promise<PendingEvent[]> {
  const { rows } = await sql<PendingEvent>`
    UPDATE events SET position = numbered.position, published_at = ${at.toISOString()}::timestamptz
    FROM (SELECT seq, nextval('events_position_seq') AS position
          FROM (SELECT seq FROM events WHERE position IS NULL ORDER BY seq LIMIT ${limit}) AS pending) AS numbered
    WHERE events.seq = numbered.seq
    RETURNING events.seq::text AS seq, events.id, events.type, events.owner_id, events.payload,
              events.position::text AS position`.execute(db);
  const ordered = [...rows].sort(bySeq);
  const positions = rows.map((row) => BigInt(row.position!)).sort(compare);
  if (ordered.every((row, i) => BigInt(row.position!) === positions[i])) return ordered;
  // The database drew the numbers in another order: pair them with the rows by insertion order.
  const paired = ordered.map((row, i) => ({ ...row, position: String(positions[i]) }));
  await sql`
    UPDATE events SET position = v.position
    FROM unnest(${paired.map((row) => row.seq)}::bigint[], ${paired.map((row) => row.position)}::bigint[])
      AS v(seq, position)
    WHERE events.seq = v.seq`.execute(db);
  return paired;
}

/** The bus confirmed every row up to `position`. */
export async function confirmPublished(db: Db, position: string): Promise<void> {
  await sql`
    UPDATE outbox_relay SET confirmed_position = GREATEST(confirmed_position, ${position}::bigint)`.execute(
    db,
  );
}

export type StoredEvent = { position: string; type: EventType; payload: Record<string, unknown> };

/**
 * Events after `after` (SSE `Last-Event-ID` resume) in position order, filtered by visibility:
 * every event for admins (`viewer` undefined), else the viewer's own resources and those granted to
 * them now.
 */
export async function listEventsAfter(
  db: Db,
  options: { after: string; viewer: string | undefined; limit: number },
): Promise<StoredEvent[]> {
  let query = db
    .selectFrom('events')
    .select([positionText, 'type', 'payload'])
    .where(sql<boolean>`position > ${options.after}::bigint`);
  if (options.viewer !== undefined) {
    const viewer = options.viewer;
    query = query.where((eb) =>
      eb.or([
        eb('owner_id', '=', viewer),
        eb.exists(
          eb
            .selectFrom('resource_grants as g')
            .select('g.resource_id')
            .whereRef('g.resource_id', '=', 'events.resource_id')
            .where('g.user_id', '=', viewer),
        ),
      ]),
    );
  }
  const rows = await query.orderBy('events.position').limit(options.limit).execute();
  return rows as StoredEvent[];
}

/** Events not yet confirmed by the bus: the outbox backlog, and how old its oldest is. */
export async function pendingEventStats(db: Db): Promise<{ count: number; oldestSeconds: number }> {
  const { rows } = await sql<{ count: string; oldest: string | null }>`
    SELECT count(*)::text AS count, extract(epoch FROM now() - min(occurred_at))::text AS oldest FROM (
      SELECT occurred_at FROM events WHERE position IS NULL
      UNION ALL
      SELECT occurred_at FROM events WHERE position > (SELECT confirmed_position FROM outbox_relay)
    ) AS backlog`.execute(db);
  return { count: Number(rows[0]?.count ?? 0), oldestSeconds: Math.max(0, Number(rows[0]?.oldest ?? 0)) };
}

/**
 * Retention: confirmed events older than `before`, oldest first along the primary key (no index of
 * its own), in batches; their webhook deliveries go with them.
 */
export async function deletePublishedEventsBefore(db: Db, before: Date, batch = 1000): Promise<number> {
  const result = await sql`
    DELETE FROM events WHERE seq IN (
      SELECT seq FROM events
      WHERE published_at < ${before.toISOString()}::timestamptz
        AND position <= (SELECT confirmed_position FROM outbox_relay)
      ORDER BY seq LIMIT ${batch})`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
