import type { Db, GrantPermission, ResourceGrantRow } from '@ledgerbase/db';
import type { Clock } from '@ledgerbase/platform';
import { type Actor, assertScope, canManageResource } from '../access/index.ts';
import { AppError } from '../errors/index.ts';
import { findLiveResource } from '../resources/resource.repository.ts';
import { visibleAccess } from '../resources/resource-access.ts';
import { findUserById } from '../users/user.repository.ts';
import { deleteGrant, listGrants, upsertGrant } from './grant.repository.ts';

export type Grant = { resourceId: string; userId: string; permission: GrantPermission; createdAt: string };

const toGrant = (row: ResourceGrantRow): Grant => ({
  resourceId: row.resource_id,
  userId: row.user_id,
  permission: row.permission,
  createdAt: row.created_at.toISOString(),
});

/** Sharing (the seed's ABAC): only the owner or an admin hands out or takes back access. */
export type GrantServiceDeps = {
  db: Db;
  clock: Clock;
  /** A grantee's cached credentials say "nothing granted"; a new grant must reach every instance. */
  onGranted?: (userId: string) => Promise<void>;
};

export function createGrantService({ db, clock, onGranted }: GrantServiceDeps) {
  async function assertCanManage(actor: Actor, resourceId: string): Promise<void> {
    assertScope(actor, 'resources:write');
    const row = await findLiveResource(db, resourceId);
    const access = await visibleAccess(db, actor, row);
    if (!canManageResource(actor, access))
      throw new AppError('FORBIDDEN', 'Only the owner or an admin can share');
  }

  return {
    async put(actor: Actor, resourceId: string, userId: string, permission: GrantPermission): Promise<Grant> {
      await assertCanManage(actor, resourceId);
      const grantee = await findUserById(db, userId);
      if (!grantee) throw AppError.notFound('User');
      const grant = await upsertGrant(db, {
        resourceId,
        userId,
        permission,
        grantedBy: actor.userId,
        at: clock.now(),
      });
      await onGranted?.(userId);
      return toGrant(grant);
    },

    async remove(actor: Actor, resourceId: string, userId: string): Promise<void> {
      await assertCanManage(actor, resourceId);
      if (!(await deleteGrant(db, resourceId, userId))) throw AppError.notFound('Grant');
    },

    async list(actor: Actor, resourceId: string): Promise<{ data: Grant[] }> {
      await assertCanManage(actor, resourceId);
      return { data: (await listGrants(db, resourceId)).map(toGrant) };
    },
  };
}

export type GrantService = ReturnType<typeof createGrantService>;
