import { messageNameOf, type ResourceEventMessageV1 } from '@ledgerbase/contracts';
import { type Db, sql } from '@ledgerbase/db';
import {
  type Bus,
  type BusMessage,
  type Clock,
  type Logger,
  type Metrics,
  sharedRead,
} from '@ledgerbase/platform';
import {
  confirmPublished,
  findUnconfirmedEvents,
  numberPendingEvents,
  type PendingEvent,
  pendingEventStats,
} from './event.repository.ts';

/** Session advisory lock key of the relay leader ("lbre" in ASCII). */
const RELAY_LOCK = 0x6c627265;

export type OutboxRelayDeps = {
  db: Db;
  /** `postgres`: any number of relays, one leads (advisory lock); `embedded`: one process. */
  mode: 'postgres' | 'embedded';
  bus: Bus;
  clock: Clock;
  logger: Logger;
  metrics?: Metrics | undefined;
  batchSize?: number;
  /** Poll interval when idle; a nudge (a write in this process) wakes the relay sooner. */
  idleMs?: number;
  /** After a nudge, how long to let more writes gather: one batch instead of one per write. */
  gatherMs?: number;
  publishTimeoutMs?: number;
};

function toMessage(row: PendingEvent): BusMessage {
  const body: ResourceEventMessageV1 = {
    eventId: row.id,
    seq: row.seq,
    position: row.position!,
    ownerId: row.owner_id,
    data: row.payload as ResourceEventMessageV1['data'],
  };
  return { name: messageNameOf(row.type), id: row.id, body };
}

/**
 * The outbox as a process sees it at scrape time, from one statement on the partial indexes:
 * `ledgerbase_outbox_backlog` (events written, not yet confirmed by the bus) and
 * `ledgerbase_outbox_lag_seconds` (age of the oldest of them). Every process on the database reports
 * the same figures, with or without a relay running; NaN while the database cannot answer.
 */
export function registerOutboxGauges(metrics: Metrics, db: Db): void {
  const stats = sharedRead(() => pendingEventStats(db));
  metrics.gauge(
    'ledgerbase_outbox_backlog',
    'Outbox events not yet published',
    async () => (await stats()).count,
  );
  metrics.gauge(
    'ledgerbase_outbox_lag_seconds',
    'Age of the oldest unpublished outbox event (queue lag)',
    async () => (await stats()).oldestSeconds,
  );
}

// Relays sharing one embedded database inside one process must not run side by side either.
const embeddedLeaders = new WeakSet<Db>();

/**
 * Publishes the outbox in order (transactional outbox, at least once). One relay leads at a time:
 * it numbers pending rows in insertion order and stores the numbers (`position`, the SSE id),
 * publishes them, waits for the bus to confirm and only then advances the confirmed position. Rows
 * numbered but not confirmed (a leader died, the bus failed) go out first, under the same numbers,
 * so readers never see a position overtaken by a smaller one. Duplicates are possible by design;
 * consumers deduplicate on the event id.
 */
export function createOutboxRelay(deps: OutboxRelayDeps) {
  const {
    db,
    bus,
    clock,
    logger,
    batchSize = 200,
    idleMs = 500,
    gatherMs = 10,
    publishTimeoutMs = 30_000,
  } = deps;
  const published = deps.metrics?.counter(
    'ledgerbase_events_published_total',
    'Outbox events published and confirmed by the bus',
    [],
  );
  let stopped = true;
  let running: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let nudged = false;
  // Numbered rows may be waiting: at the start of a leadership and after a failed batch.
  let leftovers = true;

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (nudged || stopped) {
        nudged = false;
        return resolve();
      }
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        nudged = false;
        resolve();
      }
      wake = done;
    });

  async function publishWithTimeout(messages: BusMessage[]): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('publish was not confirmed in time')), publishTimeoutMs);
    });
    try {
      await Promise.race([bus.publish(messages), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** One batch; returns how many events were published. */
  async function relayBatch(executor: Db): Promise<number> {
    let rows = leftovers ? await findUnconfirmedEvents(executor, batchSize) : [];
    leftovers = rows.length === batchSize;
    if (rows.length === 0) rows = await numberPendingEvents(executor, batchSize, clock.now());
    if (rows.length === 0) return 0;
    try {
      await publishWithTimeout(rows.map(toMessage));
      await confirmPublished(executor, rows.at(-1)!.position!);
    } catch (error) {
      leftovers = true;
      throw error;
    }
    published?.inc({}, rows.length);
    return rows.length;
  }

  async function lead(executor: Db): Promise<void> {
    while (!stopped) {
      if (!bus.isConnected()) {
        await pause(idleMs);
        continue;
      }
      const count = await relayBatch(executor);
      if (count < batchSize) {
        await pause(idleMs);
        // Woken by a write: others usually follow within milliseconds; take them in the same batch.
        if (!stopped) await new Promise((resolve) => setTimeout(resolve, gatherMs));
      }
    }
  }

  async function leadPostgres(): Promise<void> {
    leftovers = true;
    // The lock lives on one connection, held for as long as this relay leads.
    await db.connection().execute(async (connection) => {
      const { rows } = await sql<{ locked: boolean }>`
        SELECT pg_try_advisory_lock(${RELAY_LOCK}) AS locked`.execute(connection);
      if (!rows[0]?.locked) return;
      try {
        await lead(connection);
      } finally {
        await sql`SELECT pg_advisory_unlock(${RELAY_LOCK})`.execute(connection).catch(() => {});
      }
    });
  }

  async function leadEmbedded(): Promise<void> {
    if (embeddedLeaders.has(db)) return;
    leftovers = true;
    embeddedLeaders.add(db);
    try {
      await lead(db);
    } finally {
      embeddedLeaders.delete(db);
    }
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      try {
        await (deps.mode === 'postgres' ? leadPostgres() : leadEmbedded());
      } catch (error) {
        logger.warn({ err: error }, 'outbox relay failed; retrying');
      }
      // Not the leader (or it failed): look again later.
      if (!stopped) await pause(idleMs * 4);
    }
  }

  return {
    /** Publishes what is pending now, ignoring leadership (tests, CLI). */
    runOnce: () => relayBatch(db),
    start(): void {
      if (!stopped) return;
      stopped = false;
      running = loop();
    },
    /** A write just committed: publish without waiting for the next poll. */
    nudge(): void {
      nudged = true;
      wake?.();
    },
    async stop(): Promise<void> {
      stopped = true;
      wake?.();
      await running;
    },
  };
}

export type OutboxRelay = ReturnType<typeof createOutboxRelay>;
