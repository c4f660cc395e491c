import { type Db, type NewUserRow, sql, type UserRow, type UserUpdate } from '@ledgerbase/db';

export const findUserById = (db: Db, id: string): Promise<UserRow | undefined> =>
  db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();

/** By blind index: one candidate per key in the ring, so rows not yet rotated are found too. */
export const findUserByEmailIndex = (db: Db, indexes: readonly string[]): Promise<UserRow | undefined> =>
  db.selectFrom('users').selectAll().where('email_index', 'in', indexes).limit(1).executeTakeFirst();

export const insertUser = (db: Db, row: NewUserRow): Promise<UserRow> =>
  db.insertInto('users').values(row).returningAll().executeTakeFirstOrThrow();

export const updateUser = (db: Db, id: string, changes: UserUpdate): Promise<UserRow | undefined> =>
  db.updateTable('users').set(changes).where('id', '=', id).returningAll().executeTakeFirst();

/** Invalidates every access token issued so far (they carry the old epoch). */
export const bumpSessionEpoch = (db: Db, id: string): Promise<unknown> =>
  db
    .updateTable('users')
    .set((eb) => ({ session_epoch: eb('session_epoch', '+', 1) }))
    .where('id', '=', id)
    .execute();

export type UserPiiColumns = { email_index: string; email_encrypted: string; name_encrypted: string };

/** Writes the encrypted columns and clears any legacy plaintext. */
export const setUserPii = (db: Db, id: string, pii: UserPiiColumns): Promise<unknown> =>
  db
    .updateTable('users')
    .set({ ...pii, email: null, name: null })
    .where('id', '=', id)
    .execute();

const needsPii = (keyId: string, plaintextOnly: boolean) =>
  plaintextOnly
    ? sql<boolean>`(email IS NOT NULL OR name IS NOT NULL)`
    : sql<boolean>`(email IS NOT NULL OR name IS NOT NULL OR email_index IS NULL
        OR email_encrypted IS NULL OR name_encrypted IS NULL
        OR split_part(email_encrypted, '.', 2) <> ${keyId} OR split_part(name_encrypted, '.', 2) <> ${keyId})`;

/**
 * The next batch of rows holding plaintext (`plaintextOnly`) or anything not under `keyId`, in id
 * order after `after`, locked until the caller's transaction ends (a concurrent run skips them after).
 */
export function lockUsersNeedingPii(
  db: Db,
  options: { keyId: string; plaintextOnly: boolean; after: string | undefined; limit: number },
): Promise<UserRow[]> {
  let query = db.selectFrom('users').selectAll().where(needsPii(options.keyId, options.plaintextOnly));
  if (options.after !== undefined) query = query.where('id', '>', options.after);
  return query.orderBy('id').limit(options.limit).forUpdate().execute();
}

export async function countUsersNeedingPii(
  db: Db,
  options: { keyId: string; plaintextOnly: boolean },
): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where(needsPii(options.keyId, options.plaintextOnly))
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/** Every key id that stored ciphertexts name: the ring must hold each of them. */
export async function userPiiKeyIds(db: Db): Promise<string[]> {
  const { rows } = await sql<{ key_id: string }>`
    SELECT split_part(email_encrypted, '.', 2) AS key_id FROM users WHERE email_encrypted IS NOT NULL
    UNION
    SELECT split_part(name_encrypted, '.', 2) FROM users WHERE name_encrypted IS NOT NULL`.execute(db);
  return rows.map((row) => row.key_id);
}
