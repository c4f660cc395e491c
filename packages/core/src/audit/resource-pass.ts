import { type Db, sql } from '@ledgerbase/db';
import { applyPatchInPlace, jsonEqual } from './json-patch.ts';
import {
  type ChainState,
  checkEntry,
  checkHead,
  fail,
  Invalid,
  type InvalidEntry,
  type VerifiableEntry,
} from './verify-checks.ts';

/**
 * The per-resource half of verification (ADR 0009), for the threads of the parallel verifier: the
 * entries of the resources whose id lies in [from, to), in (resource_id, version) order, merged with
 * their anchors and resource rows. One resource at a time, so memory is constant. Each entry: hash,
 * chain link, snapshot against its patch, and seq growing with version; each resource: its head.
 * It does not stop at the first failure: it reports the failing entry with the lowest seq (what a
 * pass in seq order would meet first) and the first failing head.
 */
export type ResourceRange = { from: string | undefined; to: string | undefined };

export type ResourcePassResult = {
  entries: number;
  entryFailure?: InvalidEntry;
  headFailure?: InvalidEntry;
};

type Row = VerifiableEntry & { snapshot: unknown };
type AnchorRow = { resource_id: string; version: number; hash: string };
type HeadRow = { id: string; version: number; head_hash: string };

const inRange = (range: ResourceRange, column: string) =>
  sql.join(
    [
      range.from === undefined ? sql`true` : sql`${sql.ref(column)} >= ${range.from}::uuid`,
      range.to === undefined ? sql`true` : sql`${sql.ref(column)} < ${range.to}::uuid`,
    ],
    sql` AND `,
  );

/**
 * A sorted keyset stream with one row of look-ahead. The next batch is requested as soon as one
 * arrives, so the database reads while this thread checks.
 */
class Stream<T> {
  #rows: T[] = [];
  #index = 0;
  #pending: Promise<T[]> | undefined;

  constructor(
    private readonly fetch: (after: T | undefined) => Promise<T[]>,
    private readonly batchSize: number,
    private readonly onBatch?: (rows: number) => void,
  ) {
    this.#pending = fetch(undefined);
  }

  async peek(): Promise<T | undefined> {
    if (this.#index < this.#rows.length) return this.#rows[this.#index];
    if (!this.#pending) return undefined;
    this.#rows = await this.#pending;
    this.#index = 0;
    this.onBatch?.(this.#rows.length);
    const last = this.#rows.at(-1);
    this.#pending = this.#rows.length < this.batchSize || !last ? undefined : this.fetch(last);
    return this.#rows[0];
  }

  next(): void {
    this.#index++;
  }
}

export async function verifyResourceRange(
  db: Db,
  range: ResourceRange,
  options: { batchSize?: number; onProgress?: (entries: number) => void } = {},
): Promise<ResourcePassResult> {
  const batchSize = options.batchSize ?? 10_000;
  const result: ResourcePassResult = { entries: 0 };
  const entries = new Stream<Row>(
    async (after) =>
      (
        await sql<Row>`
          SELECT seq::float8 AS seq, id, resource_id AS "resourceId", actor_id AS "actorId",
                 actor_type AS "actorType", action, changes, version, request_id AS "requestId",
                 trace_id AS "traceId",
                 to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt",
                 hash, prev_hash AS "prevHash", snapshot
          FROM audit_log
          WHERE ${inRange(range, 'resource_id')}
            ${after ? sql`AND (resource_id, version) > (${after.resourceId}::uuid, ${after.version})` : sql``}
          ORDER BY resource_id, version
          LIMIT ${batchSize}`.execute(db)
      ).rows,
    batchSize,
    (rows) => {
      result.entries += rows;
      options.onProgress?.(result.entries);
    },
  );
  const anchors = new Stream<AnchorRow>(
    async (after) =>
      (
        await sql<AnchorRow>`
          SELECT resource_id, version, hash FROM audit_anchors
          WHERE ${inRange(range, 'resource_id')} ${after ? sql`AND resource_id > ${after.resource_id}::uuid` : sql``}
          ORDER BY resource_id LIMIT ${batchSize}`.execute(db)
      ).rows,
    batchSize,
  );
  const heads = new Stream<HeadRow>(
    async (after) =>
      (
        await sql<HeadRow>`
          SELECT id, version, head_hash FROM resources
          WHERE ${inRange(range, 'id')} ${after ? sql`AND id > ${after.id}::uuid` : sql``}
          ORDER BY id LIMIT ${batchSize}`.execute(db)
      ).rows,
    batchSize,
  );

  for (;;) {
    const [entry, anchor, head] = [await entries.peek(), await anchors.peek(), await heads.peek()];
    const ids = [entry?.resourceId, anchor?.resource_id, head?.id].filter((id) => id !== undefined);
    if (ids.length === 0) return result;
    const resourceId = ids.sort()[0]!;
    let start: ChainState | undefined;
    if (anchor?.resource_id === resourceId) {
      start = { version: anchor.version, hash: anchor.hash, seq: 0, id: null };
      anchors.next();
    }
    const chain = await checkResourceEntries(entries, resourceId, start, result);
    if (head?.id === resourceId) {
      heads.next();
      if (chain !== null && !result.headFailure) {
        try {
          checkHead({ id: head.id, version: head.version, headHash: head.head_hash }, chain);
        } catch (error) {
          if (!(error instanceof Invalid)) throw error;
          result.headFailure = error.entry;
        }
      }
    }
  }
}

/**
 * Walks one resource's entries. Past a failure it goes on from the entry as stored (an edit further
 * on may sit at a lower seq), and returns null: that resource's head is not checked.
 */
async function checkResourceEntries(
  entries: Stream<Row>,
  resourceId: string,
  start: ChainState | undefined,
  result: ResourcePassResult,
): Promise<ChainState | undefined | null> {
  let chain = start;
  let previous: unknown; // the previous version's snapshot; unknown after an anchor
  let failed = false;
  for (let entry = await entries.peek(); entry?.resourceId === resourceId; entry = await entries.peek()) {
    entries.next();
    try {
      checkEntry(entry, chain);
      if (chain && entry.seq <= chain.seq) {
        fail(entry, `version ${entry.version} was logged before version ${chain.version} (reordered)`);
      }
      if (entry.version === 1) previous = {};
      if (previous !== undefined && previous !== null) {
        let rebuilt: unknown;
        try {
          rebuilt = applyPatchInPlace(previous, entry.changes);
        } catch (error) {
          fail(entry, `changes do not apply to the previous version: ${(error as Error).message}`);
        }
        if (!jsonEqual(rebuilt, entry.snapshot)) {
          fail(entry, 'snapshot does not match the document its changes produce');
        }
      }
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      failed = true;
      const best = result.entryFailure;
      if (!best || (error.entry.seq ?? Number.POSITIVE_INFINITY) < (best.seq ?? Number.POSITIVE_INFINITY)) {
        result.entryFailure = error.entry;
      }
    }
    previous = entry.snapshot;
    chain = { version: entry.version, hash: entry.hash, seq: entry.seq, id: entry.id };
  }
  return failed ? null : chain;
}
