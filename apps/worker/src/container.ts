import {
  createEventBus,
  loadAuditKeys,
  loadKeyRing,
  loadSigningKeys,
  registerOutboxGauges,
} from '@ledgerbase/core';
import { type DatabaseHandle, migrateToLatest, openDatabase } from '@ledgerbase/db';
import {
  type Bus,
  type Clock,
  type Config,
  createLogger,
  createMetrics,
  type Logger,
  registerPoolGauges,
  systemClock,
} from '@ledgerbase/platform';
import { auditJobs } from './jobs/audit.jobs.ts';
import { type MetricsServer, startMetricsServer } from './metrics-server.ts';
import { startWorker, type Worker, type WorkerDeps } from './worker.ts';

export type WorkerOverrides = {
  clock?: Clock;
  logger?: Logger;
  database?: DatabaseHandle;
  bus?: Bus;
  /** Passed through to startWorker (tests pin jitter, shorten polls, use their own sender). */
  worker?: Pick<WorkerDeps, 'random' | 'sender' | 'tuning'>;
};

export type WorkerContainer = Awaited<ReturnType<typeof buildWorkerContainer>>;

/**
 * The standalone worker's dependencies (`npm run start:worker`): the same database, broker and keys
 * as the API processes (ARCHITECTURE.md "Composition").
 */
export async function buildWorkerContainer(config: Config, overrides: WorkerOverrides = {}) {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const database =
    overrides.database ??
    (await openDatabase({
      databaseUrl: config.databaseUrl,
      embeddedDir: config.dataDir,
      poolMax: Math.min(config.databasePoolMax, 8),
    }));
  // Safe beside starting API processes: migrations take an advisory lock.
  await migrateToLatest(database.db);
  const db = database.db;
  const keyRing = loadKeyRing({
    key: config.encryptionKey,
    previous: config.encryptionKeysPrevious,
    dataDir: config.dataDir,
  });
  const signingKeys = await loadSigningKeys({ pem: config.jwtPrivateKey, dataDir: config.dataDir });
  const auditKeys = loadAuditKeys({
    pem: config.auditSigningKey,
    signingKeys,
    trusted: config.auditTrustedKeys,
  });
  const bus = overrides.bus ?? (await createEventBus(config, logger));
  // This process's registry: pool and outbox gauges here, the relay's and deliveries' counters in
  // startWorker; served on WORKER_METRICS_PORT when set.
  const metrics = createMetrics();
  registerPoolGauges(metrics, database.poolStats);
  registerOutboxGauges(metrics, db);

  let worker: Worker | undefined;
  let metricsServer: MetricsServer | undefined;
  return {
    config,
    clock,
    logger,
    database,
    bus,
    metrics,
    async start(): Promise<Worker> {
      // First: a port already taken stops the worker before it takes any work.
      if (config.workerMetricsPort !== undefined) {
        metricsServer = await startMetricsServer({
          metrics,
          port: config.workerMetricsPort,
          host: config.host,
          token: config.metricsToken,
          logger,
        });
      }
      worker = await startWorker({
        db,
        databaseMode: database.mode,
        bus,
        clock,
        logger,
        metrics,
        secrets: keyRing,
        webhookAllowPrivate: config.webhookAllowPrivate,
        jobs: auditJobs({ db, clock, keys: auditKeys, logger }, config.auditRetentionDays),
        ...overrides.worker,
      });
      return worker;
    },
    /** The port `/metrics` listens on (WORKER_METRICS_PORT=0 picks one), once started. */
    metricsPort: (): number | undefined => metricsServer?.port,
    async close(): Promise<void> {
      await worker?.drain();
      await metricsServer?.close();
      if (!overrides.bus) await bus.close();
      if (!overrides.database) await database.close();
    },
  };
}
