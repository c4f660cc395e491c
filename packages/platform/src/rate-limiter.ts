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
