import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.ts';
import { createMemoryRateLimiter, createRedisRateLimiter } from '../src/rate-limiter.ts';
import { createRedis, waitForRedis } from '../src/redis.ts';

const logger = createLogger('silent');
const clock = { now: () => new Date() };
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('rate limiter on Redis', () => {
  const prefix = `lbtest:${randomBytes(6).toString('hex')}:`;
  const a = createRedis(redisUrl, logger);
  const b = createRedis(redisUrl, logger);

  afterAll(async () => {
    const keys = await a.keys(`${prefix}*`);
    if (keys.length > 0) await a.del(...keys);
    a.disconnect();
    b.disconnect();
  });

  it('shares one limit across instances: N in total, not N per instance', async () => {
    expect(await waitForRedis(a)).toBe(true);
    expect(await waitForRedis(b)).toBe(true);
    const limiterA = createRedisRateLimiter(a, createMemoryRateLimiter(clock), { prefix });
    const limiterB = createRedisRateLimiter(b, createMemoryRateLimiter(clock), { prefix });
    const decisions = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? limiterA : limiterB).consume('user:1', 10, 60)),
    );
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    expect(decisions.every((d) => d.resetSeconds >= 1 && d.resetSeconds <= 60)).toBe(true);
    expect(limiterA.isDegraded()).toBe(false);
  });

  it('falls back to the in-process limiter when Redis is unreachable, never to no limit', async () => {
    const dead = createRedis('redis://127.0.0.1:1', logger);
    let fellBack = false;
    const limiter = createRedisRateLimiter(dead, createMemoryRateLimiter(clock), {
      prefix,
      onFallback: () => {
        fellBack = true;
      },
    });
    const decisions = [];
    for (let i = 0; i < 5; i++) decisions.push(await limiter.consume('user:2', 3, 60));
    dead.disconnect();
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false, false]);
    expect(limiter.isDegraded()).toBe(true);
    expect(fellBack || dead.status !== 'ready').toBe(true);
  });
});
