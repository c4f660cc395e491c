import { type Db, sql, type UserRole, type UserRow } from '@ledgerbase/db';
import type { Clock } from '@ledgerbase/platform';
import { type Actor, assertAdmin } from '../access/index.ts';
import { revokeUserApiKeys } from '../api-keys/api-key.repository.ts';
import { revokeUserRefreshTokens } from '../auth/refresh-token.repository.ts';
import { AppError } from '../errors/index.ts';
import type { CursorCodec } from '../resources/cursor.ts';
import { bumpSessionEpoch, findUserById, updateUser } from './user.repository.ts';
import type { UserStore } from './user.store.ts';
import { toUser, type User } from './user.types.ts';

export type AdminUser = User & { disabled: boolean };

export type UserAdminDeps = {
  db: Db;
  clock: Clock;
  cursors: CursorCodec;
  /** Decrypts email and name (encrypted at rest). */
  users: UserStore;
  /** Drops cached credentials of a user everywhere (every API instance). */
  invalidateUser(userId: string): Promise<void>;
};

/** Admin user management (CONTRACT "Authentication"): list, change role, disable. */
export function createUserAdminService({ db, clock, cursors, users, invalidateUser }: UserAdminDeps) {
  const toAdminUser = (row: UserRow): AdminUser => ({
    ...toUser(users.decrypt(row)),
    disabled: row.disabled_at !== null,
  });
  return {
    async list(actor: Actor, page: { limit: number; cursor?: string | undefined }) {
      assertAdmin(actor);
      const scope = `users:${actor.userId}`;
      const after = page.cursor === undefined ? undefined : cursors.decode(page.cursor, scope);
      let query = db.selectFrom('users').selectAll();
      if (after)
        query = query.where(sql<boolean>`(created_at, id) > (${after.key}::timestamptz, ${after.id}::uuid)`);
      const rows = await query
        .orderBy('created_at')
        .orderBy('id')
        .limit(page.limit + 1)
        .execute();
      const data = rows.slice(0, page.limit);
      const last = data.at(-1);
      const nextCursor =
        rows.length > page.limit && last
          ? cursors.encode({ key: last.created_at.toISOString(), id: last.id }, scope)
          : null;
      return { data: data.map(toAdminUser), nextCursor };
    },

    /**
     * Disabling revokes the user's refresh tokens and API keys in the same transaction and drops
     * their cached credentials, so access tokens stop working at once too.
     */
    async update(
      actor: Actor,
      userId: string,
      changes: { role?: UserRole; disabled?: boolean },
    ): Promise<AdminUser> {
      assertAdmin(actor);
      if (
        userId === actor.userId &&
        (changes.disabled === true || (changes.role && changes.role !== 'admin'))
      ) {
        throw new AppError('CONFLICT', 'Administrators cannot demote or disable themselves');
      }
      const now = clock.now();
      const updated = await db.transaction().execute(async (trx) => {
        const tx = trx as unknown as Db;
        const existing = await findUserById(tx, userId);
        if (!existing) return undefined;
        const row = await updateUser(tx, userId, {
          ...(changes.role ? { role: changes.role } : {}),
          ...(changes.disabled === undefined
            ? {}
            : { disabled_at: changes.disabled ? (existing.disabled_at ?? now) : null }),
          updated_at: now,
        });
        if (changes.disabled && existing.disabled_at === null) {
          await bumpSessionEpoch(tx, userId);
        }
        if (changes.disabled) {
          await revokeUserRefreshTokens(tx, userId, now);
          await revokeUserApiKeys(tx, userId, now);
        }
        return row;
      });
      if (!updated) throw AppError.notFound('User');
      await invalidateUser(userId);
      return toAdminUser(updated);
    },
  };
}

export type UserAdminService = ReturnType<typeof createUserAdminService>;
