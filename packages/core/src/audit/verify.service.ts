import type { Db } from '@ledgerbase/db';
import type { AuditKeys } from './audit-keys.ts';
import {
  anchors,
  checkpointNotes,
  countEntries,
  entryBatches,
  loadSnapshots,
  maxCheckpointId,
  maxEntrySeq,
  resourceHeads,
} from './audit-stream.repository.ts';
import { findPurgedPrefix } from './checkpoint.repository.ts';
import { externalNotes, mergeCheckpoints } from './checkpoint-notes.ts';
import { type VerifyReport, verifyAuditLog } from './verifier.ts';
import { verifyInParallel } from './verify-parallel.ts';

export type VerifyOptions = {
  /**
   * Read everything in one REPEATABLE READ snapshot (PostgreSQL: consistent, blocks no writer).
   * PGlite runs one transaction at a time, so there the verifier reads batch by batch instead, up to
   * the newest entry and checkpoint that existed when it started, and starts over if a purge ran
   * meanwhile.
   */
  snapshot: boolean;
  /** Checkpoint notes kept outside the database (`--checkpoint note.txt`). */
  externalCheckpoints?: readonly string[];
  batchSize?: number;
  onStart?: (total: number) => void;
  onProgress?: (checked: number) => void;
  /**
   * PostgreSQL only (with `snapshot`): split the work over threads, each with its own connection to
   * `databaseUrl` inside the same exported snapshot (verify-parallel.ts).
   */
  parallel?: { databaseUrl: string; workers?: number } | undefined;
};

export type VerifyDeps = { db: Db; keys: Pick<AuditKeys, 'trusted' | 'origin'> };

async function verifyOnce(db: Db, keys: VerifyDeps['keys'], options: VerifyOptions): Promise<VerifyReport> {
  const bounded = !options.snapshot;
  const base = await findPurgedPrefix(db);
  const uptoSeq = bounded ? await maxEntrySeq(db) : undefined;
  const maxId = bounded ? await maxCheckpointId(db) : undefined;
  if (options.onStart) options.onStart(await countEntries(db));
  const checkpoints = mergeCheckpoints(
    checkpointNotes(db, maxId),
    externalNotes(options.externalCheckpoints),
  )[Symbol.asyncIterator]();
  return verifyAuditLog({
    base,
    anchors: anchors(db),
    checkpoints,
    entries: entryBatches(
      db,
      { afterSeq: undefined, snapshots: true, ...(uptoSeq === undefined ? {} : { uptoSeq }) },
      options.batchSize,
    ),
    heads: resourceHeads(db, uptoSeq),
    trusted: keys.trusted,
    origin: keys.origin,
    onProgress: options.onProgress,
    snapshots: { load: (wanted) => loadSnapshots(db, wanted) },
  });
}

/** Verifies the whole audit log in the database (ADR 0009). */
export async function verifyDatabase(
  { db, keys }: VerifyDeps,
  options: VerifyOptions,
): Promise<VerifyReport> {
  if (options.snapshot && options.parallel) {
    const { databaseUrl, workers } = options.parallel;
    return verifyInParallel(db, keys, {
      databaseUrl,
      workers,
      batchSize: options.batchSize,
      externalCheckpoints: externalNotes(options.externalCheckpoints),
      onStart: options.onStart,
      onProgress: options.onProgress,
    });
  }
  if (options.snapshot) {
    return db
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute((trx) => verifyOnce(trx as unknown as Db, keys, options));
  }
  for (let attempt = 0; ; attempt++) {
    const before = (await findPurgedPrefix(db)).treeSize;
    const report = await verifyOnce(db, keys, options);
    if (report.valid || attempt >= 2 || (await findPurgedPrefix(db)).treeSize === before) return report;
  }
}
