import type { Db, ResourceRow } from '@ledgerbase/db';
import { type Actor, canSeeResource, needsGrantLookup, type ResourceAccess } from '../access/index.ts';
import { AppError } from '../errors/index.ts';
import { findGrantPermission } from '../grants/grant.repository.ts';

/** The facts the policy needs about one resource and one caller; grants are read only when they matter. */
export async function accessFor(db: Db, actor: Actor, row: ResourceRow): Promise<ResourceAccess> {
  const access: ResourceAccess = { ownerId: row.owner_id };
  if (!needsGrantLookup(actor, access)) return access;
  return { ownerId: row.owner_id, grant: await findGrantPermission(db, row.id, actor.userId) };
}

/** 404 unless the row exists and the caller may see it (never reveal existence). */
export async function visibleAccess(
  db: Db,
  actor: Actor,
  row: ResourceRow | undefined,
): Promise<ResourceAccess> {
  if (!row) throw AppError.notFound();
  const access = await accessFor(db, actor, row);
  if (!canSeeResource(actor, access)) throw AppError.notFound();
  return access;
}
