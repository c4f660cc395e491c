import type { ActorType, AuditAction, AuditLogRow } from '@ledgerbase/db';
import { canonicalJson, sha256Hex } from '../shared/crypto.ts';

export type AuditEntry = {
  id: string;
  resourceId: string;
  actorId: string | null;
  actorType: ActorType;
  action: AuditAction;
  changes: unknown[];
  version: number;
  requestId: string | null;
  createdAt: string;
  hash: string;
  prevHash: string | null;
};

export type NewAuditEntry = Omit<AuditEntry, 'hash'> & {
  snapshot: { name: string; metadata: Record<string, unknown> };
};

/**
 * Each entry's hash covers its canonical content (RFC 8785) and the previous entry's hash of the same
 * resource, so editing, deleting or reordering an entry breaks every later link.
 */
export function hashAuditEntry(entry: Omit<AuditEntry, 'hash'>): string {
  return sha256Hex(
    canonicalJson({
      id: entry.id,
      resourceId: entry.resourceId,
      actorId: entry.actorId,
      actorType: entry.actorType,
      action: entry.action,
      changes: entry.changes,
      version: entry.version,
      requestId: entry.requestId,
      createdAt: entry.createdAt,
      prevHash: entry.prevHash,
    }),
  );
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
    createdAt: row.created_at.toISOString(),
    hash: row.hash,
    prevHash: row.prev_hash,
  };
}
