import { parentPort, workerData } from 'node:worker_threads';
import { type Db, openDatabase, sql } from '@ledgerbase/db';
import { type ResourceRange, verifyResourceRange } from './resource-pass.ts';

/**
 * A thread of the parallel verifier (verify-parallel.ts): checks one range of resources inside the
 * main thread's exported snapshot, so every thread sees exactly the same database state.
 */
export type VerifyWorkerData = {
  databaseUrl: string;
  snapshotId: string;
  range: ResourceRange;
  batchSize: number;
};

const data = workerData as VerifyWorkerData;
if (!/^[0-9A-Fa-f-]+$/.test(data.snapshotId)) throw new Error('invalid snapshot id');
const handle = await openDatabase({ databaseUrl: data.databaseUrl, embeddedDir: undefined, poolMax: 1 });
try {
  const result = await handle.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => {
      await sql.raw(`SET TRANSACTION SNAPSHOT '${data.snapshotId}'`).execute(trx);
      return verifyResourceRange(trx as unknown as Db, data.range, {
        batchSize: data.batchSize,
        onProgress: (entries) => parentPort?.postMessage({ progress: entries }),
      });
    });
  parentPort?.postMessage({ result });
} finally {
  await handle.close();
}
