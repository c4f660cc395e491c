import type { Db, GrantPermission, ResourceGrantRow } from '@ledgerbase/db';

export async function findGrantPermission(
  db: Db,
  resourceId: string,
  userId: string,
): Promise<GrantPermission | undefined> {
  const row = await db
    .selectFrom('resource_grants')
    .select('permission')
    .where('resource_id', '=', resourceId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row?.permission;
}

export const upsertGrant = (
  db: Db,
  grant: { resourceId: string; userId: string; permission: GrantPermission; grantedBy: string; at: Date },
): Promise<ResourceGrantRow> =>
  db
    .insertInto('resource_grants')
    .values({
      resource_id: grant.resourceId,
      user_id: grant.userId,
      permission: grant.permission,
      granted_by: grant.grantedBy,
      created_at: grant.at,
    })
    .onConflict((oc) =>
      oc
        .columns(['resource_id', 'user_id'])
        .doUpdateSet({ permission: grant.permission, granted_by: grant.grantedBy }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();

export async function deleteGrant(db: Db, resourceId: string, userId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('resource_grants')
    .where('resource_id', '=', resourceId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export const listGrants = (db: Db, resourceId: string): Promise<ResourceGrantRow[]> =>
  db
    .selectFrom('resource_grants')
    .selectAll()
    .where('resource_id', '=', resourceId)
    .orderBy('created_at')
    .orderBy('user_id')
    .execute();

export async function userHasGrants(db: Db, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('resource_grants')
    .select('resource_id')
    .where('user_id', '=', userId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
