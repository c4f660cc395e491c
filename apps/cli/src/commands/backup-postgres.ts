import { spawn } from 'node:child_process';
import { type Db, sql } from '@ledgerbase/db';
import { type DatabaseFacts, readDatabaseFacts } from './backup-facts.ts';

type Tool = 'pg_dump' | 'pg_restore';
type ToolVersion = { version: string; major: number };

const STDERR_LIMIT = 64 * 1024;

/** Runs a PostgreSQL client tool; a missing binary is named, a failure carries the tool's stderr. */
function run(tool: Tool, args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_LIMIT);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'ENOENT'
          ? new Error(
              `${tool} was not found on PATH: install the PostgreSQL client tools (for example the ` +
                'postgresql-client package) of the same major version as the server or newer',
            )
          : error,
      );
    });
    child.on('close', (code, signal) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${tool} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
    });
  });
}

/**
 * libpq arguments for a DATABASE_URL: the password moves to PGPASSWORD for the child only, so it is
 * not visible in the process list as part of `--dbname`.
 */
function libpqTarget(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  // The child inherits the operator's environment (PATH, PGSSL*, ...); only the password is added.
  const env = { ...process.env, ...(password ? { PGPASSWORD: password } : {}) };
  return { dbname: parsed.toString(), env };
}

async function toolVersion(tool: Tool): Promise<ToolVersion> {
  const output = await run(tool, ['--version'], process.env);
  const match = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(output);
  if (!match) throw new Error(`cannot read the version of ${tool} from "${output.trim()}"`);
  return { version: match[2] === undefined ? match[1]! : `${match[1]}.${match[2]}`, major: Number(match[1]) };
}

const majorOf = (text: string): number => Number(/(\d+)/.exec(text)?.[1] ?? Number.NaN);

/**
 * `pg_dump --format=custom` of DATABASE_URL into `file`. The manifest's facts are read inside one
 * REPEATABLE READ transaction whose snapshot pg_dump adopts (`--snapshot`), so the recorded migration,
 * entry count and checkpoint describe exactly what the archive holds, while the service keeps writing.
 */
export async function dumpPostgres(
  url: string,
  db: Db,
  file: string,
): Promise<{ facts: DatabaseFacts; tool: string }> {
  const pgDump = await toolVersion('pg_dump');
  const serverVersionNum = (await sql<{ server_version_num: string }>`SHOW server_version_num`.execute(db))
    .rows[0]!.server_version_num;
  const serverMajor = Math.floor(Number(serverVersionNum) / 10_000);
  if (pgDump.major < serverMajor) {
    throw new Error(
      `pg_dump ${pgDump.version} is older than the server (PostgreSQL ${serverMajor}): install the client ` +
        `tools of version ${serverMajor} or newer`,
    );
  }
  const target = libpqTarget(url);
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => {
      const snapshot = (await sql<{ id: string }>`SELECT pg_export_snapshot() AS id`.execute(trx)).rows[0]!
        .id;
      const facts = await readDatabaseFacts(trx);
      await run(
        'pg_dump',
        [
          '--format=custom',
          `--snapshot=${snapshot}`,
          `--file=${file}`,
          '--no-password',
          `--dbname=${target.dbname}`,
        ],
        target.env,
      );
      return { facts, tool: `pg_dump ${pgDump.version}` };
    });
}

/** The target must be a database Ledgerbase never ran on: a restore never merges into data. */
export async function assertPostgresTargetEmpty(db: Db): Promise<void> {
  const { rows } = await sql<{ found: string | null }>`
    SELECT to_regclass('public.resources')::text AS found
    UNION ALL SELECT to_regclass('public.kysely_migration')::text`.execute(db);
  const found = rows.map((row) => row.found).filter((name) => name !== null);
  if (found.length > 0) {
    throw new Error(
      `the database in DATABASE_URL already has Ledgerbase tables (${found.join(', ')}): restore only into ` +
        'an empty database (CREATE DATABASE ledgerbase_restored) and point DATABASE_URL at it',
    );
  }
}

/** Checks pg_restore can read an archive written by `dumpTool` (recorded in the manifest). */
export async function checkPgRestore(dumpTool: string): Promise<void> {
  const pgRestore = await toolVersion('pg_restore');
  const dumpMajor = majorOf(dumpTool);
  if (pgRestore.major < dumpMajor) {
    throw new Error(
      `pg_restore ${pgRestore.version} cannot read an archive written by ${dumpTool}: install the client ` +
        `tools of version ${dumpMajor} or newer`,
    );
  }
}

/**
 * `pg_restore` in one transaction (a failure leaves the database empty, ready for another try).
 * `--no-owner`/`--no-privileges`: the target's roles need not exist where the dump was taken (another
 * cluster, RDS); the connecting role owns everything, and grants of your own must be given again.
 */
export async function restorePostgres(url: string, file: string): Promise<void> {
  const target = libpqTarget(url);
  await run(
    'pg_restore',
    [
      '--no-owner',
      '--no-privileges',
      '--exit-on-error',
      '--single-transaction',
      '--no-password',
      `--dbname=${target.dbname}`,
      file,
    ],
    target.env,
  );
}
