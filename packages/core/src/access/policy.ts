import type { ApiKeyScope, GrantPermission } from '@ledgerbase/db';
import { AppError } from '../errors/index.ts';
import type { Actor } from './actor.ts';

/**
 * Authorization decisions live here and only here (ARCHITECTURE.md "Layers"), so the API, the
 * worker and the CLI obey the same rules (CONTRACT "Authorization"):
 * - admin: everything; member: creates, controls what it owns, uses what others granted;
 *   viewer: reads what it owns or was granted, changes nothing.
 * - A `write` grant allows updates, never delete, restore or grant.
 * - Not visible → 404 (never reveal existence); visible but not allowed → 403.
 * - API keys act with their owner's role, narrowed to their scopes.
 */
export type ResourceAccess = Readonly<{ ownerId: string; grant?: GrantPermission | undefined }>;

export const isAdmin = (actor: Actor): boolean => actor.role === 'admin';
const isOwner = (actor: Actor, resource: ResourceAccess) => resource.ownerId === actor.userId;

export function hasScope(actor: Actor, scope: ApiKeyScope): boolean {
  if (actor.scopes === undefined) return true;
  if (actor.scopes.includes(scope)) return true;
  // Writing implies reading what you write.
  return scope === 'resources:read' && actor.scopes.includes('resources:write');
}

/** Throws 403 when an API key's scopes do not cover the action (checked before any lookup). */
export function assertScope(actor: Actor, scope: ApiKeyScope): void {
  if (!hasScope(actor, scope)) throw new AppError('FORBIDDEN', `This API key lacks the ${scope} scope`);
}

export function canSeeResource(actor: Actor, resource: ResourceAccess): boolean {
  return isAdmin(actor) || isOwner(actor, resource) || resource.grant !== undefined;
}

export function canWriteResource(actor: Actor, resource: ResourceAccess): boolean {
  if (actor.role === 'viewer') return false;
  return isAdmin(actor) || isOwner(actor, resource) || resource.grant === 'write';
}

/** Delete, restore and grant belong to the owner or an admin. */
export function canManageResource(actor: Actor, resource: ResourceAccess): boolean {
  if (actor.role === 'viewer') return false;
  return isAdmin(actor) || isOwner(actor, resource);
}

/** Whether the caller needs a grant lookup to decide (admins and owners never do). */
export const needsGrantLookup = (actor: Actor, resource: ResourceAccess): boolean =>
  !isAdmin(actor) && !isOwner(actor, resource);

export function assertCanCreateResource(actor: Actor): void {
  assertScope(actor, 'resources:write');
  if (actor.role === 'viewer') throw new AppError('FORBIDDEN', 'Viewers cannot create resources');
}

/**
 * What a resource list covers: every owner (admins, `undefined`), or the caller's own resources plus
 * those granted to them (`includeGranted`).
 */
export function listScope(
  actor: Actor,
  requestedOwnerId: string | undefined,
): { ownerId: string | undefined; includeGranted: boolean } {
  assertScope(actor, 'resources:read');
  if (isAdmin(actor)) return { ownerId: requestedOwnerId, includeGranted: false };
  if (requestedOwnerId !== undefined && requestedOwnerId !== actor.userId) {
    throw new AppError('FORBIDDEN', 'Only admins may list other users’ resources');
  }
  return {
    ownerId: actor.userId,
    includeGranted: requestedOwnerId === undefined && actor.hasGrants !== false,
  };
}

/** Admin-only functions (user management, the global audit log): members and viewers get 403. */
export function assertAdmin(actor: Actor): void {
  if (!isAdmin(actor)) throw new AppError('FORBIDDEN', 'Administrators only');
  assertScope(actor, 'admin');
}

/** Who may hand out which API key scopes: `admin` only by admins (CONTRACT "Authentication"). */
export function assertCanGrantScopes(actor: Actor, scopes: readonly ApiKeyScope[]): void {
  if (scopes.includes('admin') && !isAdmin(actor)) {
    throw new AppError('FORBIDDEN', 'Only administrators may create keys with the admin scope');
  }
  if (actor.type === 'api_key') throw new AppError('FORBIDDEN', 'API keys cannot manage API keys');
}
