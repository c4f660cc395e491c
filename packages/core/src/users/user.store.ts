import type { Db, UserRow, UserUpdate } from '@ledgerbase/db';
import { ConfigError } from '@ledgerbase/platform';
import type { KeyRing } from '../crypto/key-ring.ts';
import { rewriteInBatches } from '../shared/batches.ts';
import {
  countUsersNeedingPii,
  findUserByEmailIndex,
  findUserById,
  insertUser,
  lockUsersNeedingPii,
  setUserPii,
  updateUser,
  userPiiKeyIds,
} from './user.repository.ts';
import { normalizeEmail, type UserRecord } from './user.types.ts';

/** The email is taken (by the unique blind index, or under an older key of the ring). */
export class EmailTakenError extends Error {
  constructor() {
    super('This email is already registered');
  }
}

export type ReencryptProgress = { batch: number; rows: number; done: number; total: number };
export type ReencryptResult = { rewritten: number; batches: number; remaining: number; total: number };

const EMAIL_INDEX = 'users.email';
const emailContext = (id: string) => `users.email:${id}`;
const nameContext = (id: string) => `users.name:${id}`;
const isUniqueViolation = (error: unknown) => (error as { code?: string } | null)?.code === '23505';

/**
 * Users with their PII encrypted at rest (seed section 7): the repository keeps the SQL, this wraps
 * it with the key ring so services see decrypted `UserRecord`s and never write plaintext. Every
 * method takes the executor, so it works inside the caller's transaction.
 */
export function createUserStore(ring: KeyRing) {
  const seal = (id: string, email: string, name: string) => ({
    email_index: ring.blindIndex(normalizeEmail(email), EMAIL_INDEX),
    email_encrypted: ring.encrypt(email, emailContext(id)),
    name_encrypted: ring.encrypt(name, nameContext(id)),
  });

  /** Legacy plaintext (before the backfill ran) wins: it is what the row last held. */
  function decrypt(row: UserRow): UserRecord {
    const { email_index, email_encrypted, name_encrypted, email, name, ...rest } = row;
    return {
      ...rest,
      email: email ?? ring.decrypt(email_encrypted ?? '', emailContext(row.id)),
      name: name ?? ring.decrypt(name_encrypted ?? '', nameContext(row.id)),
    };
  }

  const findByEmail = async (db: Db, email: string): Promise<UserRecord | undefined> => {
    const row = await findUserByEmailIndex(db, ring.blindIndexes(normalizeEmail(email), EMAIL_INDEX));
    return row && decrypt(row);
  };

  /** Every ciphertext in the table must name a key of the ring, or those users could not sign in. */
  async function assertReadable(db: Db): Promise<void> {
    const missing = (await userPiiKeyIds(db)).filter((id) => !ring.keyIds.includes(id));
    if (missing.length > 0) {
      throw new ConfigError(
        'ENCRYPTION_KEYS_PREVIOUS',
        `lacks the key(s) ${missing.map((id) => `"${id}"`).join(', ')} that stored user data still uses; add them back and run \`ledgerbase keys rotate\``,
      );
    }
  }

  /** Rewrites rows in batches of `batchSize`, one transaction each (rows locked only for that batch). */
  async function reencrypt(
    db: Db,
    options: { plaintextOnly: boolean; batchSize?: number; onProgress?: (p: ReencryptProgress) => void },
  ): Promise<ReencryptResult> {
    const batchSize = options.batchSize ?? 500;
    const filter = { keyId: ring.activeKeyId, plaintextOnly: options.plaintextOnly };
    const total = await countUsersNeedingPii(db, filter);
    let rewritten = 0;
    let batches = 0;
    let remaining = total;
    // A row skipped by one pass (updated concurrently, or locked by another instance) gets another.
    for (let pass = 0; pass < 3 && remaining > 0; pass++) {
      await rewriteInBatches(db, {
        lock: (tx, after) => lockUsersNeedingPii(tx, { ...filter, after, limit: batchSize }),
        rewrite: async (tx, row) => {
          const user = decrypt(row);
          try {
            await setUserPii(tx, row.id, seal(row.id, user.email, user.name));
          } catch (error) {
            if (!isUniqueViolation(error)) throw error;
            throw new Error(`user ${row.id} has the same email as another user; resolve it, then retry`);
          }
        },
        onBatch: (rows) => {
          rewritten += rows;
          batches += 1;
          options.onProgress?.({ batch: batches, rows, done: rewritten, total });
        },
      });
      remaining = await countUsersNeedingPii(db, filter);
    }
    return { rewritten, batches, remaining, total };
  }

  return {
    ring,
    decrypt,
    findById: async (db: Db, id: string): Promise<UserRecord | undefined> => {
      const row = await findUserById(db, id);
      return row && decrypt(row);
    },
    findByEmail,
    assertReadable,

    /** Never writes plaintext. A duplicate email → `EmailTakenError`, whichever key indexed the other. */
    async insert(db: Db, user: UserRecord): Promise<UserRecord> {
      const { email, name, ...rest } = user;
      if (ring.keyIds.length > 1 && (await findByEmail(db, email))) throw new EmailTakenError();
      try {
        const row = await insertUser(db, { ...rest, ...seal(user.id, email, name), email: null, name: null });
        return decrypt({ ...row, email, name });
      } catch (error) {
        if (isUniqueViolation(error)) throw new EmailTakenError();
        throw error;
      }
    },

    /** Non-PII columns only (role, disabled, timestamps). */
    async update(
      db: Db,
      id: string,
      changes: Omit<UserUpdate, 'email' | 'name' | 'email_index' | 'email_encrypted' | 'name_encrypted'>,
    ): Promise<UserRecord | undefined> {
      const row = await updateUser(db, id, changes);
      return row && decrypt(row);
    },

    /** Start-up: check the ring, then encrypt rows an older version stored in plaintext. */
    async prepare(db: Db): Promise<ReencryptResult> {
      await assertReadable(db);
      return reencrypt(db, { plaintextOnly: true });
    },

    /** `ledgerbase keys rotate`: every row re-encrypted and re-indexed under the active key. */
    rotate: (db: Db, options: { batchSize?: number; onProgress?: (p: ReencryptProgress) => void } = {}) =>
      reencrypt(db, { ...options, plaintextOnly: false }),
  };
}

export type UserStore = ReturnType<typeof createUserStore>;
