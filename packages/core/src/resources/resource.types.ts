import type { ResourceRow } from '@ledgerbase/db';

export type Resource = {
  id: string;
  name: string;
  metadata: Record<string, unknown>;
  ownerId: string;
  version: number;
  createdAt: string;
  updatedAt: string;
};

/** The audited document: the part of a resource a user edits (CONTRACT "Audit log"). */
export type ResourceDocument = { name: string; metadata: Record<string, unknown> };

export const RESOURCE_SORTS = [
  'createdAt',
  '-createdAt',
  'updatedAt',
  '-updatedAt',
  'name',
  '-name',
] as const;
export type ResourceSort = (typeof RESOURCE_SORTS)[number];

export type ListResourcesQuery = {
  limit: number;
  cursor?: string | undefined;
  sort: ResourceSort;
  q?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
  ownerId?: string | undefined;
};

export type Page<T> = { data: T[]; nextCursor: string | null };

export function toResource(row: ResourceRow): Resource {
  return {
    id: row.id,
    name: row.name,
    metadata: row.metadata,
    ownerId: row.owner_id,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
