import { Redis } from 'ioredis';
import type { Logger } from './logger.ts';

/**
 * One Redis connection per process, failing fast: with the offline queue off and no per-command
 * retries, a Redis outage turns into immediate errors that callers answer with their fallback
 * (local limiter, database reads) instead of requests hanging.
 */
export function createRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 500,
    connectTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    lazyConnect: false,
  });
  let wasReady = false;
  redis.on('ready', () => {
    if (!wasReady) logger.info('redis connected');
    wasReady = true;
  });
  redis.on('error', (err) => {
    if (wasReady) logger.warn({ err: err.message }, 'redis unavailable; using in-process fallbacks');
    wasReady = false;
  });
  return redis;
}

export const isRedisReady = (redis: Redis): boolean => redis.status === 'ready';

/** Waits briefly for the first connection so start-up reports the real state; never throws. */
export async function waitForRedis(redis: Redis, timeoutMs = 2000): Promise<boolean> {
  if (isRedisReady(redis)) return true;
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    redis.once('ready', onReady);
  });
}
