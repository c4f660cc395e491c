export * from './consumers/realtime.consumer.ts';
export * from './consumers/webhook-delivery.consumer.ts';
export * from './container.ts';
export * from './jobs/audit.jobs.ts';
export * from './jobs/maintenance.jobs.ts';
export * from './jobs/scheduler.ts';
export * from './jobs/webhook-dispatcher.ts';
export * from './worker.ts';
