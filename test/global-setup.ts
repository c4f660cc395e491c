import { migrateToLatest, openDatabase } from '@ledgerbase/db';
import { adminQuery, uniqueName, withDatabase } from './database.ts';

/** Migrates one template database per run; each test file clones it in milliseconds. */
export default async function setup(): Promise<() => Promise<void>> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('the postgres project needs DATABASE_URL');
  const template = uniqueName('lb_tpl');
  await adminQuery(`CREATE DATABASE ${template}`);
  const handle = await openDatabase({
    databaseUrl: withDatabase(databaseUrl, template),
    embeddedDir: undefined,
  });
  await migrateToLatest(handle.db);
  await handle.close();
  process.env.LB_TEST_TEMPLATE_DB = template;
  return async () => {
    await adminQuery(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
  };
}
