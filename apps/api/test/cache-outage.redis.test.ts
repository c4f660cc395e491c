import { randomBytes } from 'node:crypto';
import { createLogger, createRedis } from '@ledgerbase/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../../../test/tcp-proxy.ts';
import { eventually, httpJson, type LiveApp, startLiveApp } from './events-helpers.ts';
import { registerAndLogin, type Session } from './helpers.ts';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('Redis outage', () => {
  const prefix = `lbtest:${process.pid}_${randomBytes(4).toString('hex')}:`;
  let proxy: TcpProxy;
  let live: LiveApp;
  let user: Session;

  beforeAll(async () => {
    const target = new URL(redisUrl);
    proxy = await startTcpProxy(Number(target.port || 6379), target.hostname);
    live = await startLiveApp({
      env: { REDIS_URL: `redis://127.0.0.1:${proxy.port}`, REDIS_KEY_PREFIX: prefix },
      worker: false,
    });
    user = await registerAndLogin(live.app);
  });

  afterAll(async () => {
    await live?.close();
    await proxy?.stop();
    const redis = createRedis(redisUrl, createLogger('silent'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('reads and writes go to PostgreSQL while Redis is down, and no read is stale afterwards', async () => {
    const created = await httpJson(live.baseUrl, 'POST', '/api/v1/resources', user.token, { name: 'cached' });
    const url = `/api/v1/resources/${created.body.id}`;
    expect((await httpJson(live.baseUrl, 'GET', url, user.token)).body.version).toBe(1);
    // Cached now; Redis goes away.
    await proxy.stop();
    await eventually(
      async () => (await httpJson(live.baseUrl, 'GET', '/readyz')).body.checks.cache.status === 'degraded',
    );
    expect((await httpJson(live.baseUrl, 'PUT', url, user.token, { name: 'during' })).status).toBe(200);
    const during = await httpJson(live.baseUrl, 'GET', url, user.token);
    expect(during.body).toMatchObject({ version: 2, name: 'during' });

    // Back: the entry cached before the outage (version 1) must not come back.
    await proxy.start();
    await eventually(
      async () => (await httpJson(live.baseUrl, 'GET', '/readyz')).body.checks.cache.status === 'ok',
      15_000,
    );
    const after = await httpJson(live.baseUrl, 'GET', url, user.token);
    expect(after.body).toMatchObject({ version: 2, name: 'during' });
    expect(after.headers.get('etag')).toBe('"2"');
  });
});
