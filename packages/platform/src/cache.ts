import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { Logger } from './logger.ts';

/**
 * A cache of versioned values (single resources). A writer `reserve`s the version it is about to
 * write before its statement and `put`s the row after commit, before acknowledging; readers fill
 * misses with `put`. Nothing below the reserved version is ever served or stored, and `put` never
 * replaces a newer version, so:
 * - a reader that loaded version 3 just before a writer committed 4 cannot put 3 back;
 * - a writer that dies between commit and `put` leaves a reservation, not a stale entry;
 * - no instance serves a version older than one acknowledged anywhere (issue #5).
 * Failures never reach the caller: a miss sends it to the database.
 */
export interface VersionedCache {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | undefined>;
  /** Before writing `version`: from now on nothing older is served or stored. */
  reserve(key: string, version: number): Promise<void>;
  put(key: string, version: number, value: string): Promise<void>;
  isDegraded(): boolean;
}

type Entry = { version: number; value: string };

/**
 * In-process LRU: only correct for one process, which is what embedded mode is; a crash takes the
 * cache with it, so reservations are not needed.
 */
export function createMemoryCache(options: { max?: number; ttlMs?: number } = {}): VersionedCache {
  const entries = new LRUCache<string, Entry>({ max: options.max ?? 10_000, ttl: options.ttlMs ?? 300_000 });
  return {
    kind: 'memory',
    async get(key) {
      return entries.get(key)?.value;
    },
    async reserve() {},
    async put(key, version, value) {
      const current = entries.get(key);
      if (current && current.version >= version) return;
      entries.set(key, { version, value });
    },
    isDegraded: () => false,
  };
}

// Keys live under a generation (`<prefix>gen`): the entry `<prefix><gen>:<key>` holds
// "<version>|<value>", its floor `<prefix><gen>:<key>:floor` the highest version reserved. Every
// script reads the generation and its keys in one round trip. ARGV[1] prefix, ARGV[2] key.
const KEYS_OF = `
local base = ARGV[1] .. (redis.call('GET', KEYS[1]) or '0') .. ':' .. ARGV[2]
local floor = tonumber(redis.call('GET', base .. ':floor') or '0')`;

// An entry below its floor was overtaken by a write (possibly one whose writer died): drop it.
const GET_SCRIPT = `${KEYS_OF}
local current = redis.call('GET', base)
if not current then return nil end
if tonumber(string.match(current, '^(%d+)|')) < floor then
  redis.call('DEL', base)
  return nil
end
return current`;

// ARGV[3] version, ARGV[4] ttl (ms). The entry goes too: once the floor expires, nothing older than
// the reserved version may be left behind (its writer may have died after commit).
const RESERVE_SCRIPT = `${KEYS_OF}
if tonumber(ARGV[3]) > floor then redis.call('SET', base .. ':floor', ARGV[3], 'PX', ARGV[4]) end
local current = redis.call('GET', base)
if current and tonumber(string.match(current, '^(%d+)|')) < tonumber(ARGV[3]) then redis.call('DEL', base) end
return 1`;

// ARGV[3] version, ARGV[4] value, ARGV[5] ttl (ms).
const PUT_SCRIPT = `${KEYS_OF}
local version = tonumber(ARGV[3])
if version < floor then return 0 end
local current = redis.call('GET', base)
if current and tonumber(string.match(current, '^(%d+)|')) >= version then return 0 end
redis.call('SET', base, ARGV[3] .. '|' .. ARGV[4], 'PX', ARGV[5])
return 1`;

type CacheCommands = {
  lbCacheGet(genKey: string, prefix: string, key: string): Promise<string | null>;
  lbCacheReserve(genKey: string, prefix: string, key: string, version: number, ttl: number): Promise<number>;
  lbCachePut(
    genKey: string,
    prefix: string,
    key: string,
    version: number,
    value: string,
    ttl: number,
  ): Promise<number>;
};

/**
 * The shared cache on Redis. Besides crashes (reservations, above), the hard case is a write that
 * cannot reach Redis at all: the database has version 4, Redis may still hold 3 once it is back. So
 * an instance that lost Redis (a failed command, a dropped connection) serves nothing from it again
 * until it has moved every instance to a fresh generation (INCR), which orphans all older entries;
 * TTLs remove them. Only an instance cut off from Redis while others still reach it can leave them a
 * stale entry, for at most `ttlMs` (ADR 0010).
 */
export function createRedisCache(
  redis: Redis,
  options: { prefix: string; logger: Logger; ttlMs?: number; reserveTtlMs?: number },
): VersionedCache {
  const { prefix, logger, ttlMs = 300_000, reserveTtlMs = 60_000 } = options;
  const genKey = `${prefix}gen`;
  if (!('lbCacheGet' in redis)) {
    redis.defineCommand('lbCacheGet', { numberOfKeys: 1, lua: GET_SCRIPT });
    redis.defineCommand('lbCacheReserve', { numberOfKeys: 1, lua: RESERVE_SCRIPT });
    redis.defineCommand('lbCachePut', { numberOfKeys: 1, lua: PUT_SCRIPT });
  }
  const commands = redis as unknown as CacheCommands;
  let dirty = false;
  let everReady = redis.status === 'ready';
  let bumping: Promise<void> | undefined;

  const lost = (error?: unknown) => {
    if (!dirty)
      logger.warn({ err: error ? String(error) : undefined }, 'cache unavailable; reading from the database');
    dirty = true;
  };
  redis.on('ready', () => {
    everReady = true;
  });
  redis.on('close', () => {
    if (everReady) lost();
  });

  /**
   * True when the cache may be used now: reachable, and any loss since made good by a new generation.
   * A write that cannot reach Redis is itself a loss (`forWrite`), even before the first connection.
   */
  async function usable(forWrite = false): Promise<boolean> {
    if (redis.status !== 'ready') {
      if (forWrite || everReady) lost();
      return false;
    }
    if (!dirty) return true;
    bumping ??= redis
      .incr(genKey)
      .then(() => {
        dirty = false;
        logger.info('cache back; started a new generation');
      })
      .catch(lost)
      .finally(() => {
        bumping = undefined;
      });
    await bumping;
    return !dirty;
  }

  return {
    kind: 'redis',
    async get(key) {
      if (!(await usable())) return undefined;
      try {
        const raw = await commands.lbCacheGet(genKey, prefix, key);
        return raw === null ? undefined : raw.slice(raw.indexOf('|') + 1);
      } catch (error) {
        lost(error);
        return undefined;
      }
    },
    async reserve(key, version) {
      if (!(await usable(true))) return;
      try {
        await commands.lbCacheReserve(genKey, prefix, key, version, reserveTtlMs);
      } catch (error) {
        lost(error);
      }
    },
    async put(key, version, value) {
      if (!(await usable(true))) return;
      try {
        await commands.lbCachePut(genKey, prefix, key, version, value, ttlMs);
      } catch (error) {
        lost(error);
      }
    },
    isDegraded: () => dirty || redis.status !== 'ready',
  };
}
