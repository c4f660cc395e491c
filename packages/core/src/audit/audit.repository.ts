import type { AuditLogRow, Db } from '@ledgerbase/db';

export function listResourceHistory(
  db: Db,
  resourceId: string,
  afterVersion: number,
  limit: number,
): Promise<AuditLogRow[]> {
  return db
    .selectFrom('audit_log')
    .selectAll()
    .where('resource_id', '=', resourceId)
    .where('version', '>', afterVersion)
    .orderBy('version', 'asc')
    .limit(limit)
    .execute();
}

export function findResourceVersion(
  db: Db,
  resourceId: string,
  version: number,
): Promise<AuditLogRow | undefined> {
  return db
    .selectFrom('audit_log')
    .selectAll()
    .where('resource_id', '=', resourceId)
    .where('version', '=', version)
    .executeTakeFirst();
}
