import { migrateDown, migrateToLatest, migrationStatus } from '@ledgerbase/db';
import type { Config } from '@ledgerbase/platform';
import { withDatabase } from '../database.ts';

const print = (line: string) => process.stdout.write(`${line}\n`);

export function runMigrate(config: Config, action: string | undefined): Promise<number> {
  return withDatabase(config, async ({ db }) => {
    switch (action) {
      case 'up': {
        const { results = [] } = await migrateToLatest(db);
        if (results.length === 0) print('already up to date');
        for (const r of results) print(`applied ${r.migrationName}`);
        return 0;
      }
      case 'down': {
        const { results = [] } = await migrateDown(db);
        if (results.length === 0) print('nothing to roll back');
        for (const r of results) print(`rolled back ${r.migrationName}`);
        return 0;
      }
      case 'status': {
        for (const m of await migrationStatus(db)) {
          print(
            `${m.executedAt ? 'applied' : 'pending'}  ${m.name}${m.executedAt ? `  ${m.executedAt.toISOString()}` : ''}`,
          );
        }
        return 0;
      }
      default:
        process.stderr.write('usage: ledgerbase migrate up|down|status\n');
        return 1;
    }
  });
}
