import type { Clock } from './clock.ts';

export type RateLimitDecision = Readonly<{
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets (IETF RateLimit `t`). */
  resetSeconds: number;
}>;

export interface RateLimiter {
  readonly kind: 'memory' | 'redis';
  consume(key: string, limit: number, windowSeconds: number): Promise<RateLimitDecision>;
}

type Window = { start: number; count: number };

/**
 * Fixed-window counter kept in this process. Used when Redis is absent (embedded mode) and as the
 * fallback when Redis is unreachable, so a limit is never silently lifted (CONTRACT "Rate limits").
 */
export function createMemoryRateLimiter(clock: Clock, maxKeys = 100_000): RateLimiter {
  const windows = new Map<string, Window>();

  function sweep(now: number): void {
    for (const [key, window] of windows) {
      if (window.start + 3_600_000 < now) windows.delete(key);
    }
  }

  return {
    kind: 'memory',
    async consume(key, limit, windowSeconds) {
      const now = clock.now().getTime();
      const windowMs = windowSeconds * 1000;
      const start = Math.floor(now / windowMs) * windowMs;
      let window = windows.get(key);
      if (!window || window.start !== start) {
        if (windows.size >= maxKeys) sweep(now);
        window = { start, count: 0 };
        windows.set(key, window);
      }
      window.count += 1;
      const resetSeconds = Math.max(1, Math.ceil((start + windowMs - now) / 1000));
      return {
        allowed: window.count <= limit,
        limit,
        remaining: Math.max(0, limit - window.count),
        resetSeconds,
      };
    },
  };
}

// INCR and set the expiry on the first hit, atomically: every instance shares one counter per window.
const FIXED_WINDOW_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('PTTL', KEYS[1])}`;

type RedisLike = {
  status: string;
  eval(script: string, keys: number, ...args: Array<string | number>): Promise<unknown>;
};

/**
 * Shared limiter on Redis (CONTRACT "Rate limits": a limit holds across instances). When Redis is
 * unreachable it answers from the in-process limiter, so a limit is weakened to per-instance but
 * never lifted; `isDegraded` feeds /readyz.
 */
export function createRedisRateLimiter(
  redis: RedisLike,
  fallback: RateLimiter,
  options: { prefix: string; onFallback?: (error: unknown) => void },
): RateLimiter & { isDegraded(): boolean } {
  // Degraded while Redis is not connected, or shortly after a failed call: an idle instance must
  // report recovery without waiting for the next limited request.
  let degraded = false;
  let failedAt = 0;
  return {
    kind: 'redis',
    isDegraded: () => redis.status !== 'ready' || (degraded && Date.now() - failedAt < 10_000),
    async consume(key, limit, windowSeconds) {
      if (redis.status !== 'ready') {
        degraded = true;
        return fallback.consume(key, limit, windowSeconds);
      }
      try {
        const windowMs = windowSeconds * 1000;
        const [count, ttl] = (await redis.eval(
          FIXED_WINDOW_SCRIPT,
          1,
          `${options.prefix}rl:${key}`,
          windowMs,
        )) as [number, number];
        degraded = false;
        const resetSeconds = Math.max(1, Math.ceil((ttl > 0 ? ttl : windowMs) / 1000));
        return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), resetSeconds };
      } catch (error) {
        if (!degraded) options.onFallback?.(error);
        degraded = true;
        failedAt = Date.now();
        return fallback.consume(key, limit, windowSeconds);
      }
    },
  };
}
