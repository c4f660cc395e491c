import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { startTcpProxy } from '../../../test/tcp-proxy.ts';
import { createRedisCache } from '../src/cache.ts';
import { createLogger } from '../src/logger.ts';
import { createRedis, waitForRedis } from '../src/redis.ts';

const logger = createLogger('silent');

describe('versioned cache on Redis', () => {
  const prefix = `lbtest:${randomBytes(6).toString('hex')}:`;
  const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', logger);

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('keeps the highest version whatever order the puts arrive in, shared by every client', async () => {
    expect(await waitForRedis(redis)).toBe(true);
    const a = createRedisCache(redis, { prefix, logger });
    const other = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', logger);
    await waitForRedis(other);
    const b = createRedisCache(other, { prefix, logger });
    await a.put('r1', 2, '{"v":2}');
    await b.put('r1', 1, '{"v":1}'); // a reader that loaded version 1 before the write
    expect(await b.get('r1')).toBe('{"v":2}');
    await b.put('r1', 3, '{"v":3}');
    expect(await a.get('r1')).toBe('{"v":3}');
    expect(await a.get('r2')).toBeUndefined();
    expect(await redis.pttl(`${prefix}0:r1`)).toBeGreaterThan(0);
    other.disconnect();
  });

  it('serves nothing older than a reserved version, even when the writer died after its commit', async () => {
    const cache = createRedisCache(redis, { prefix, logger, reserveTtlMs: 300 });
    await cache.put('w', 1, 'v1');
    // The writer reserves version 2, commits it, and is killed before it can store it.
    await cache.reserve('w', 2);
    expect(await cache.get('w')).toBeUndefined();
    // A reader that read version 1 from the database before that commit cannot put it back.
    await cache.put('w', 1, 'v1');
    expect(await cache.get('w')).toBeUndefined();
    await cache.put('w', 2, 'v2');
    expect(await cache.get('w')).toBe('v2');
    // A reservation whose write failed only costs cache hits until it expires.
    await cache.reserve('w', 3);
    await cache.put('w', 2, 'v2');
    expect(await cache.get('w')).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 400));
    await cache.put('w', 2, 'v2');
    expect(await cache.get('w')).toBe('v2');
  });

  it('misses (never throws) while Redis is unreachable', async () => {
    const dead = createRedis('redis://127.0.0.1:1', logger);
    const cache = createRedisCache(dead, { prefix, logger });
    expect(await cache.get('r1')).toBeUndefined();
    await cache.put('r1', 1, 'x');
    expect(cache.isDegraded()).toBe(true);
    dead.disconnect();
  });
});

describe('versioned cache on Redis across an outage', () => {
  const prefix = `lbtest:${randomBytes(6).toString('hex')}:`;
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

  it('lets no instance read an entry from before the outage once the instance that lost Redis is back', async () => {
    const direct = createRedis(url, logger);
    const proxy = await startTcpProxy(Number(new URL(url).port || 6379), new URL(url).hostname);
    const proxied = createRedis(`redis://127.0.0.1:${proxy.port}`, logger);
    try {
      expect(await waitForRedis(direct)).toBe(true);
      expect(await waitForRedis(proxied)).toBe(true);
      const a = createRedisCache(direct, { prefix, logger });
      const b = createRedisCache(proxied, { prefix, logger });
      await b.put('r', 1, 'v1');
      expect(await a.get('r')).toBe('v1');

      await proxy.stop();
      await new Promise((resolve) => setTimeout(resolve, 50));
      // B commits version 2 in the database but cannot tell Redis; reads fall back to the database.
      await b.put('r', 2, 'v2');
      expect(await b.get('r')).toBeUndefined();
      expect(b.isDegraded()).toBe(true);

      await proxy.start();
      expect(await waitForRedis(proxied, 5000)).toBe(true);
      // B's first use opens a new generation: version 1 is gone for everyone.
      expect(await b.get('r')).toBeUndefined();
      expect(await a.get('r')).toBeUndefined();
      expect(b.isDegraded()).toBe(false);
      await a.put('r', 2, 'v2');
      expect(await b.get('r')).toBe('v2');
    } finally {
      const keys = await direct.keys(`${prefix}*`);
      if (keys.length > 0) await direct.del(...keys);
      direct.disconnect();
      proxied.disconnect();
      await proxy.stop();
    }
  });
});
