import type { ResourceEventMessageV1 } from '@ledgerbase/contracts';
import { type Actor, isAdmin, listEventsAfter, visibleToViewers } from '@ledgerbase/core';
import type { Db } from '@ledgerbase/db';
import type { Logger, Metrics } from '@ledgerbase/platform';
import { LRUCache } from 'lru-cache';

/** Where a client's frames go: the HTTP response, or anything that can apply back-pressure. */
export type SseSink = {
  /** `false` when the sink is full: keep further frames until `onDrain`. */
  write(chunk: string): boolean;
  onDrain(listener: () => void): void;
  end(): void;
};

export type RealtimeHubDeps = {
  db: Db;
  logger: Logger;
  metrics?: Metrics | undefined;
  /** Comment lines keep proxies from timing the stream out; credentials are re-checked as well. */
  heartbeatMs?: number;
  /** Frames a client may fall behind by, in bytes, before it is disconnected (it then resumes). */
  maxQueuedBytes?: number;
  replayBatch?: number;
};

type Client = {
  actor: Actor;
  /** Position of the last event sent: nothing at or below it is sent again. */
  cursor: bigint;
  /** False while catching up from the outbox table; live events wait in `pending`. */
  live: boolean;
  pending: Array<{ position: bigint; frame: string }>;
  pendingBytes: number;
  queue: string[];
  queuedBytes: number;
  blocked: boolean;
  closed: boolean;
  sink: SseSink;
  revalidate: (() => Promise<Actor | undefined>) | undefined;
  drained?: (() => void) | undefined;
};

export type RealtimeConnection = { close(): void };

const frameOf = (position: bigint, type: string, data: unknown) =>
  `id: ${position}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * Server-Sent Events fan-out of one API process (CONTRACT "Events"). Every process receives every
 * event from the bus and sends each client the ones it may see now (the read policy). A client that
 * sends `Last-Event-ID` first catches up from the outbox table, then goes live without gaps or
 * repeats (positions only grow). A client that cannot keep up is disconnected once its backlog
 * passes `maxQueuedBytes`: memory stays bounded and the client resumes from where it got to.
 */
export function createRealtimeHub(deps: RealtimeHubDeps) {
  const { db, logger, heartbeatMs = 15_000, maxQueuedBytes = 1024 * 1024, replayBatch = 200 } = deps;
  const clients = new Set<Client>();
  // A republished event (relay crash, broker redelivery) reaches live clients once.
  const seen = new LRUCache<string, true>({ max: 10_000 });
  const dropped = deps.metrics?.counter(
    'ledgerbase_realtime_disconnects_total',
    'SSE clients disconnected by the server, by reason',
  );
  deps.metrics?.gauge('ledgerbase_realtime_clients', 'Open SSE connections', () => clients.size);

  function end(client: Client, reason?: string): void {
    if (client.closed) return;
    client.closed = true;
    clients.delete(client);
    client.queue = [];
    client.pending = [];
    client.drained?.();
    if (reason) dropped?.inc({ reason });
    try {
      client.sink.end();
    } catch {}
  }

  function write(client: Client, chunk: string): void {
    if (client.closed) return;
    if (client.blocked) {
      client.queue.push(chunk);
      client.queuedBytes += chunk.length;
      if (client.queuedBytes > maxQueuedBytes) {
        logger.info({ userId: client.actor.userId }, 'SSE client too slow; disconnecting');
        end(client, 'slow');
      }
      return;
    }
    client.blocked = !client.sink.write(chunk);
  }

  function flush(client: Client): void {
    client.blocked = false;
    while (!client.blocked && client.queue.length > 0) {
      const chunk = client.queue.shift()!;
      client.queuedBytes -= chunk.length;
      client.blocked = !client.sink.write(chunk);
    }
    if (!client.blocked) client.drained?.();
  }

  function sendEvent(client: Client, position: bigint, frame: string): void {
    if (position <= client.cursor) return;
    client.cursor = position;
    write(client, frame);
  }

  async function replay(client: Client): Promise<void> {
    try {
      for (;;) {
        const rows = await listEventsAfter(db, {
          after: client.cursor.toString(),
          viewer: isAdmin(client.actor) ? undefined : client.actor.userId,
          limit: replayBatch,
        });
        for (const row of rows)
          sendEvent(client, BigInt(row.position), frameOf(BigInt(row.position), row.type, row.payload));
        if (rows.length < replayBatch || client.closed) break;
        // Flow control: read the next page only once this one is on its way.
        if (client.blocked) await new Promise<void>((resolve) => (client.drained = resolve));
      }
      for (const { position, frame } of client.pending) sendEvent(client, position, frame);
      client.pending = [];
      client.live = true;
    } catch (error) {
      logger.warn({ err: error }, 'SSE replay failed; the client will reconnect');
      end(client, 'replay-failed');
    }
  }

  const heartbeat = setInterval(() => {
    for (const client of clients) {
      write(client, ': keep-alive\n\n');
      // A stream outlives its token: expired, revoked or disabled credentials end it; a new role applies.
      void client.revalidate?.().then((actor) => {
        if (actor) client.actor = actor;
        else end(client, 'unauthenticated');
      });
    }
  }, heartbeatMs);
  heartbeat.unref();

  return {
    get size() {
      return clients.size;
    },

    connect(options: {
      actor: Actor;
      lastEventId: bigint | undefined;
      sink: SseSink;
      revalidate?: () => Promise<Actor | undefined>;
    }): RealtimeConnection {
      const client: Client = {
        actor: options.actor,
        cursor: options.lastEventId ?? 0n,
        live: options.lastEventId === undefined,
        pending: [],
        pendingBytes: 0,
        queue: [],
        queuedBytes: 0,
        blocked: false,
        closed: false,
        sink: options.sink,
        revalidate: options.revalidate,
      };
      clients.add(client);
      options.sink.onDrain(() => flush(client));
      // How long an EventSource waits before reconnecting after we end a stream.
      write(client, 'retry: 2000\n\n');
      if (!client.live) void replay(client);
      return { close: () => end(client) };
    },

    /** One event from the bus; the bus calls this one message at a time, in publish order. */
    async dispatch(message: ResourceEventMessageV1): Promise<void> {
      if (seen.has(message.eventId) || clients.size === 0) return;
      const position = BigInt(message.position);
      const frame = frameOf(position, message.data.type, message.data);
      const audience = [...clients];
      let visible: Set<Actor>;
      try {
        visible = await visibleToViewers(
          db,
          { resourceId: message.data.resourceId, ownerId: message.ownerId },
          audience.map((client) => client.actor),
        );
      } catch (error) {
        // Cannot decide who may see it (database down): everyone resumes from the table later.
        logger.warn({ err: error }, 'SSE fan-out failed; disconnecting clients so they resume');
        for (const client of audience) end(client, 'reset');
        return;
      }
      seen.set(message.eventId, true);
      for (const client of audience) {
        if (client.closed || !visible.has(client.actor)) continue;
        if (client.live) sendEvent(client, position, frame);
        else {
          client.pending.push({ position, frame });
          client.pendingBytes += frame.length;
          if (client.pendingBytes > maxQueuedBytes) end(client, 'slow');
        }
      }
    },

    /** Messages may have been missed (broker reconnect): clients reconnect and resume from the table. */
    reset(): void {
      for (const client of [...clients]) end(client, 'reset');
    },

    close(): void {
      clearInterval(heartbeat);
      for (const client of [...clients]) end(client);
    },
  };
}

export type RealtimeHub = ReturnType<typeof createRealtimeHub>;
