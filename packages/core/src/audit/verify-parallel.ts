import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type Db, sql } from '@ledgerbase/db';
import type { AuditKeys } from './audit-keys.ts';
import { checkpointNotes } from './audit-stream.repository.ts';
import { findPurgedPrefix } from './checkpoint.repository.ts';
import { mergeCheckpoints } from './checkpoint-notes.ts';
import type { ResourcePassResult, ResourceRange } from './resource-pass.ts';
import { TreeChecker } from './tree-checker.ts';
import {
  type CheckpointNote,
  Invalid,
  type InvalidEntry,
  invalidReport,
  type VerifyReport,
} from './verify-checks.ts';
import type { VerifyWorkerData } from './verify-worker.ts';

/**
 * The verifier on PostgreSQL, split over threads (ADR 0009). One REPEATABLE READ snapshot, exported
 * to every thread (`pg_export_snapshot`), so all see the same state:
 * - this thread grows the Merkle tree over `(seq, hash)` in seq order and checks every checkpoint;
 * - worker threads each take a range of resources and check, resource by resource, every entry's
 *   hash, chain link and snapshot, and the resource's head (resource-pass.ts).
 * The report is the one a single pass in seq order gives: the first failing entry in seq order
 * (an entry's own checks before the tree check at the same entry), then a truncation, then heads.
 */
export type ParallelOptions = {
  databaseUrl: string;
  workers?: number | undefined;
  batchSize?: number | undefined;
  /** Checkpoints kept elsewhere, merged with the database's. */
  externalCheckpoints: readonly CheckpointNote[];
  onStart?: ((total: number) => void) | undefined;
  onProgress?: ((checked: number) => void) | undefined;
};

type TreeFailure = InvalidEntry & { at: 'start' | 'entry' | 'end'; kind: 'seq' | 'tree' };

const count = async (db: Db, where = sql`true`) =>
  Number(
    (await sql<{ n: string }>`SELECT count(*) AS n FROM audit_log WHERE ${where}`.execute(db)).rows[0]?.n ??
      0,
  );

/** Resource ids splitting the entries into `parts` ranges of about equal size. */
async function splitPoints(db: Db, total: number, parts: number): Promise<ResourceRange[]> {
  const points: string[] = [];
  for (let i = 1; i < parts; i++) {
    const { rows } = await sql<{ id: string }>`
      SELECT resource_id AS id FROM audit_log ORDER BY resource_id, version
      OFFSET ${Math.floor((total * i) / parts)} LIMIT 1`.execute(db);
    const id = rows[0]?.id;
    if (id && id !== points.at(-1)) points.push(id);
  }
  const bounds = [undefined, ...points, undefined];
  return bounds.slice(1).map((to, i) => ({ from: bounds[i], to }));
}

function runWorker(
  data: VerifyWorkerData,
  onProgress: (entries: number) => void,
): Promise<ResourcePassResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./verify-worker.boot.mjs', import.meta.url), { workerData: data });
    let result: ResourcePassResult | undefined;
    worker.on('message', (message: { progress?: number; result?: ResourcePassResult }) => {
      if (message.progress !== undefined) onProgress(message.progress);
      if (message.result) result = message.result;
    });
    worker.once('error', reject);
    worker.once('exit', (code) =>
      result ? resolve(result) : reject(new Error(`verification thread exited with code ${code}`)),
    );
  });
}

async function walkTree(
  db: Db,
  keys: Pick<AuditKeys, 'trusted' | 'origin'>,
  options: ParallelOptions,
  onProgress: (entries: number) => void,
): Promise<{ failure?: TreeFailure; checkpoints: number; treeSize: number; base: number; sizes: number[] }> {
  const base = await findPurgedPrefix(db);
  const batchSize = options.batchSize ?? 20_000;
  let tree: TreeChecker;
  try {
    const checkpoints = mergeCheckpoints(checkpointNotes(db, undefined), options.externalCheckpoints);
    tree = await TreeChecker.start(base, checkpoints[Symbol.asyncIterator](), keys.trusted, keys.origin);
  } catch (error) {
    if (!(error instanceof Invalid)) throw error;
    return {
      failure: { ...error.entry, at: 'start', kind: 'tree' },
      checkpoints: 0,
      treeSize: base.treeSize,
      base: base.treeSize,
      sizes: [],
    };
  }
  const failed = (error: unknown, at: TreeFailure['at'], kind: TreeFailure['kind']) => {
    if (!(error instanceof Invalid)) throw error;
    return { failure: { ...error.entry, at, kind }, ...state(tree, base.treeSize) };
  };
  let lastSeq: number | undefined;
  for (let done = 0; ; ) {
    const { rows } = await sql<{ seq: number; hash: string }>`
      SELECT seq::float8 AS seq, hash FROM audit_log
      ${lastSeq === undefined ? sql`` : sql`WHERE seq > ${lastSeq}`}
      ORDER BY audit_log.seq LIMIT ${batchSize}`.execute(db);
    for (const row of rows) {
      try {
        tree.checkSeq(row);
      } catch (error) {
        return failed(error, 'entry', 'seq');
      }
      lastSeq = row.seq;
      try {
        const due = tree.append(row);
        if (due) await due;
      } catch (error) {
        return failed(error, 'entry', 'tree');
      }
    }
    done += rows.length;
    onProgress(done);
    if (rows.length < batchSize) break;
  }
  try {
    tree.finish(lastSeq === undefined ? undefined : { seq: lastSeq });
  } catch (error) {
    return failed(error, 'end', 'tree');
  }
  return state(tree, base.treeSize);
}

