import type { ApiKeyRow, ApiKeyScope, Db } from '@ledgerbase/db';
import type { Clock } from '@ledgerbase/platform';
import { uuidv7 } from 'uuidv7';
import { type Actor, assertCanGrantScopes } from '../access/index.ts';
import { AppError } from '../errors/index.ts';
import { normalizeName } from '../resources/resource.validation.ts';
import { randomToken, sha256Hex } from '../shared/crypto.ts';
import { insertApiKey, listUserApiKeys, revokeApiKey } from './api-key.repository.ts';

/** Recognisable in logs, configs and secret scanners; the rest is 32 random bytes. */
export const API_KEY_PREFIX = 'lbk_';
export const API_KEY_SCOPES: readonly ApiKeyScope[] = [
  'resources:read',
  'resources:write',
  'audit:read',
  'admin',
];

export type ApiKey = {
  id: string;
  name: string;
  scopes: ApiKeyScope[];
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
};

export const hashApiKey = (key: string): string => sha256Hex(key);

const toApiKey = (row: ApiKeyRow): ApiKey => ({
  id: row.id,
  name: row.name,
  scopes: row.scopes,
  prefix: row.prefix,
  createdAt: row.created_at.toISOString(),
  expiresAt: row.expires_at?.toISOString() ?? null,
  lastUsedAt: row.last_used_at?.toISOString() ?? null,
});

export function createApiKeyService({
  db,
  clock,
  onRevoke,
}: {
  db: Db;
  clock: Clock;
  onRevoke(keyId: string): void;
}) {
  return {
    async create(
      actor: Actor,
      input: { name: unknown; scopes: ApiKeyScope[]; expiresAt?: string | null | undefined },
    ): Promise<ApiKey & { key: string }> {
      const scopes = [...new Set(input.scopes)];
      if (scopes.length === 0)
        throw AppError.validation([{ path: 'scopes', message: 'must name at least one scope' }]);
      assertCanGrantScopes(actor, scopes);
      const now = clock.now();
      let expiresAt: Date | null = null;
      if (input.expiresAt !== undefined && input.expiresAt !== null) {
        expiresAt = new Date(input.expiresAt);
        if (Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() <= now.getTime()) {
          throw AppError.validation([{ path: 'expiresAt', message: 'must be a time in the future' }]);
        }
      }
      const key = `${API_KEY_PREFIX}${randomToken(32)}`;
      const row = await insertApiKey(db, {
        id: uuidv7(),
        user_id: actor.userId,
        name: normalizeName(input.name),
        prefix: key.slice(0, API_KEY_PREFIX.length + 6),
        key_hash: hashApiKey(key),
        scopes,
        expires_at: expiresAt,
        created_at: now,
      });
      return { ...toApiKey(row), key };
    },

    async list(actor: Actor): Promise<{ data: ApiKey[] }> {
      if (actor.type === 'api_key') throw new AppError('FORBIDDEN', 'API keys cannot manage API keys');
      return { data: (await listUserApiKeys(db, actor.userId)).map(toApiKey) };
    },

    async revoke(actor: Actor, id: string): Promise<void> {
      if (actor.type === 'api_key') throw new AppError('FORBIDDEN', 'API keys cannot manage API keys');
      if (!(await revokeApiKey(db, id, actor.userId, clock.now()))) throw AppError.notFound('API key');
      onRevoke(id);
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
