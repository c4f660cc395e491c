import type { Db, UserRole } from '@ledgerbase/db';
import { type Actor, canSeeResource, needsGrantLookup } from '../access/index.ts';

export type EventSubject = Readonly<{ resourceId: string; ownerId: string }>;

/**
 * Which of `viewers` may see a resource's event right now, by the same policy as a read (CONTRACT
 * "Events": owned or granted; admins see all), with one grant query for all who need one.
 */
export async function visibleToViewers(
  db: Db,
  subject: EventSubject,
  viewers: readonly Actor[],
): Promise<Set<Actor>> {
  const access = { ownerId: subject.ownerId };
  const visible = new Set<Actor>();
  const undecided: Actor[] = [];
  for (const viewer of viewers) {
    if (needsGrantLookup(viewer, access)) undecided.push(viewer);
    else if (canSeeResource(viewer, access)) visible.add(viewer);
  }
  if (undecided.length === 0) return visible;
  const grants = await db
    .selectFrom('resource_grants')
    .select(['user_id', 'permission'])
    .where('resource_id', '=', subject.resourceId)
    .where(
      'user_id',
      'in',
      undecided.map((viewer) => viewer.userId),
    )
    .execute();
  const byUser = new Map(grants.map((grant) => [grant.user_id, grant.permission]));
  for (const viewer of undecided) {
    if (canSeeResource(viewer, { ...access, grant: byUser.get(viewer.userId) })) visible.add(viewer);
  }
  return visible;
}

/** A user as the policy sees them, for work done on their behalf (webhook deliveries). */
export const userActor = (user: { id: string; role: UserRole }): Actor => ({
  type: 'user',
  userId: user.id,
  role: user.role,
});
