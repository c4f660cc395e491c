import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRedisBroadcast } from '../src/broadcast.ts';
import { createLogger } from '../src/logger.ts';
import { createRedis } from '../src/redis.ts';

const logger = createLogger('silent');
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('broadcast on Redis', () => {
  it('delivers to another instance that subscribed before its connection was ready', async () => {
    const prefix = `lbtest:${randomBytes(6).toString('hex')}:`;
    const a = createRedis(redisUrl, logger);
    const b = createRedis(redisUrl, logger);
    // Subscribing at once, as the API container does at start-up, before any connection is ready.
    const sender = createRedisBroadcast(a, prefix, logger);
    const receiver = createRedisBroadcast(b, prefix, logger);
    const received: string[] = [];
    receiver.subscribe('invalidate-user', (message) => received.push(message));
    try {
      await expect
        .poll(
          async () => {
            await sender.publish('invalidate-user', 'u1');
            return received.length > 0;
          },
          { timeout: 5000, interval: 100 },
        )
        .toBe(true);
      expect(new Set(received)).toEqual(new Set(['u1']));
    } finally {
      await sender.close();
      await receiver.close();
      a.disconnect();
      b.disconnect();
    }
  });
});
