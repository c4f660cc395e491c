import { createAuthService, createTokenService, loadSigningKeys } from '@ledgerbase/core';
import { migrateToLatest } from '@ledgerbase/db';
import { type Config, systemClock } from '@ledgerbase/platform';
import { withDatabase } from '../database.ts';
import { configuredUserStore } from './keys.ts';

type Options = { email?: string | undefined; password?: string | undefined; name?: string | undefined };

export function runUsers(config: Config, action: string | undefined, options: Options): Promise<number> {
  if (action !== 'create-admin' || !options.email || !options.password) {
    process.stderr.write('usage: ledgerbase users create-admin --email <email> --password <password>\n');
    return Promise.resolve(1);
  }
  const { email, password } = options;
  return withDatabase(config, async ({ db }) => {
    await migrateToLatest(db);
    // The same service the API uses, so the CLI obeys the same validation and hashing rules.
    const keys = await loadSigningKeys({ pem: config.jwtPrivateKey, dataDir: config.dataDir });
    const users = configuredUserStore(config);
    await users.prepare(db);
    const tokens = createTokenService({ keys, clock: systemClock, issuer: '', audience: '', ttlSeconds: 60 });
    const auth = createAuthService({
      db,
      clock: systemClock,
      tokens,
      users,
      registration: 'open',
      passwordMinLength: config.passwordMinLength,
      refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
    });
    const user = await auth.ensureAdmin(email, password, options.name);
    process.stdout.write(`admin ${user.email} (${user.id}) is ready\n`);
    return 0;
  });
}
