import {
  type Database,
  type Db,
  prepared,
  type ResourceRow,
  type SelectQueryBuilder,
  sql,
} from '@ledgerbase/db';
import type { NewAuditEntry } from '../audit/audit.types.ts';
import { insertEventFrom } from '../events/event.sql.ts';
import type { CursorPosition } from './cursor.ts';
import type { ResourceSort } from './resource.types.ts';

type Executor = Db;

const SORT_COLUMNS = { createdAt: 'created_at', updatedAt: 'updated_at', name: 'name' } as const;

export function sortColumn(sort: ResourceSort): 'created_at' | 'updated_at' | 'name' {
  return SORT_COLUMNS[sort.replace('-', '') as keyof typeof SORT_COLUMNS];
}

export function findLiveResource(db: Executor, id: string): Promise<ResourceRow | undefined> {
  return db
    .selectFrom('resources')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/** Includes soft-deleted rows: restore and history need them. */
export function findAnyResource(
  db: Executor,
  id: string,
  forUpdate = false,
): Promise<ResourceRow | undefined> {
  const query = db.selectFrom('resources').selectAll().where('id', '=', id);
  return (forUpdate ? query.forUpdate() : query).executeTakeFirst();
}

export type ListFilter = {
  ownerId: string | undefined;
  /** Also the resources granted to `ownerId` (a member's default list). */
  includeGranted: boolean;
  sort: ResourceSort;
  after: CursorPosition | undefined;
  q: string | undefined;
  metadata: Record<string, unknown> | undefined;
  limit: number;
};

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

type ResourceQuery = SelectQueryBuilder<Database, 'resources', object>;

/** Live rows matching the filters, after the cursor, in keyset order, `limit + 1` of them. */
function keysetPage<Q extends ResourceQuery>(query: Q, filter: ListFilter): Q {
  const column = sortColumn(filter.sort);
  const descending = filter.sort.startsWith('-');
  const ref = (name: string) => sql.ref(`resources.${name}`);
  let q = query.where('resources.deleted_at', 'is', null) as Q;
  // `name` is COLLATE "C" for stable ordering, which folds case for ASCII only; matching under the ICU
  // root collation (built into PGlite and PostgreSQL's usual builds) makes `q` case-insensitive in
  // every script ("é" finds "É").
  if (filter.q) {
    const pattern = `%${escapeLike(filter.q)}%`;
    q = q.where(sql<boolean>`${ref('name')} COLLATE "und-x-icu" ILIKE ${pattern} ESCAPE '\\'`) as Q;
  }
  if (filter.metadata) {
    q = q.where(sql<boolean>`${ref('metadata')} @> ${JSON.stringify(filter.metadata)}::jsonb`) as Q;
  }
  if (filter.after) {
    const key = column === 'name' ? sql`${filter.after.key}` : sql`${filter.after.key}::timestamptz`;
    const op = sql.raw(descending ? '<' : '>');
    q = q.where(sql<boolean>`(${ref(column)}, ${ref('id')}) ${op} (${key}, ${filter.after.id}::uuid)`) as Q;
  }
  const direction = descending ? 'desc' : 'asc';
  return q
    .orderBy(`resources.${column}`, direction)
    .orderBy('resources.id', direction)
    .limit(filter.limit + 1) as Q;
}

/**
 * Keyset page. A member's list is "owned or granted": each half is its own index-ordered page of
 * `limit + 1` rows and the union is ordered once more, so neither half ever scans past one page.
 */
export function listLiveResources(db: Executor, filter: ListFilter): Promise<ResourceRow[]> {
  const base = db.selectFrom('resources');
  if (!filter.includeGranted || filter.ownerId === undefined) {
    const scoped =
      filter.ownerId === undefined ? base : base.where('resources.owner_id', '=', filter.ownerId);
    return keysetPage(scoped.selectAll('resources'), filter).execute();
  }
  const userId = filter.ownerId;
  const owned = keysetPage(base.select('resources.id').where('resources.owner_id', '=', userId), filter);
  const granted = keysetPage(
    base
      .innerJoin('resource_grants as g', (join) =>
        join.onRef('g.resource_id', '=', 'resources.id').on('g.user_id', '=', userId),
      )
      .select('resources.id'),
    filter,
  );
  const { after: _after, ...withoutCursor } = filter;
  return keysetPage(
    base.selectAll('resources').where(sql<boolean>`resources.id IN ((${owned}) UNION ALL (${granted}))`),
    { ...withoutCursor, after: undefined },
  ).execute();
}

const auditValues = (entry: NewAuditEntry, hash: string) => sql`
  ${entry.id}::uuid, ${entry.resourceId}::uuid, ${entry.actorId}::uuid, ${entry.actorType}, ${entry.action},
  ${JSON.stringify(entry.changes)}::jsonb, ${JSON.stringify(entry.snapshot)}::jsonb, ${entry.version},
  ${entry.requestId}, ${entry.createdAt}::timestamptz, ${hash}, ${entry.prevHash}, ${entry.traceId}`;

const AUDIT_COLUMNS = sql.raw(
  'id, resource_id, actor_id, actor_type, action, changes, snapshot, version, request_id, created_at, hash, prev_hash, trace_id',
);

/**
 * The resource, its audit entry and its outbox event in one statement: atomic without an explicit
 * transaction and one round trip instead of four (hot path, see bench/).
 */
export async function insertResourceWithAudit(
  db: Executor,
  row: Omit<ResourceRow, 'deleted_at'>,
  entry: NewAuditEntry,
): Promise<ResourceRow> {
  const result = await sql<ResourceRow>`${prepared}
    WITH inserted AS (
      INSERT INTO resources (id, owner_id, name, metadata, version, head_hash, created_at, updated_at)
      VALUES (${row.id}::uuid, ${row.owner_id}::uuid, ${row.name}, ${JSON.stringify(row.metadata)}::jsonb,
              ${row.version}, ${row.head_hash}, ${row.created_at.toISOString()}::timestamptz,
              ${row.updated_at.toISOString()}::timestamptz)
      RETURNING *
    ), audited AS (
      INSERT INTO audit_log (${AUDIT_COLUMNS}) VALUES (${auditValues(entry, row.head_hash)})
    ), evented AS (${insertEventFrom('inserted', entry)})
    SELECT * FROM inserted`.execute(db);
  return result.rows[0]!;
}

export type ResourceChange = {
  id: string;
  expectedVersion: number;
  name: string;
  metadata: Record<string, unknown>;
  deleted: boolean;
  updatedAt: Date;
  headHash: string;
};

/**
 * Optimistic write: applies only if the row is still at `expectedVersion`, and writes the audit entry
 * only when the update matched. `undefined` means someone else changed the row first.
 */
export async function updateResourceWithAudit(
  db: Executor,
  change: ResourceChange,
  entry: NewAuditEntry,
): Promise<ResourceRow | undefined> {
  const result = await sql<ResourceRow>`${prepared}
    WITH updated AS (
      UPDATE resources
      SET name = ${change.name}, metadata = ${JSON.stringify(change.metadata)}::jsonb, version = version + 1,
          head_hash = ${change.headHash}, updated_at = ${change.updatedAt.toISOString()}::timestamptz,
          deleted_at = ${change.deleted ? sql`${change.updatedAt.toISOString()}::timestamptz` : sql`NULL`}
      WHERE id = ${change.id}::uuid AND version = ${change.expectedVersion}
      RETURNING *
    ), audited AS (
      INSERT INTO audit_log (${AUDIT_COLUMNS}) SELECT ${auditValues(entry, change.headHash)} FROM updated
    ), evented AS (${insertEventFrom('updated', entry)})
    SELECT * FROM updated`.execute(db);
  return result.rows[0];
}
