import { type EventType, sql } from '@ledgerbase/db';
import type { NewAuditEntry } from '../audit/audit.types.ts';

export const EVENT_TYPE_BY_ACTION: Readonly<Record<NewAuditEntry['action'], EventType>> = {
  create: 'resource.created',
  update: 'resource.updated',
  delete: 'resource.deleted',
  restore: 'resource.restored',
};

/** ISO 8601 UTC with milliseconds, as the API prints timestamps (CONTRACT "Conventions"). */
const iso = (column: string) =>
  sql`to_char(${sql.ref(column)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The outbox row of a change, as one more data-modifying CTE of the statement that writes the
 * resource and its audit entry (ADR 0004): the three commit together or not at all. The payload is
 * built from the row the statement wrote (`source` is that CTE), so it is exactly what was stored.
 */
export function insertEventFrom(source: 'inserted' | 'updated', entry: NewAuditEntry) {
  const type = EVENT_TYPE_BY_ACTION[entry.action];
  const resource = sql`jsonb_build_object(
    'id', r.id, 'name', r.name, 'metadata', r.metadata, 'ownerId', r.owner_id, 'version', r.version,
    'createdAt', ${iso('r.created_at')}, 'updatedAt', ${iso('r.updated_at')})`;
  return sql`
    INSERT INTO events (id, type, resource_id, owner_id, version, actor_id, occurred_at, payload)
    SELECT ${entry.id}::uuid, ${type}, r.id, r.owner_id, r.version, ${entry.actorId}::uuid,
           ${entry.createdAt}::timestamptz,
           jsonb_build_object('type', ${type}::text, 'resourceId', r.id, 'version', r.version,
             'actorId', ${entry.actorId}::text, 'occurredAt', ${entry.createdAt}::text, 'resource', ${resource})
    FROM ${sql.table(source)} AS r`;
}
