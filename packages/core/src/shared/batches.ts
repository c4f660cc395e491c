import type { Db } from '@ledgerbase/db';

/**
 * Walks a table in id order, one transaction per batch, so rows are locked only while their batch
 * is rewritten and the service keeps serving. `lock` returns the next batch after `after`, locked
 * for the transaction (or empty when done); `rewrite` changes one row. `onBatch` sees each batch's
 * size after it committed. Returns how many rows and batches were rewritten.
 */
export async function rewriteInBatches<Row extends { id: string }>(
  db: Db,
  steps: {
    lock: (tx: Db, after: string | undefined) => Promise<Row[]>;
    rewrite: (tx: Db, row: Row) => Promise<void>;
    onBatch?: (rows: number) => void;
  },
): Promise<{ rows: number; batches: number }> {
  let rows = 0;
  let batches = 0;
  let after: string | undefined;
  for (;;) {
    const batch = await db.transaction().execute(async (trx) => {
      const tx = trx as unknown as Db;
      const locked = await steps.lock(tx, after);
      for (const row of locked) await steps.rewrite(tx, row);
      return locked;
    });
    if (batch.length === 0) return { rows, batches };
    after = batch.at(-1)?.id;
    rows += batch.length;
    batches += 1;
    steps.onBatch?.(batch.length);
  }
}
