import {
  createApiKeyService,
  createAuthService,
  createCredentialResolver,
  createCursorCodec,
  createGrantService,
  createHistoryService,
  createResourceService,
  createTokenService,
  createUserAdminService,
  loadSigningKeys,
} from '@ledgerbase/core';
import { type DatabaseHandle, migrateToLatest, openDatabase } from '@ledgerbase/db';
import {
  type Clock,
  type Config,
  createLocalBroadcast,
  createLogger,
  createMemoryRateLimiter,
  createRedis,
  createRedisBroadcast,
  createRedisRateLimiter,
  type Logger,
  type RateLimiter,
  systemClock,
  waitForRedis,
} from '@ledgerbase/platform';

const INVALIDATE_USER = 'invalidate-user';
const INVALIDATE_KEY = 'invalidate-key';

export type Container = Awaited<ReturnType<typeof buildContainer>>;

export type ContainerOverrides = {
  clock?: Clock;
  logger?: Logger;
  /** Tests pass their own throwaway database. */
  database?: DatabaseHandle;
};

/** Builds every dependency from config, once (ARCHITECTURE.md "Composition"). */
export async function buildContainer(config: Config, overrides: ContainerOverrides = {}) {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const database =
    overrides.database ??
    (await openDatabase({
      databaseUrl: config.databaseUrl,
      embeddedDir: config.dataDir,
      poolMax: config.databasePoolMax,
    }));
  await migrateToLatest(database.db);

  const keys = await loadSigningKeys({ pem: config.jwtPrivateKey, dataDir: config.dataDir });
  const tokens = createTokenService({
    keys,
    clock,
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    ttlSeconds: config.accessTokenTtlSeconds,
  });
  const db = database.db;
  const auth = createAuthService({
    db,
    clock,
    tokens,
    registration: config.registration,
    passwordMinLength: config.passwordMinLength,
    refreshTokenTtlSeconds: config.refreshTokenTtlSeconds,
  });
  const redis = config.redisUrl ? createRedis(config.redisUrl, logger) : undefined;
  if (redis) await waitForRedis(redis);
  const broadcast = redis
    ? createRedisBroadcast(redis, config.redisKeyPrefix, logger)
    : createLocalBroadcast();
  const credentials = createCredentialResolver({ db, clock, tokens });
  // Credential changes reach every instance at once; the resolver's short TTL bounds a lost message.
  broadcast.subscribe(INVALIDATE_USER, (userId) => credentials.invalidateUser(userId));
  broadcast.subscribe(INVALIDATE_KEY, (keyId) => credentials.invalidateKey(keyId));
  const cursors = createCursorCodec(keys.deriveSecret('cursor'));
  const localLimiter = createMemoryRateLimiter(clock);
  const rateLimiter: RateLimiter & { isDegraded?: () => boolean } = redis
    ? createRedisRateLimiter(redis, localLimiter, {
        prefix: config.redisKeyPrefix,
        onFallback: (error) =>
          logger.warn({ err: String(error) }, 'rate limiter fell back to in-process counters'),
      })
    : localLimiter;

  if (config.adminEmail && config.adminPassword) {
    await auth.ensureAdmin(config.adminEmail, config.adminPassword);
  }

  return {
    config,
    clock,
    logger,
    database,
    keys,
    tokens,
    auth,
    rateLimiter,
    redis,
    broadcast,
    credentials,
    resources: createResourceService({ db, clock, cursors }),
    grants: createGrantService({
      db,
      clock,
      onGranted: (userId) => broadcast.publish(INVALIDATE_USER, userId),
    }),
    apiKeys: createApiKeyService({
      db,
      clock,
      onRevoke: (keyId) => void broadcast.publish(INVALIDATE_KEY, keyId),
    }),
    userAdmin: createUserAdminService({
      db,
      clock,
      cursors,
      invalidateUser: (userId) => broadcast.publish(INVALIDATE_USER, userId),
    }),
    history: createHistoryService({ db, cursors }),
    async close() {
      await broadcast.close();
      redis?.disconnect();
      await database.close();
    },
  };
}
