import { type DatabaseHandle, openDatabase } from '@ledgerbase/db';
import type { Config } from '@ledgerbase/platform';

export const openConfiguredDatabase = (config: Config): Promise<DatabaseHandle> =>
  openDatabase({ databaseUrl: config.databaseUrl, embeddedDir: config.dataDir, poolMax: 2 });

/** Opens the database for one command and always closes it. */
export async function withDatabase<T>(
  config: Config,
  run: (handle: DatabaseHandle) => Promise<T>,
): Promise<T> {
  const handle = await openConfiguredDatabase(config);
  try {
    return await run(handle);
  } finally {
    await handle.close();
  }
}
