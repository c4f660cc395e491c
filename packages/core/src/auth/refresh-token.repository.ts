import type { Db, RefreshTokenRow } from '@ledgerbase/db';

export async function insertRefreshToken(
  db: Db,
  row: Omit<RefreshTokenRow, 'used_at' | 'revoked_at'>,
): Promise<void> {
  await db.insertInto('refresh_tokens').values(row).execute();
}

export const findRefreshTokenForUpdate = (db: Db, tokenHash: string): Promise<RefreshTokenRow | undefined> =>
  db
    .selectFrom('refresh_tokens')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .forUpdate()
    .executeTakeFirst();

export async function markRefreshTokenUsed(db: Db, id: string, at: Date): Promise<void> {
  await db.updateTable('refresh_tokens').set({ used_at: at }).where('id', '=', id).execute();
}

export async function revokeRefreshFamily(db: Db, familyId: string, at: Date): Promise<void> {
  await db
    .updateTable('refresh_tokens')
    .set({ revoked_at: at })
    .where('family_id', '=', familyId)
    .where('revoked_at', 'is', null)
    .execute();
}

export async function revokeUserRefreshTokens(db: Db, userId: string, at: Date): Promise<void> {
  await db
    .updateTable('refresh_tokens')
    .set({ revoked_at: at })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
}
