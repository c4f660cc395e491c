import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '@ledgerbase/platform';
import { AUDIT_USAGE, runAudit } from './commands/audit.ts';
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
