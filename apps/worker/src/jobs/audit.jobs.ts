import {
  AUDIT_PURGE_INTERVAL_MS,
  AUDIT_SEAL_INTERVAL_MS,
  type AuditJobDeps,
  purgeAuditLog,
  sealAuditLog,
} from '@ledgerbase/core';
import type { Job } from './scheduler.ts';

/**
 * The audit log's jobs (issue #4, ADR 0009): a signed checkpoint every minute, and retention hourly
 * when AUDIT_RETENTION_DAYS is set. Both are safe on any number of workers at once.
 */
export function auditJobs(deps: AuditJobDeps, retentionDays: number | undefined): Job[] {
  const jobs: Job[] = [
    { name: 'audit-seal', everyMs: AUDIT_SEAL_INTERVAL_MS, run: () => sealAuditLog(deps) },
  ];
  if (retentionDays !== undefined) {
    jobs.push({
      name: 'audit-purge',
      everyMs: AUDIT_PURGE_INTERVAL_MS,
      run: () => purgeAuditLog(deps, { retentionDays }),
    });
  }
  return jobs;
}
