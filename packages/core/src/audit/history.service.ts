import type { Db } from '@ledgerbase/db';
import { type Actor, assertScope } from '../access/index.ts';
import { AppError } from '../errors/index.ts';
import type { CursorCodec } from '../resources/cursor.ts';
import { findAnyResource } from '../resources/resource.repository.ts';
import type { Page, Resource } from '../resources/resource.types.ts';
import { visibleAccess } from '../resources/resource-access.ts';
import { findResourceVersion, listResourceHistory } from './audit.repository.ts';
import { type AuditEntry, toAuditEntry } from './audit.types.ts';

export type HistoryServiceDeps = { db: Db; cursors: CursorCodec };

/**
 * A resource's history stays readable after a soft delete: the owner needs it to decide on a restore.
 */
export function createHistoryService({ db, cursors }: HistoryServiceDeps) {
  async function assertVisible(actor: Actor, resourceId: string) {
    assertScope(actor, 'resources:read');
    const row = await findAnyResource(db, resourceId);
    await visibleAccess(db, actor, row);
    return row!;
  }

  return {
    async history(actor: Actor, resourceId: string, page: { limit: number; cursor?: string | undefined }) {
      await assertVisible(actor, resourceId);
      const scope = `history:${actor.userId}:${resourceId}`;
      const afterVersion = page.cursor === undefined ? 0 : Number(cursors.decode(page.cursor, scope).key);
      const rows = await listResourceHistory(db, resourceId, afterVersion, page.limit + 1);
      const data = rows.slice(0, page.limit).map(toAuditEntry);
      const last = data.at(-1);
      const nextCursor =
        rows.length > page.limit && last ? cursors.encode({ key: last.version, id: last.id }, scope) : null;
      return { data, nextCursor } satisfies Page<AuditEntry>;
    },

    /** The resource as it was right after `version` was written. */
    async version(actor: Actor, resourceId: string, version: number): Promise<Resource> {
      const row = await assertVisible(actor, resourceId);
      const entry = await findResourceVersion(db, resourceId, version);
      if (!entry) throw AppError.notFound('Version');
      return {
        id: row.id,
        name: entry.snapshot.name,
        metadata: entry.snapshot.metadata,
        ownerId: row.owner_id,
        version: entry.version,
        createdAt: row.created_at.toISOString(),
        updatedAt: entry.created_at.toISOString(),
      };
    },
  };
}

export type HistoryService = ReturnType<typeof createHistoryService>;
