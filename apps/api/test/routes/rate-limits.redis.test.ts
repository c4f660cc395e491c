import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '@ledgerbase/platform';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/database.ts';
import { buildApp } from '../../src/app.ts';
import { buildContainer, type Container } from '../../src/container.ts';
import {
  API,
  awayFromWindowEdge,
  bearer,
  createApiKey,
  createAppWithAdmin,
  grant,
  ids,
  patchUser,
  RESOURCES,
} from '../access-helpers.ts';
import {
  as,
  createResource,
  expectError,
  login,
  PASSWORD,
  registerAndLogin,
  uniqueEmail,
} from '../helpers.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefixes: string[] = [];

type Instance = { app: FastifyInstance; container: Container };
type Cluster = { a: Instance; b: Instance; close(): Promise<void> };

/**
 * Several API instances as in production: one database, one signing key (one DATA_DIR), each with its
 * own connection to Redis. `redisUrls` gives each instance its own REDIS_URL (a dead one, a proxy).
 */
async function cluster(env: Record<string, string>, redisUrls = [REDIS_URL, REDIS_URL]): Promise<Cluster> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'lb-cluster-'));
  const prefix = `lbtest:${randomBytes(6).toString('hex')}:`;
  prefixes.push(prefix);
  const database: TestDatabase = await createTestDatabase();
  const adminEmail = uniqueEmail();
  const instances: Instance[] = [];
  for (const redisUrl of redisUrls) {
    const config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      WEB_DIST_DIR: path.join(dataDir, 'no-web'),
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: prefix,
      RATE_LIMIT_ENABLED: 'true',
      ADMIN_EMAIL: adminEmail,
      ADMIN_PASSWORD: PASSWORD,
      ...env,
    });
    const container = await buildContainer(config, { database: database.handle });
    const app = await buildApp(container);
    await app.ready();
    instances.push({ app, container });
  }
  return {
    a: instances[0]!,
    b: instances[1]!,
    async close() {
      for (const { app, container } of instances) {
        await app.close();
        await container.broadcast.close();
        container.redis?.disconnect();
      }
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

afterAll(async () => {
  const redis = new Redis(REDIS_URL);
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  redis.disconnect();
});

describe('rate limits shared through Redis by several instances', () => {
  it('a per-user limit of N allows N requests in total across two instances, not 2N', async () => {
    const c = await cluster({ RATE_LIMIT_PER_MINUTE: '6' });
    try {
      const session = await registerAndLogin(c.a.app);
      await awayFromWindowEdge();
      const statuses: Array<[string, number]> = [];
      for (let i = 0; i < 12; i++) {
        const instance = i % 2 === 0 ? c.a : c.b;
        const response = await as(instance.app, session)({ method: 'GET', url: RESOURCES });
        statuses.push([i % 2 === 0 ? 'a' : 'b', response.statusCode]);
        if (response.statusCode === 429) expectError(response, 429, 'RATE_LIMITED');
      }
      expect(statuses.filter(([, s]) => s === 200)).toHaveLength(6);
      expect(statuses.slice(6).map(([, s]) => s)).toEqual([429, 429, 429, 429, 429, 429]);
      // Both instances refuse, each reporting the shared count.
      const fromB = await as(c.b.app, session)({ method: 'GET', url: RESOURCES });
      expect(fromB.headers.ratelimit).toMatch(/^"default";r=0;t=\d+$/);
      expect(Number(fromB.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    } finally {
      await c.close();
    }
  });

  it('anonymous callers share one per-IP budget across instances', async () => {
    const c = await cluster({ RATE_LIMIT_PER_MINUTE: '5' });
    try {
      await awayFromWindowEdge();
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) {
        statuses.push((await (i % 2 ? c.b : c.a).app.inject({ method: 'GET', url: RESOURCES })).statusCode);
      }
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429, 429, 429]);
      expect(c.a.container.rateLimiter.kind).toBe('redis');
    } finally {
      await c.close();
    }
  });
});

describe('credential changes reach every instance', () => {
  it('revoked keys, disabled users, demotions and new grants take effect on the other instance', async () => {
    const c = await cluster({ RATE_LIMIT_PER_MINUTE: '10000' });
    try {
      const admin = await login(c.a.app, c.a.container.config.adminEmail!);
      const user = await registerAndLogin(c.a.app);
      const key = await createApiKey(as(c.a.app, user), ['resources:read', 'resources:write']);
      // Instance B has seen (and cached) both credentials.
      expect((await bearer(c.b.app, key.key)({ method: 'GET', url: RESOURCES })).statusCode).toBe(200);
      expect((await as(c.b.app, user)({ method: 'GET', url: RESOURCES })).statusCode).toBe(200);

      // A grant made on A shows up in the grantee's list on B (which cached "nothing granted").
      const owner = await registerAndLogin(c.a.app);
      const shared = await createResource(as(c.a.app, owner), { name: 'shared across instances' });
      expect((await grant(as(c.a.app, owner), shared.id, user.userId, 'read')).statusCode).toBe(200);
      await expect
        .poll(async () => ids(await as(c.b.app, user)({ method: 'GET', url: RESOURCES })), { timeout: 3000 })
        .toContain(shared.id);

      // Demoted on A: B refuses writes well before any cache would expire on its own (10 s).
      expect((await patchUser(as(c.a.app, admin), user.userId, { role: 'viewer' })).statusCode).toBe(200);
      await expect
        .poll(
          async () =>
            (await as(c.b.app, user)({ method: 'POST', url: RESOURCES, payload: { name: 'x' } })).statusCode,
          { timeout: 3000 },
        )
        .toBe(403);
      expect((await patchUser(as(c.a.app, admin), user.userId, { role: 'member' })).statusCode).toBe(200);

      // Key revoked on A: 401 on B.
      expect(
        (await as(c.a.app, user)({ method: 'DELETE', url: `${API}/api-keys/${key.id}` })).statusCode,
      ).toBe(204);
      await expect
        .poll(async () => (await bearer(c.b.app, key.key)({ method: 'GET', url: RESOURCES })).statusCode, {
          timeout: 3000,
        })
        .toBe(401);

      // Disabled on A: the access token dies on B too.
      expect((await patchUser(as(c.a.app, admin), user.userId, { disabled: true })).statusCode).toBe(200);
      await expect
        .poll(async () => (await as(c.b.app, user)({ method: 'GET', url: RESOURCES })).statusCode, {
          timeout: 3000,
        })
        .toBe(401);
    } finally {
      await c.close();
    }
  });
});

/** A TCP hop in front of Redis that the test can cut and restore, like stopping the server. */
async function redisProxy() {
  const target = new URL(REDIS_URL);
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const start = () =>
    new Promise<void>((resolve) => {
      server = net.createServer((client) => {
        const upstream = net.connect(Number(target.port || 6379), target.hostname);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => socket.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  await start();
  return {
    url: () => `redis://127.0.0.1:${port}`,
    async stop() {
      const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    start,
  };
}

describe('Redis unavailable', () => {
  it('an instance whose Redis is unreachable still limits in-process and reports cache degraded', async () => {
    const { t } = await createAppWithAdmin({
      REDIS_URL: 'redis://127.0.0.1:1',
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_PER_MINUTE: '3',
    });
    try {
      await awayFromWindowEdge();
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++)
        statuses.push((await t.app.inject({ method: 'GET', url: RESOURCES })).statusCode);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json().status).toBe('degraded');
      expect(ready.json().checks.cache.status).toBe('degraded');
      expect(ready.json().checks.db.status).toBe('ok');
    } finally {
      await t.close();
      await t.container.broadcast.close();
      t.container.redis?.disconnect();
    }
  });

  it('Redis stopped mid-run: the API keeps answering, with the local limiter, and recovers', async () => {
    const proxy = await redisProxy();
    const c = await cluster({ RATE_LIMIT_PER_MINUTE: '4' }, [proxy.url(), REDIS_URL]);
    try {
      const session = await registerAndLogin(c.b.app);
      expect((await c.a.app.inject({ method: 'GET', url: '/readyz' })).json().checks.cache.status).toBe('ok');
      await proxy.stop();
      await awayFromWindowEdge();
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        statuses.push((await as(c.a.app, session)({ method: 'GET', url: RESOURCES })).statusCode);
      }
      // Never unlimited: the in-process limiter takes over on A.
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
      const ready = await c.a.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.json().checks.cache.status).toBe('degraded');
      // The instance still on Redis is unaffected.
      expect((await as(c.b.app, session)({ method: 'GET', url: RESOURCES })).statusCode).toBe(200);
      await proxy.start();
      // Back on Redis once it answers again (traffic proves it; readiness follows).
      const other = await registerAndLogin(c.b.app);
      await expect
        .poll(
          async () => {
            await as(c.a.app, other)({ method: 'GET', url: RESOURCES });
            return (await c.a.app.inject({ method: 'GET', url: '/readyz' })).json().checks.cache.status;
          },
          { timeout: 10_000, interval: 200 },
        )
        .toBe('ok');
    } finally {
      await c.close();
      await proxy.stop().catch(() => {});
    }
  });
});
