import type { Db, UserRole } from '@ledgerbase/db';
import type { Clock } from '@ledgerbase/platform';
import { uuidv7 } from 'uuidv7';
import { AppError } from '../errors/index.ts';
import { normalizeName } from '../resources/resource.validation.ts';
import { randomToken, sha256Hex } from '../shared/crypto.ts';
import { EmailTakenError, type UserStore } from '../users/user.store.ts';
import { normalizeEmail, toUser, type User, type UserRecord } from '../users/user.types.ts';
import { hashPassword, verifyPassword } from './password.ts';
import {
  findRefreshTokenForUpdate,
  insertRefreshToken,
  markRefreshTokenUsed,
  revokeRefreshFamily,
} from './refresh-token.repository.ts';
import type { TokenService } from './token.service.ts';

export type AuthServiceDeps = {
  db: Db;
  clock: Clock;
  tokens: TokenService;
  /** Users with PII encrypted at rest; lookups by email go through its blind index. */
  users: UserStore;
  registration: 'open' | 'closed';
  passwordMinLength: number;
  refreshTokenTtlSeconds: number;
};

export type TokenPair = {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  user: User;
};

const PASSWORD_MAX_LENGTH = 256;
// Deliberately simple: one @, something on each side, a dot in the domain. Real proof is a mailbox.
// No control characters or unpaired surrogates: PostgreSQL could not even look such an address up.
const EMAIL_PATTERN = /^[^\s@\p{Cc}\p{Cs}]+@[^\s@\p{Cc}\p{Cs}]+\.[^\s@\p{Cc}\p{Cs}]+$/u;
const REFRESH_PREFIX = 'lbr_';

const invalidCredentials = () => new AppError('UNAUTHENTICATED', 'Invalid email or password');
const invalidRefresh = () => new AppError('UNAUTHENTICATED', 'The refresh token is invalid or expired');

export function createAuthService(deps: AuthServiceDeps) {
  const { db, clock, tokens, users } = deps;
  // Verifying against a real hash when the email is unknown keeps both failures equally slow.
  const dummyHash = hashPassword(randomToken());

  function validateEmail(raw: string): string {
    const email = normalizeEmail(raw);
    if (email.length > 254 || !EMAIL_PATTERN.test(email)) {
      throw AppError.validation([{ path: 'email', message: 'must be a valid email address' }]);
    }
    return email;
  }

  function validatePassword(password: string): void {
    // Characters are code points, as for names: an emoji is one character, not two UTF-16 units.
    const length = [...password].length;
    if (length < deps.passwordMinLength || length > PASSWORD_MAX_LENGTH) {
      throw AppError.validation([
        {
          path: 'password',
          message: `must be ${deps.passwordMinLength} to ${PASSWORD_MAX_LENGTH} characters`,
        },
      ]);
    }
  }

  async function issuePair(executor: Db, user: UserRecord, familyId: string): Promise<TokenPair> {
    const now = clock.now();
    const refreshToken = `${REFRESH_PREFIX}${randomToken(32)}`;
    await insertRefreshToken(executor, {
      id: uuidv7(),
      family_id: familyId,
      user_id: user.id,
      token_hash: sha256Hex(refreshToken),
      expires_at: new Date(now.getTime() + deps.refreshTokenTtlSeconds * 1000),
      created_at: now,
    });
    return {
      accessToken: await tokens.issue(user.id, user.role, user.session_epoch ?? 0),
      tokenType: 'Bearer',
      expiresIn: tokens.ttlSeconds,
      refreshToken,
      user: toUser(user),
    };
  }

  async function createUser(input: { email: string; password: string; name: string }, role: UserRole) {
    const email = validateEmail(input.email);
    validatePassword(input.password);
    const name = normalizeName(input.name);
    const now = clock.now();
    try {
      return await users.insert(db, {
        id: uuidv7(),
        email,
        name,
        password_hash: await hashPassword(input.password),
        role,
        disabled_at: null,
        created_at: now,
        updated_at: now,
      });
    } catch (error) {
      // The message never repeats the address (CONTRACT: 409; plain PII stays out of errors and logs).
      if (error instanceof EmailTakenError)
        throw new AppError('CONFLICT', 'This email is already registered');
      throw error;
    }
  }

  return {
    async register(input: { email: string; password: string; name: string }): Promise<User> {
      if (deps.registration === 'closed') throw new AppError('FORBIDDEN', 'Registration is closed');
      return toUser(await createUser(input, 'member'));
    },

    async login(input: { email: string; password: string }): Promise<TokenPair> {
      const email = normalizeEmail(input.email);
      // An address that could never have been registered is simply unknown (same answer, same cost).
      const user = EMAIL_PATTERN.test(email) ? await users.findByEmail(db, email) : undefined;
      const passwordOk = await verifyPassword(user?.password_hash ?? (await dummyHash), input.password);
      if (!user || !passwordOk || user.disabled_at !== null) throw invalidCredentials();
      return issuePair(db, user, uuidv7());
    },

    /**
     * Rotation with reuse detection (OAuth 2.0 Security BCP, RFC 9700 §4.14): each refresh token works
     * once; presenting a used one again revokes its whole family, cutting off whoever stole it.
     */
    async refresh(refreshToken: string): Promise<TokenPair> {
      const outcome = await db.transaction().execute(async (trx) => {
        const tx = trx as unknown as Db;
        const now = clock.now();
        const row = await findRefreshTokenForUpdate(tx, sha256Hex(refreshToken));
        if (!row) return 'invalid' as const;
        if (row.used_at !== null || row.revoked_at !== null) {
          await revokeRefreshFamily(tx, row.family_id, now);
          return 'reused' as const;
        }
        if (row.expires_at.getTime() <= now.getTime()) return 'invalid' as const;
        const user = await users.findById(tx, row.user_id);
        if (!user || user.disabled_at !== null) return 'invalid' as const;
        await markRefreshTokenUsed(tx, row.id, now);
        return issuePair(tx, user, row.family_id);
      });
      if (typeof outcome === 'string') throw invalidRefresh();
      return outcome;
    },

    async logout(refreshToken: string): Promise<void> {
      await db.transaction().execute(async (trx) => {
        const tx = trx as unknown as Db;
        const row = await findRefreshTokenForUpdate(tx, sha256Hex(refreshToken));
        if (row) await revokeRefreshFamily(tx, row.family_id, clock.now());
      });
    },

    async me(userId: string): Promise<User> {
      const user = await users.findById(db, userId);
      if (!user || user.disabled_at !== null)
        throw new AppError('UNAUTHENTICATED', 'The user no longer exists');
      return toUser(user);
    },

    /** ADMIN_EMAIL/ADMIN_PASSWORD: create that admin, or keep the existing account and make sure it is one. */
    async ensureAdmin(email: string, password: string, name = 'Administrator'): Promise<User> {
      const existing = await users.findByEmail(db, normalizeEmail(email));
      if (!existing) return toUser(await createUser({ email, password, name }, 'admin'));
      if (existing.role === 'admin' && existing.disabled_at === null) return toUser(existing);
      const updated = await users.update(db, existing.id, {
        role: 'admin',
        disabled_at: null,
        updated_at: clock.now(),
      });
      return toUser(updated ?? existing);
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
