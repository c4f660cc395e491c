import type { AuditAction, AuditLogRow, Db } from '@ledgerbase/db';

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

export type AuditListFilter = {
  /** Only entries of resources this user owns; undefined = every entry (admins). */
  ownerId: string | undefined;
  resourceId: string | undefined;
  actorId: string | undefined;
  action: AuditAction | undefined;
  since: Date | undefined;
  until: Date | undefined;
  afterSeq: string | undefined;
  limit: number;
};

/** Keyset page over `seq` (oldest first), `limit + 1` rows so the caller knows whether more follow. */
export function listAuditEntries(db: Db, filter: AuditListFilter): Promise<AuditLogRow[]> {
  let query = db.selectFrom('audit_log').selectAll();
  if (filter.ownerId !== undefined) {
    // Live and soft-deleted resources, each half from its own partial index.
    const owned = db
      .selectFrom('resources')
      .select('id')
      .where('owner_id', '=', filter.ownerId)
      .where('deleted_at', 'is', null)
      .unionAll(
        db
          .selectFrom('resources')
          .select('id')
          .where('owner_id', '=', filter.ownerId)
          .where('deleted_at', 'is not', null),
      );
    query = query.where('resource_id', 'in', owned);
  }
  if (filter.resourceId !== undefined) query = query.where('resource_id', '=', filter.resourceId);
  if (filter.actorId !== undefined) query = query.where('actor_id', '=', filter.actorId);
  if (filter.action !== undefined) query = query.where('action', '=', filter.action);
  if (filter.since !== undefined) query = query.where('created_at', '>=', filter.since);
  if (filter.until !== undefined) query = query.where('created_at', '<=', filter.until);
  if (filter.afterSeq !== undefined) query = query.where('seq', '>', filter.afterSeq);
  return query
    .orderBy('seq')
    .limit(filter.limit + 1)
    .execute();
}
