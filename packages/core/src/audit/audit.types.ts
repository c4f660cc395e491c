import { hash } from 'node:crypto';
import type { ActorType, AuditAction, AuditLogRow } from '@ledgerbase/db';
import { canonicalAuditEntry } from './canonical.ts';

export type AuditEntry = {
  id: string;
  resourceId: string;
  actorId: string | null;
  actorType: ActorType;
  action: AuditAction;
  changes: unknown[];
  version: number;
  requestId: string | null;
  /** W3C trace id of the request (from `traceparent`); absent (or null) when there was none. */
  traceId?: string | null;
  createdAt: string;
  hash: string;
  prevHash: string | null;
};

export type NewAuditEntry = Omit<AuditEntry, 'hash'> & {
  snapshot: { name: string; metadata: Record<string, unknown> };
};

/**
 * Each entry's hash covers its canonical content (RFC 8785) and the previous entry's hash of the same
 * resource, so editing, deleting or reordering an entry breaks every later link. `traceId` is covered
 * when set; a null trace id is omitted, so entries from before it existed keep their hashes (ADR 0009).
 */
export function hashAuditEntry(
  entry: Omit<AuditEntry, 'hash' | 'traceId'> & { traceId?: string | null | undefined },
): string {
  return hash('sha256', canonicalAuditEntry(entry), 'hex');
}

export function toAuditEntry(row: AuditLogRow): AuditEntry {
  return {
    id: row.id,
    resourceId: row.resource_id,
    actorId: row.actor_id,
    actorType: row.actor_type,
    action: row.action,
    changes: row.changes,
    version: row.version,
    requestId: row.request_id,
    // Only when the request had one: an untraced entry has exactly the contract's fields.
    ...(row.trace_id ? { traceId: row.trace_id } : {}),
    createdAt: row.created_at.toISOString(),
    hash: row.hash,
    prevHash: row.prev_hash,
  };
}
