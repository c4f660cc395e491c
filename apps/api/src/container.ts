import {
  createApiKeyService,
  createAuditService,
  createAuthService,
  createCredentialResolver,
  createCursorCodec,
  createGrantService,
  createHistoryService,
  createResourceService,
  createTokenService,
  createUserAdminService,
  createUserStore,
  createWebhookSecretKeys,
  loadAuditKeys,
  loadKeyRing,
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
import { buildEventParts } from './container-events.ts';

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
  // PII at rest: check the ring can read every row, then encrypt rows an older version left in plaintext.
  const keyRing = loadKeyRing({
    key: config.encryptionKey,
    previous: config.encryptionKeysPrevious,
    dataDir: config.dataDir,
  });
  if (!config.encryptionKey && config.databaseUrl)
    logger.warn('ENCRYPTION_KEY is unset: using the key in DATA_DIR/keys; every instance must share it');
  const users = createUserStore(keyRing);
  const backfill = await users.prepare(db);
  // Webhook signing secrets share the ring: a retired key they still use would break deliveries.
  await createWebhookSecretKeys(keyRing).assertReadable(db);
  if (backfill.rewritten > 0) logger.info({ users: backfill.rewritten }, 'encrypted plaintext user PII');
  const auth = createAuthService({
    db,
    clock,
    tokens,
    users,
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

  // Audit checkpoints and verification (issue #4, ADR 0009).
  const auditKeys = loadAuditKeys({
    pem: config.auditSigningKey,
    signingKeys: keys,
    trusted: config.auditTrustedKeys,
  });
  const auditParts = {
    auditKeys,
    /** What the audit jobs (sealAuditLog, purgeAuditLog) take: the worker schedules them. */
    auditJobDeps: { db, clock, keys: auditKeys, logger },
    audit: createAuditService({
      db,
      cursors,
      keys: auditKeys,
      snapshot: database.mode === 'postgres',
      databaseUrl: config.databaseUrl,
    }),
  };

  if (config.adminEmail && config.adminPassword) {
    await auth.ensureAdmin(config.adminEmail, config.adminPassword);
  }

  // Events, webhooks, realtime and the read cache (issue #5).
  const events = await buildEventParts({
    config,
    clock,
    logger,
    database,
    redis,
    secrets: keyRing,
    cursors,
  });

  return {
    config,
    clock,
    logger,
    database,
    keys,
    keyRing,
    tokens,
    auth,
    users,
    rateLimiter,
    redis,
    broadcast,
    credentials,
    resources: createResourceService({
      db,
      clock,
      cursors,
      cache: events.resourceCache,
      onWritten: events.onResourceWritten,
    }),
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
      users,
      invalidateUser: (userId) => broadcast.publish(INVALIDATE_USER, userId),
    }),
    history: createHistoryService({ db, cursors }),
    ...auditParts,
    ...events.parts,
    async close() {
      await events.close();
      await broadcast.close();
      redis?.disconnect();
      await database.close();
    },
  };
}
