import {
  type CursorCodec,
  createEventBus,
  createResourceCache,
  createWebhookService,
  type ResourceCache,
  registerOutboxGauges,
  type SecretBox,
} from '@ledgerbase/core';
import type { DatabaseHandle } from '@ledgerbase/db';
import {
  type Clock,
  type Config,
  createMemoryCache,
  createMetrics,
  createRedisCache,
  type Logger,
  registerPoolGauges,
} from '@ledgerbase/platform';
import { subscribeRealtime } from '@ledgerbase/worker';
import type { Redis } from 'ioredis';
import { createRealtimeHub } from './routes/events/realtime-hub.ts';

type Deps = {
  config: Config;
  clock: Clock;
  logger: Logger;
  database: DatabaseHandle;
  redis: Redis | undefined;
  secrets: SecretBox;
  cursors: CursorCodec;
};

/**
 * Read cache of single resources (issue #5): Redis when configured (shared by every instance), an
 * in-process LRU in embedded mode (one process by construction), none for PostgreSQL without Redis,
 * where several instances would have no shared place to invalidate. RESOURCE_CACHE=off disables it.
 */
function resourceCacheFor({ config, database, redis, logger }: Deps): ResourceCache | undefined {
  if (config.resourceCache === 'off') return undefined;
  if (redis)
    return createResourceCache(createRedisCache(redis, { prefix: `${config.redisKeyPrefix}cache:`, logger }));
  if (database.mode === 'embedded') return createResourceCache(createMemoryCache());
  return undefined;
}

/** Calls everyone who asked to hear of something (the embedded worker's relay and dispatcher). */
function signal() {
  const listeners = new Set<() => void>();
  const emit = () => {
    for (const listener of listeners) listener();
  };
  return Object.assign(emit, { listen: (listener: () => void) => listeners.add(listener) });
}

/**
 * The API's share of events (CONTRACT "Events"): the bus, the SSE hub fed by this process's
 * broadcast subscription, the webhook subscriptions, the read cache, and the process's metrics
 * registry that `GET /metrics` serves. The worker (embedded or not) does the publishing and
 * delivering; embedded, it counts into the same registry.
 */
export async function buildEventParts(deps: Deps) {
  const { config, logger, database, clock } = deps;
  const metrics = createMetrics();
  // Process-wide gauges: the pool, and the outbox even when no relay runs in this process.
  registerPoolGauges(metrics, database.poolStats);
  registerOutboxGauges(metrics, database.db);
  const bus = await createEventBus(config, logger);
  const realtime = createRealtimeHub({ db: database.db, logger, metrics });
  const subscription = await subscribeRealtime({ bus, sink: realtime, logger });
  const written = signal();
  const scheduled = signal();
  return {
    resourceCache: resourceCacheFor(deps),
    onResourceWritten: written,
    parts: {
      bus,
      metrics,
      realtime,
      /** Listeners of writes (relay) and manual redeliveries (dispatcher) in this process. */
      signals: { written, scheduled },
      /** Opens webhook signing secrets (the key ring): the embedded worker needs it. */
      webhookSecrets: deps.secrets,
      webhooks: createWebhookService({
        db: database.db,
        clock,
        secrets: deps.secrets,
        cursors: deps.cursors,
        allowPrivate: config.webhookAllowPrivate,
        onScheduled: scheduled,
      }),
    },
    async close(): Promise<void> {
      realtime.close();
      await subscription.cancel();
      await bus.close();
    },
  };
}
