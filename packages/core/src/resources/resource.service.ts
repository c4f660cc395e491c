import type { Db, ResourceRow } from '@ledgerbase/db';
import type { Clock } from '@ledgerbase/platform';
import { LRUCache } from 'lru-cache';
import { createPatch } from 'rfc6902';
import { uuidv7 } from 'uuidv7';
import {
  type Actor,
  assertCanCreateResource,
  assertScope,
  auditActorId,
  canManageResource,
  canWriteResource,
  listScope,
  needsGrantLookup,
  type RequestContext,
  type ResourceAccess,
} from '../access/index.ts';
import { findResourceVersion } from '../audit/audit.repository.ts';
import { hashAuditEntry, type NewAuditEntry } from '../audit/audit.types.ts';
import { AppError } from '../errors/index.ts';
import { canonicalJson, sha256Hex } from '../shared/crypto.ts';
import { mergePatch } from '../shared/json.ts';
import type { CursorCodec } from './cursor.ts';
import * as repo from './resource.repository.ts';
import {
  type ListResourcesQuery,
  type Page,
  type Resource,
  type ResourceDocument,
  toResource,
} from './resource.types.ts';
import { normalizeName, validateMetadata } from './resource.validation.ts';
import { visibleAccess } from './resource-access.ts';
import type { ResourceCache } from './resource-cache.ts';
import { createIdempotentResource } from './resource-idempotency.ts';

export type ResourceServiceDeps = {
  db: Db;
  clock: Clock;
  cursors: CursorCodec;
  /** Rows this process saw last, by id: first guesses for writes, never served to readers. */
  hints?: LRUCache<string, ResourceRow>;
  /** Read-through cache of single resources; a write stores its row there before it is acknowledged. */
  cache?: ResourceCache | undefined;
  /** Called after every committed write (wakes the outbox relay of this process). */
  onWritten?: (() => void) | undefined;
};

export type CreateInput = { name: unknown; metadata?: unknown };
export type Precondition = { ifMatch?: string | undefined };
export type WriteResult = { resource: Resource; replayed: boolean };

/** Optimistic attempts before a write falls back to a row lock (heavy contention on one resource). */
const OPTIMISTIC_ATTEMPTS = 3;

const documentOf = (row: Pick<ResourceRow, 'name' | 'metadata'>): ResourceDocument => ({
  name: row.name,
  metadata: row.metadata,
});

const sameDocument = (row: ResourceRow, document: ResourceDocument): boolean =>
  canonicalJson(documentOf(row)) === canonicalJson(document);

/** `If-Match` per RFC 9110 §13.1.1: strong comparison, `*` matches any current representation. */
function checkIfMatch(ifMatch: string | undefined, row: ResourceRow): void {
  if (ifMatch === undefined) return;
  const tags = ifMatch.split(',').map((tag) => tag.trim());
  if (tags.includes('*') || tags.includes(`"${row.version}"`)) return;
  throw new AppError('PRECONDITION_FAILED', 'The resource has changed since you read it', {
    currentVersion: row.version,
  });
}

