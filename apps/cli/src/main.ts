import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '@ledgerbase/platform';
import { AUDIT_USAGE, runAudit } from './commands/audit.ts';
import { runBackupCommand } from './commands/backup.ts';
import { runKeys } from './commands/keys.ts';
import { runMigrate } from './commands/migrate.ts';
import { runUsers } from './commands/users.ts';

const USAGE = `ledgerbase <command>

Commands:
  migrate up          apply every pending migration
  migrate down        roll back the most recent migration
  migrate status      list migrations and when they ran
  users create-admin --email <email> --password <password> [--name <name>]
  keys rotate [--batch-size <n>]
                      re-encrypt every user's PII under ENCRYPTION_KEY (the active key), in
                      batches (500 by default), while servers keep running with the old key in
                      ENCRYPTION_KEYS_PREVIOUS; afterwards that old key can be removed
  backup --out <file> [--include-keys]
                      write one file holding a consistent snapshot (PGlite's dumpDataDir, or
                      pg_dump --format=custom with DATABASE_URL) and a manifest with its SHA-256,
                      atomically; never overwrites. The keys are NOT in it: back up ENCRYPTION_KEY,
                      JWT_PRIVATE_KEY (or DATA_DIR/keys) separately, or, embedded only, add them
                      with --include-keys (the file then unlocks the data: guard it like the keys)
  restore --in <file> [--public-key <vkey>]...
                      check the SHA-256, restore into an empty DATA_DIR (embedded) or an empty
                      database (pg_restore), migrate forward, then verify the audit log like
                      \`audit verify\` (exit 1 if anything fails to check out)
  audit verify|export|seal|purge
                      check, export, checkpoint or purge the audit log (ADR 0009):

${AUDIT_USAGE}

Configuration comes from the same environment as the server (DATABASE_URL, DATA_DIR, ...).
In embedded mode stop the server first: PGlite files take one process at a time.`;

export async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      password: { type: 'string' },
      name: { type: 'string' },
      'batch-size': { type: 'string' },
      file: { type: 'string' },
      checkpoint: { type: 'string', multiple: true },
      'public-key': { type: 'string', multiple: true },
      since: { type: 'string' },
      until: { type: 'string' },
      'margin-seconds': { type: 'string' },
      'retention-days': { type: 'string' },
      out: { type: 'string' },
      in: { type: 'string' },
      'include-keys': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, subcommand] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || values.help ? 0 : 1;
  }
  const config = loadConfig();
  switch (command) {
    case 'migrate':
      return runMigrate(config, subcommand);
    case 'users':
      return runUsers(config, subcommand, values);
    case 'keys':
      return runKeys(config, subcommand, values);
    case 'audit':
      return runAudit(config, subcommand, values);
    case 'backup':
    case 'restore':
      return runBackupCommand(config, command, values);
    default:
      process.stderr.write(`unknown command "${command}"\n\n${USAGE}\n`);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof ConfigError || error instanceof Error ? error.message : String(error);
    process.stderr.write(`ledgerbase: ${message}\n`);
    process.exit(1);
  },
);
