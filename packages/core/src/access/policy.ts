import { AppError } from '../errors/index.ts';
import type { Actor } from './actor.ts';

/**
 * Authorization decisions live here and only here (ARCHITECTURE.md "Layers"), so the API, the
 * worker and the CLI obey the same rules. Visibility problems are 404 (never reveal existence);
 * visible-but-not-allowed is 403 (CONTRACT "Authorization").
 */
export type ResourceAccess = Readonly<{ ownerId: string }>;

export const isAdmin = (actor: Actor): boolean => actor.role === 'admin';

export function canSeeResource(actor: Actor, resource: ResourceAccess): boolean {
  return isAdmin(actor) || resource.ownerId === actor.userId;
}

export function canWriteResource(actor: Actor, resource: ResourceAccess): boolean {
  return canSeeResource(actor, resource) && actor.role !== 'viewer';
}

/** Delete, restore and grant belong to the owner or an admin. */
export function canManageResource(actor: Actor, resource: ResourceAccess): boolean {
  return isAdmin(actor) || (resource.ownerId === actor.userId && actor.role !== 'viewer');
}

export function assertCanCreateResource(actor: Actor): void {
  if (actor.role === 'viewer') throw new AppError('FORBIDDEN', 'Viewers cannot create resources');
}

/** Which owners' resources a list may show: `undefined` means every owner (admins). */
export function listScope(actor: Actor, requestedOwnerId: string | undefined): string | undefined {
  if (isAdmin(actor)) return requestedOwnerId;
  if (requestedOwnerId !== undefined && requestedOwnerId !== actor.userId) {
    throw new AppError('FORBIDDEN', 'Only admins may list other users’ resources');
  }
  return actor.userId;
}
