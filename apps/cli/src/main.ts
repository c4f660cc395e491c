import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '@ledgerbase/platform';
import { runMigrate } from './commands/migrate.ts';
import { runUsers } from './commands/users.ts';

const USAGE = `ledgerbase <command>

Commands:
  migrate up          apply every pending migration
  migrate down        roll back the most recent migration
  migrate status      list migrations and when they ran
  users create-admin --email <email> --password <password> [--name <name>]

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