export function createResourceService({
  db,
  clock,
  cursors,
  hints = new LRUCache({ max: 10_000 }),
  cache,
  onWritten,
}: ResourceServiceDeps) {
  /** After commit, before the caller hears of it: no instance may serve the old version from cache. */
  async function committed(row: ResourceRow): Promise<Resource> {
    await cache?.put(row);
    onWritten?.();
    return toResource(row);
  }

  function newEntry(
    ctx: RequestContext,
    resourceId: string,
    action: NewAuditEntry['action'],
    before: ResourceDocument | Record<string, never>,
    after: ResourceDocument,
    version: number,
    prevHash: string | null,
    at: Date,
  ): NewAuditEntry & { hash: string } {
    const entry: NewAuditEntry = {
      id: uuidv7(),
      resourceId,
      actorId: auditActorId(ctx.actor),
      actorType: ctx.actor.type,
      action,
      // CONTRACT "Audit log": a delete carries [], everything else the patch from the previous document.
      changes: action === 'delete' ? [] : createPatch(before, after),
      version,
      requestId: ctx.requestId,
      traceId: ctx.traceId ?? null,
      createdAt: at.toISOString(),
      prevHash,
      snapshot: after,
    };
    return { ...entry, hash: hashAuditEntry(entry) };
  }

  function prepareCreate(ctx: RequestContext, input: CreateInput) {
    assertCanCreateResource(ctx.actor);
    const document: ResourceDocument = {
      name: normalizeName(input.name),
      metadata: validateMetadata(input.metadata ?? {}),
    };
    const now = clock.now();
    const id = uuidv7();
    const entry = newEntry(ctx, id, 'create', {}, document, 1, null, now);
    const row = {
      id,
      owner_id: ctx.actor.userId,
      ...document,
      version: 1,
      head_hash: entry.hash,
      created_at: now,
      updated_at: now,
    };
    return { row, entry };
  }

  /**
   * Checks a row for a write: absent or invisible → 404, wrong state → 404/409, visible but not
   * allowed → 403.
   */
  async function checkForWrite(
    executor: Db,
    actor: Actor,
    row: ResourceRow | undefined,
    allow: (actor: Actor, r: ResourceAccess) => boolean,
    state: 'live' | 'deleted' | 'any',
  ): Promise<ResourceRow> {
    const access = await visibleAccess(executor, actor, row);
    const isDeleted = row!.deleted_at !== null;
    if (state === 'live' && isDeleted) throw AppError.notFound();
    // Permission before state: a grantee who may not restore learns 403, not whether it is deleted.
    if (!allow(actor, access)) throw new AppError('FORBIDDEN');
    if (state === 'deleted' && !isDeleted) throw new AppError('CONFLICT', 'The resource is not deleted');
    return row!;
  }

  type Mutation = {
    action: NewAuditEntry['action'];
    allow: (actor: Actor, r: ResourceAccess) => boolean;
    state: 'live' | 'deleted' | 'any';
    next: (row: ResourceRow) => { document: ResourceDocument; deleted: boolean };
  };

  /**
   * Read, compute the new state and its RFC 6902 patch, then write both only if nobody changed the row
   * meanwhile (compare-and-set on `version`). Losers re-read; `If-Match` makes them fail with 412, so of
   * N concurrent writers holding the same ETag exactly one wins.
   */
  async function mutate(ctx: RequestContext, id: string, pre: Precondition, mutation: Mutation) {
    assertScope(ctx.actor, 'resources:write');
    /** `fresh`: `row` was just read from the database, not taken from this process's hints. */
    const write = async (executor: Db, row: ResourceRow, fresh: boolean) => {
      checkIfMatch(pre.ifMatch, row);
      const { document, deleted } = mutation.next(row);
      // An update that changes nothing is not a change: no new version, no audit entry, no event
      // (CONTRACT: version "grows by one per change"). Only a fresh read may vouch for "nothing".
      if (mutation.action === 'update' && !deleted && sameDocument(row, document)) {
        return fresh ? { row, unchanged: true } : undefined;
      }
      const now = clock.now();
      const entry = newEntry(
        ctx,
        id,
        mutation.action,
        documentOf(row),
        document,
        row.version + 1,
        row.head_hash,
        now,
      );
      // Before the statement: should this process die after commit, no cache may keep the old row.
      await cache?.reserve(id, row.version + 1);
      const written = await repo.updateResourceWithAudit(
        executor,
        { id, expectedVersion: row.version, ...document, deleted, updatedAt: now, headHash: entry.hash },
        entry,
      );
      if (!written) return undefined;
      hints.set(id, written);
      return { row: written, unchanged: false };
    };
    const attempt = async (executor: Db, lock: boolean) => {
      const row = await repo.findAnyResource(executor, id, lock);
      const checked = await checkForWrite(executor, ctx.actor, row, mutation.allow, mutation.state);
      return write(executor, checked, true);
    };
    const done = (result: { row: ResourceRow; unchanged: boolean }) =>
      result.unchanged ? toResource(result.row) : committed(result.row);

    // The last row this process saw is a free first guess: the compare-and-set on `version` proves
    // it current, and any doubt (stale, precondition, permission) falls through to a real read.
    const hint = hints.get(id);
    if (hint && !needsGrantLookup(ctx.actor, { ownerId: hint.owner_id })) {
      const written = await tryHint(ctx.actor, hint, mutation, (row) => write(db, row, false));
      if (written) return done(written);
    }
    for (let i = 0; i < OPTIMISTIC_ATTEMPTS; i++) {
      const result = await attempt(db, false);
      if (result) return done(result);
    }
    const result = await db.transaction().execute((trx) => attempt(trx as unknown as Db, true));
    if (!result) throw new AppError('CONFLICT', 'The resource is changing too fast; try again');
    return done(result);
  }

  async function tryHint<T>(
    actor: Actor,
    hint: ResourceRow,
    mutation: Mutation,
    write: (row: ResourceRow) => Promise<T | undefined>,
  ): Promise<T | undefined> {
    try {
      return await write(await checkForWrite(db, actor, hint, mutation.allow, mutation.state));
    } catch (error) {
      if (error instanceof AppError) return undefined;
      throw error;
    }
  }

  return {
    async get(actor: Actor, id: string): Promise<Resource> {
      assertScope(actor, 'resources:read');
      let row = await cache?.get(id);
      if (row === undefined) {
        row = await repo.findLiveResource(db, id);
        // Versioned: this cannot overwrite a newer row a writer stored meanwhile.
        if (row) void cache?.put(row);
      } else if (row.deleted_at !== null) row = undefined;
      await visibleAccess(db, actor, row);
      hints.set(id, row!);
      return toResource(row!);
    },

    async list(actor: Actor, query: ListResourcesQuery): Promise<Page<Resource>> {
      const { ownerId, includeGranted } = listScope(actor, query.ownerId);
      const scope = canonicalJson({
        u: actor.userId,
        o: ownerId ?? null,
        g: includeGranted,
        s: query.sort,
        q: query.q ?? null,
        m: query.metadata ?? null,
      });
      const after = query.cursor === undefined ? undefined : cursors.decode(query.cursor, scope);
      const rows = await repo.listLiveResources(db, {
        ownerId,
        includeGranted,
        sort: query.sort,
        after,
        q: query.q,
        metadata: query.metadata,
        limit: query.limit,
      });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      const column = repo.sortColumn(query.sort);
      const nextCursor =
        rows.length > query.limit && last
          ? cursors.encode(
              { key: column === 'name' ? last.name : last[column].toISOString(), id: last.id },
              scope,
            )
          : null;
      return { data: page.map(toResource), nextCursor };
    },

    async create(ctx: RequestContext, input: CreateInput, idempotencyKey?: string): Promise<WriteResult> {
      const { row, entry } = prepareCreate(ctx, input);
      if (idempotencyKey === undefined) {
        const inserted = await repo.insertResourceWithAudit(db, row, entry);
        hints.set(inserted.id, inserted);
        // A new id has no cached version to go stale: nothing to store before acknowledging.
        onWritten?.();
        return { resource: toResource(inserted), replayed: false };
      }
      const requestHash = sha256Hex(canonicalJson({ op: 'resources.create', body: input }));
      const result = await createIdempotentResource({ db, clock }, ctx, {
        key: idempotencyKey,
        requestHash,
        row,
        entry,
      });
      if (!result.replayed) onWritten?.();
      return result;
    },

    replace(ctx: RequestContext, id: string, input: CreateInput, pre: Precondition): Promise<Resource> {
      const document: ResourceDocument = {
        name: normalizeName(input.name),
        metadata: validateMetadata(input.metadata ?? {}),
      };
      return mutate(ctx, id, pre, {
        action: 'update',
        allow: canWriteResource,
        state: 'live',
        next: () => ({ document, deleted: false }),
      });
    },

    patch(
      ctx: RequestContext,
      id: string,
      patch: Record<string, unknown>,
      pre: Precondition,
    ): Promise<Resource> {
      if ('name' in patch) normalizeName(patch.name);
      return mutate(ctx, id, pre, {
        action: 'update',
        allow: canWriteResource,
        state: 'live',
        next: (row) => {
          const merged = mergePatch(documentOf(row), patch) as Partial<ResourceDocument>;
          return {
            document: {
              name: normalizeName(merged.name),
              // RFC 7396: `"metadata": null` removes the member; a resource's metadata then defaults to {}.
              metadata: validateMetadata(merged.metadata ?? {}),
            },
            deleted: false,
          };
        },
      });
    },

    async remove(ctx: RequestContext, id: string, pre: Precondition): Promise<void> {
      await mutate(ctx, id, pre, {
        action: 'delete',
        allow: canManageResource,
        state: 'live',
        next: (row) => ({ document: documentOf(row), deleted: true }),
      });
    },

    /** Undeletes, or with `version` rolls the content back to that version as a new version. */
    async restore(ctx: RequestContext, id: string, version: number | undefined): Promise<Resource> {
      let target: ResourceDocument | undefined;
      if (version !== undefined) {
        await visibleAccess(db, ctx.actor, await repo.findAnyResource(db, id));
        target = (await findResourceVersion(db, id, version))?.snapshot;
        if (!target) throw AppError.notFound('Version');
      }
      const restoreTo = target;
      return mutate(
        ctx,
        id,
        {},
        {
          action: 'restore',
          allow: canManageResource,
          // Undelete needs a deleted resource; rolling back to a version works on either state.
          state: restoreTo === undefined ? 'deleted' : 'any',
          next: (current) => ({ document: restoreTo ?? documentOf(current), deleted: false }),
        },
      );
    },
  };
}

export type ResourceService = ReturnType<typeof createResourceService>;
