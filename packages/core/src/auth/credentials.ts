import type { ApiKeyScope, Db, UserRole } from '@ledgerbase/db';
import type { Clock } from '@ledgerbase/platform';
import { LRUCache } from 'lru-cache';
import type { Actor } from '../access/index.ts';
import { findApiKeyByHash, touchApiKey } from '../api-keys/api-key.repository.ts';
import { API_KEY_PREFIX, hashApiKey } from '../api-keys/api-key.service.ts';
import { AppError } from '../errors/index.ts';
import { userHasGrants } from '../grants/grant.repository.ts';
import { findUserById } from '../users/user.repository.ts';
import type { TokenService } from './token.service.ts';

/** `hasGrants` lets a member's list skip the "granted to me" half when nothing was ever granted. */
type UserState = { role: UserRole; disabled: boolean; hasGrants: boolean; sessionEpoch: number };
type KeyState = {
  id: string;
  userId: string;
  scopes: ApiKeyScope[];
  expiresAt: number | null;
  revoked: boolean;
  lastUsedAt: number;
};

export type CredentialResolverDeps = {
  db: Db;
  clock: Clock;
  tokens: TokenService;
  /** Upper bound on how stale a cached credential may get when an invalidation message is lost. */
  ttlMs?: number;
};

/** How often `last_used_at` is written for a busy key: a write per request would double the load. */
const TOUCH_INTERVAL_MS = 60_000;

const unauthenticated = (message: string) => new AppError('UNAUTHENTICATED', message);

/**
 * Turns a bearer credential into an Actor. The role and the disabled flag come from the database,
 * not from the token, so demoting or disabling a user takes effect at once; lookups are cached
 * briefly and dropped by `invalidate*` (wired to a cross-instance broadcast by the API).
 */
export function createCredentialResolver({ db, clock, tokens, ttlMs = 10_000 }: CredentialResolverDeps) {
  const users = new LRUCache<string, UserState>({ max: 50_000, ttl: ttlMs });
  const keys = new LRUCache<string, KeyState>({ max: 50_000, ttl: ttlMs });
  const keyHashes = new Map<string, string>();

  async function userState(userId: string): Promise<UserState | undefined> {
    const cached = users.get(userId);
    if (cached) return cached;
    const row = await findUserById(db, userId);
    if (!row) return undefined;
    const state = {
      role: row.role,
      disabled: row.disabled_at !== null,
      sessionEpoch: row.session_epoch,
      hasGrants: await userHasGrants(db, userId),
    };
    users.set(userId, state);
    return state;
  }

  async function keyState(key: string): Promise<KeyState | undefined> {
    const hash = hashApiKey(key);
    const cached = keys.get(hash);
    if (cached) return cached;
    const row = await findApiKeyByHash(db, hash);
    if (!row) return undefined;
    const state: KeyState = {
      id: row.id,
      userId: row.user_id,
      scopes: row.scopes,
      expiresAt: row.expires_at?.getTime() ?? null,
      revoked: row.revoked_at !== null,
      lastUsedAt: row.last_used_at?.getTime() ?? 0,
    };
    keys.set(hash, state);
    keyHashes.set(row.id, hash);
    return state;
  }

  async function resolveApiKey(key: string): Promise<Actor> {
    const state = await keyState(key);
    const now = clock.now().getTime();
    if (!state || state.revoked || (state.expiresAt !== null && state.expiresAt <= now)) {
      throw unauthenticated('The API key is invalid, expired or revoked');
    }
    const owner = await userState(state.userId);
    if (!owner || owner.disabled) throw unauthenticated('The API key is invalid, expired or revoked');
    if (now - state.lastUsedAt > TOUCH_INTERVAL_MS) {
      state.lastUsedAt = now;
      // Best effort: a lost "last used" update must never fail the request it describes.
      touchApiKey(db, state.id, new Date(now)).catch(() => {});
    }
    return {
      type: 'api_key',
      userId: state.userId,
      role: owner.role,
      hasGrants: owner.hasGrants,
      keyId: state.id,
      scopes: state.scopes,
    };
  }

  return {
    async resolve(credential: string): Promise<Actor> {
      if (credential.startsWith(API_KEY_PREFIX)) return resolveApiKey(credential);
      const claims = await tokens.verify(credential);
      const state = await userState(claims.userId);
      if (!state || state.disabled) throw unauthenticated('The user is disabled or no longer exists');
      // Issued before the user was last disabled: dead for good, even after a re-enable.
      if (claims.sessionEpoch !== state.sessionEpoch) throw unauthenticated('The access token was revoked');
      return { type: 'user', userId: claims.userId, role: state.role, hasGrants: state.hasGrants };
    },
    invalidateUser(userId: string): void {
      users.delete(userId);
      // Disabling revokes the user's keys in the database; a cached "not revoked" key state would
      // otherwise come back to life when the user is re-enabled within the TTL.
      for (const [hash, state] of keys.entries()) {
        if (state.userId !== userId) continue;
        keys.delete(hash);
        keyHashes.delete(state.id);
      }
    },
    invalidateKey(keyId: string): void {
      const hash = keyHashes.get(keyId);
      if (hash) keys.delete(hash);
      keyHashes.delete(keyId);
    },
  };
}

export type CredentialResolver = ReturnType<typeof createCredentialResolver>;
