import { auditJobs, startWorker, type Worker, type WorkerDeps } from '@ledgerbase/worker';
import type { Container } from './container.ts';

/**
 * The worker inside the API process (WORKER=embedded, the default): same database, bus and keys.
 * Writes and manual redeliveries in this process wake it at once. Several embedded API processes
 * on one PostgreSQL are fine: the relay elects a leader, the rest is shared through the database.
 */
export function startEmbeddedWorker(
  container: Container,
  overrides: Partial<Pick<WorkerDeps, 'random' | 'sender' | 'tuning' | 'clock'>> = {},
): Promise<Worker> {
  return startWorker({
    db: container.database.db,
    databaseMode: container.database.mode,
    bus: container.bus,
    clock: container.clock,
    logger: container.logger,
    metrics: container.metrics,
    secrets: container.webhookSecrets,
    webhookAllowPrivate: container.config.webhookAllowPrivate,
    jobs: auditJobs(container.auditJobDeps, container.config.auditRetentionDays),
    ...overrides,
  }).then((worker) => {
    container.signals.written.listen(worker.nudgeRelay);
    container.signals.scheduled.listen(worker.nudgeDispatcher);
    return worker;
  });
}