const state = (tree: TreeChecker, base: number) => ({
  checkpoints: tree.checkpoints,
  treeSize: tree.size,
  base,
  sizes: tree.checkedSizes,
});

export async function verifyInParallel(
  db: Db,
  keys: Pick<AuditKeys, 'trusted' | 'origin'>,
  options: ParallelOptions,
): Promise<VerifyReport> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => {
      const tx = trx as unknown as Db;
      const { rows } = await sql<{ id: string }>`SELECT pg_export_snapshot() AS id`.execute(tx);
      const total = await count(tx);
      options.onStart?.(total);
      const parts = Math.max(1, options.workers ?? Math.min(4, availableParallelism()));
      const ranges = await splitPoints(tx, total, parts);
      const progress = { tree: 0, threads: ranges.map(() => 0) };
      const report = () =>
        options.onProgress?.(
          Math.min(
            progress.tree,
            progress.threads.reduce((a, b) => a + b, 0),
          ),
        );
      const threads = ranges.map((range, i) =>
        runWorker(
          {
            databaseUrl: options.databaseUrl,
            snapshotId: rows[0]!.id,
            range,
            batchSize: options.batchSize ?? 10_000,
          },
          (entries) => {
            progress.threads[i] = entries;
            report();
          },
        ),
      );
      const walked = await walkTree(tx, keys, options, (entries) => {
        progress.tree = entries;
        report();
      });
      const results = await Promise.all(threads);
      return combine(tx, total, walked, results);
    });
}

async function combine(
  db: Db,
  total: number,
  walked: Awaited<ReturnType<typeof walkTree>>,
  results: ResourcePassResult[],
): Promise<VerifyReport> {
  const { failure, checkpoints, treeSize } = walked;
  const report = async (checked: number, entry: InvalidEntry) =>
    invalidReport(checked, checkpoints, treeSize, await named(db, entry));
  const strip = ({ at: _at, kind: _kind, ...rest }: TreeFailure): InvalidEntry => rest;
  const tree = failure?.kind === 'tree' ? failure : undefined;
  if (tree?.at === 'start') return report(0, strip(tree));
  // An entry's own checks come before the tree's at the same entry; a truncation comes last.
  const entries = results.flatMap((r) => (r.entryFailure ? [r.entryFailure] : []));
  if (failure?.kind === 'seq') entries.push(strip(failure));
  const first = entries.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0))[0];
  if (first && !(tree?.at === 'entry' && (tree.seq ?? 0) < (first.seq ?? 0))) {
    // Report the tree as a pass in seq order would have it when it met this entry.
    const checked = await count(db, sql`seq < ${first.seq}`);
    const size = walked.base + checked;
    const passed = walked.sizes.filter((s) => s <= size).length;
    return invalidReport(checked, passed, size, await named(db, first));
  }
  if (tree) return report(tree.at === 'end' ? total : await count(db, sql`seq <= ${tree.seq}`), strip(tree));
  const head = results.find((r) => r.headFailure)?.headFailure;
  if (head) return report(total, head);
  return { valid: true, checked: total, checkpoints, treeSize };
}

/** The tree knows a failing entry by its seq only: fill in the rest. */
async function named(db: Db, failure: InvalidEntry): Promise<InvalidEntry> {
  if (failure.id !== null || failure.seq === null) return failure;
  const { rows } = await sql<{ id: string; resource_id: string; version: number }>`
    SELECT id, resource_id, version FROM audit_log WHERE seq = ${failure.seq}`.execute(db);
  const row = rows[0];
  return row ? { ...failure, id: row.id, resourceId: row.resource_id, version: row.version } : failure;
}
