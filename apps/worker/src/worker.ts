import {
  createOutboxRelay,
  createWebhookDeliveryService,
  createWebhookSender,
  type SecretBox,
  type WebhookSender,
} from '@ledgerbase/core';
import type { Db } from '@ledgerbase/db';
import type { Bus, Clock, Logger, Metrics } from '@ledgerbase/platform';
import { startWebhookDeliveryConsumer } from './consumers/webhook-delivery.consumer.ts';
import { purgeEventsJob, purgeIdempotencyKeysJob, purgeRefreshTokensJob } from './jobs/maintenance.jobs.ts';
import { createScheduler, type Job } from './jobs/scheduler.ts';
import { createWebhookDispatcher } from './jobs/webhook-dispatcher.ts';

export type WorkerDeps = {
  db: Db;
  databaseMode: 'postgres' | 'embedded';
  bus: Bus;
  clock: Clock;
  logger: Logger;
  /** The process's registry; its container registers the process-wide gauges (pool, outbox). */
  metrics?: Metrics | undefined;
  /** Opens webhook secrets (the key ring). */
  secrets: SecretBox;
  webhookAllowPrivate: boolean;
  /** More recurring jobs: the audit sealing and retention jobs plug in here (see jobs/audit.jobs.ts). */
  jobs?: readonly Job[];
  sender?: WebhookSender;
  /** Jitter source of the retry schedule (tests pin it). */
  random?: () => number;
  tuning?: { relayIdleMs?: number; dispatchPollMs?: number; dispatchConcurrency?: number };
};

export type Worker = Readonly<{
  /** A write committed in this process: publish it now. */
  nudgeRelay(): void;
  /** A delivery became due (manual redelivery): send it now. */
  nudgeDispatcher(): void;
  /** Graceful stop: no new work, finish what is in hand, leave the rest queued. */
  drain(): Promise<void>;
}>;

/**
 * The background worker (ARCHITECTURE.md "apps/worker"): the outbox relay, the webhook consumer and
 * dispatcher, and the scheduled jobs. Runs inside the API process (embedded) or as its own process,
 * any number of copies: the relay elects one leader, consumers compete for messages, deliveries and
 * jobs are claimed in the database.
 */
export async function startWorker(deps: WorkerDeps): Promise<Worker> {
  const { db, bus, clock, logger, metrics } = deps;
  const relay = createOutboxRelay({
    db,
    mode: deps.databaseMode,
    bus,
    clock,
    logger,
    metrics,
    ...(deps.tuning?.relayIdleMs !== undefined && { idleMs: deps.tuning.relayIdleMs }),
  });
  const sender = deps.sender ?? createWebhookSender({ allowPrivate: deps.webhookAllowPrivate });
  const deliveries = createWebhookDeliveryService({
    db,
    clock,
    logger,
    sender,
    secrets: deps.secrets,
    metrics,
    ...(deps.random && { random: deps.random }),
  });
  const dispatcher = createWebhookDispatcher({
    deliveries,
    logger,
    ...(deps.tuning?.dispatchPollMs !== undefined && { pollMs: deps.tuning.dispatchPollMs }),
    ...(deps.tuning?.dispatchConcurrency !== undefined && { concurrency: deps.tuning.dispatchConcurrency }),
  });

  // Consumers first: in-process, a publish is confirmed once they have handled it.
  const consumer = await startWebhookDeliveryConsumer({ bus, deliveries, onScheduled: dispatcher.nudge });
  const scheduler = createScheduler(logger);
  scheduler.start([
    purgeIdempotencyKeysJob({ db, clock }),
    purgeRefreshTokensJob({ db, clock }),
    purgeEventsJob({ db, clock }),
    ...(deps.jobs ?? []),
  ]);
  dispatcher.start();
  relay.start();
  logger.info({ bus: bus.kind }, 'worker started');

  let draining: Promise<void> | undefined;
  return {
    nudgeRelay: relay.nudge,
    nudgeDispatcher: dispatcher.nudge,
    drain() {
      draining ??= (async () => {
        await relay.stop();
        await consumer.cancel();
        await dispatcher.stop();
        await scheduler.stop();
        await sender.close();
        logger.info('worker drained');
      })();
      return draining;
    },
  };
}
