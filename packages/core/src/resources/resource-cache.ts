import type { ResourceRow } from '@ledgerbase/db';
import type { VersionedCache } from '@ledgerbase/platform';

/**
 * Read-through cache of single resources over a versioned store (Redis, or an LRU in embedded mode).
 * Rows are cached whole, deleted ones too (as tombstones of their newest version), so a reader can
 * never bring back a version older than one a writer stored.
 */
export type ResourceCache = {
  get(id: string): Promise<ResourceRow | undefined>;
  /** Before writing `version` of `id` (see VersionedCache). */
  reserve(id: string, version: number): Promise<void>;
  put(row: ResourceRow): Promise<void>;
};

type Stored = Omit<ResourceRow, 'created_at' | 'updated_at' | 'deleted_at'> & {
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
};

export function createResourceCache(store: VersionedCache): ResourceCache {
  return {
    async get(id) {
      const raw = await store.get(`resource:${id}`);
      if (raw === undefined) return undefined;
      try {
        const stored = JSON.parse(raw) as Stored;
        return {
          ...stored,
          created_at: new Date(stored.created_at),
          updated_at: new Date(stored.updated_at),
          deleted_at: stored.deleted_at === null ? null : new Date(stored.deleted_at),
        };
      } catch {
        return undefined;
      }
    },
    reserve(id, version) {
      return store.reserve(`resource:${id}`, version);
    },
    put(row) {
      return store.put(`resource:${row.id}`, row.version, JSON.stringify(row));
    },
  };
}
