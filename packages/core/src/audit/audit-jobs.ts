/**
 * The intended schedule of the audit jobs (ADR 0009, docs/operations.md), run by the worker
 * (apps/worker/src/jobs/audit.jobs.ts):
 * - `sealAuditLog` every minute: one checkpoint per minute with new entries, each sealing what is at
 *   least its margin (60 s) old, so an entry is under a signed checkpoint within about 2 minutes;
 * - `purgeAuditLog` hourly when AUDIT_RETENTION_DAYS is set.
 * Both are plain async functions taking `AuditJobDeps` ({db, clock, keys, logger}); both are safe on
 * any number of workers at once (a second sealer of the same size is a no-op, purges take turns on an
 * advisory lock), and neither makes an audited write wait.
 */
export const AUDIT_SEAL_INTERVAL_MS = 60_000;
export const AUDIT_PURGE_INTERVAL_MS = 3_600_000;
