import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Db } from '@ledgerbase/db';
import type { AuditKeys } from './audit-keys.ts';
import { anchors, checkpointNotes, entryBatches } from './audit-stream.repository.ts';
import { findPurgedPrefix, type TreeState } from './checkpoint.repository.ts';
import { externalNotes, mergeCheckpoints } from './checkpoint-notes.ts';
import { type Anchor, type VerifiableEntry, type VerifyReport, verifyAuditLog } from './verifier.ts';

/**
 * NDJSON export of the audit log (ADR 0009), one JSON object per line:
 *
 *     {"format":"ledgerbase-audit-export","version":1,"exportedAt":…,"filter":{…},"base":{…}}
 *     {"anchor":{"resourceId":…,"version":…,"hash":…}}            retention anchors
 *     {"checkpoint":{"treeSize":…,"note":"…"}}                     signed checkpoints, by size
 *     {"seq":…,"id":…,"resourceId":…,…,"hash":…,"prevHash":…}     entries in seq order (AuditEntry + seq)
 *     {"end":{"entries":…}}
 *
 * A full export (no filter) verifies offline: `ledgerbase audit verify --file`. Streamed in keyset
 * batches, so memory stays flat however long the log is.
 */
export const EXPORT_FORMAT = 'ledgerbase-audit-export';

export type ExportFilter = { since?: Date | undefined; until?: Date | undefined };

export async function exportAuditLog(
  db: Db,
  filter: ExportFilter,
  write: (line: string) => void | Promise<void>,
  options: {
    snapshot: boolean;
    exportedAt: Date;
    batchSize?: number;
    onProgress?: (entries: number) => void;
  },
): Promise<number> {
  const run = async (executor: Db) => {
    const filtered = filter.since !== undefined || filter.until !== undefined;
    const base = await findPurgedPrefix(executor);
    await write(
      JSON.stringify({
        format: EXPORT_FORMAT,
        version: 1,
        exportedAt: options.exportedAt.toISOString(),
        filter: { since: filter.since?.toISOString() ?? null, until: filter.until?.toISOString() ?? null },
        base,
      }),
    );
    if (!filtered) {
      for await (const anchor of anchors(executor)) await write(JSON.stringify({ anchor }));
      for await (const { treeSize, note } of checkpointNotes(executor, undefined)) {
        await write(JSON.stringify({ checkpoint: { treeSize, note } }));
      }
    }
    let entries = 0;
    for await (const batch of entryBatches(executor, { afterSeq: undefined, ...filter }, options.batchSize)) {
      let chunk = '';
      for (const entry of batch) chunk += `${chunk ? '\n' : ''}${JSON.stringify(entry)}`;
      await write(chunk);
      entries += batch.length;
      options.onProgress?.(entries);
    }
    await write(JSON.stringify({ end: { entries } }));
    return entries;
  };
  if (!options.snapshot) return run(db);
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute((trx) => run(trx as unknown as Db));
}

export class ExportFileError extends Error {}

type Header = {
  format: string;
  version: number;
  filter: { since: unknown; until: unknown };
  base: TreeState;
};

/**
 * Verifies an export file against the checkpoints it carries plus any kept elsewhere. Without the
 * database it cannot compare resource heads: the signed checkpoints are what catch a truncated tail.
 */
export async function verifyExportFile(
  file: string,
  keys: Pick<AuditKeys, 'trusted' | 'origin'>,
  options: {
    externalCheckpoints?: readonly string[];
    onProgress?: (bytesRead: number) => void;
    batchSize?: number;
  } = {},
): Promise<VerifyReport> {
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })[
    Symbol.asyncIterator
  ]();
  let lineNo = 0;
  const next = async (): Promise<Record<string, unknown> | undefined> => {
    for (;;) {
      const { value, done } = await lines.next();
      if (done) return undefined;
      lineNo++;
      if (value.trim() === '') continue;
      try {
        return JSON.parse(value) as Record<string, unknown>;
      } catch {
        throw new ExportFileError(`line ${lineNo} is not JSON`);
      }
    }
  };
  try {
    const header = (await next()) as Header | undefined;
    if (header?.format !== EXPORT_FORMAT || header.version !== 1) {
      throw new ExportFileError('not a ledgerbase audit export (first line)');
    }
    if (header.filter?.since != null || header.filter?.until != null) {
      throw new ExportFileError(
        'this export is filtered (--since/--until); verification needs a full export',
      );
    }
    const anchorList: Anchor[] = [];
    const stored: Array<{ treeSize: number; note: string; source: string }> = [];
    let line = await next();
    for (; line && ('anchor' in line || 'checkpoint' in line); line = await next()) {
      if ('anchor' in line) anchorList.push(line.anchor as Anchor);
      else {
        const { treeSize, note } = line.checkpoint as { treeSize: number; note: string };
        stored.push({ treeSize, note, source: 'export file' });
      }
    }
    // Entries follow, in seq order, then the end line with their count.
    let pending = line;
    let ended = false;
    let counted = 0;
    const batchSize = options.batchSize ?? 10_000;
    async function* entries(): AsyncGenerator<VerifiableEntry[]> {
      let batch: VerifiableEntry[] = [];
      for (; pending && !('end' in pending); pending = await next()) {
        batch.push(pending as unknown as VerifiableEntry);
        if (batch.length < batchSize) continue;
        counted += batch.length;
        options.onProgress?.(stream.bytesRead);
        yield batch;
        batch = [];
      }
      counted += batch.length;
      if (batch.length > 0) yield batch;
      options.onProgress?.(stream.bytesRead);
      if (pending) {
        ended = true;
        const count = (pending.end as { entries?: unknown }).entries;
        if (count !== counted) {
          throw new ExportFileError(
            `the end line counts ${String(count)} entries, the file holds ${counted}`,
          );
        }
      }
    }
    async function* sortedStored() {
      yield* stored.sort((a, b) => a.treeSize - b.treeSize);
    }
    const report = await verifyAuditLog({
      base: header.base,
      anchors: anchorList,
      checkpoints: mergeCheckpoints(sortedStored(), externalNotes(options.externalCheckpoints))[
        Symbol.asyncIterator
      ](),
      entries: entries(),
      trusted: keys.trusted,
      origin: keys.origin,
    });
    if (report.valid && !ended) {
      return {
        ...report,
        valid: false,
        firstInvalid: {
          id: null,
          seq: null,
          resourceId: null,
          version: null,
          reason: 'the export file is incomplete (no end line)',
        },
      };
    }
    return report;
  } finally {
    stream.destroy();
  }
}
