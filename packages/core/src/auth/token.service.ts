import type { UserRole } from '@ledgerbase/db';
import type { Clock } from '@ledgerbase/platform';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import { uuidv7 } from 'uuidv7';
import { AppError } from '../errors/index.ts';
import type { SigningKeys } from './signing-keys.ts';

/** `sessionEpoch`: the user's epoch when the token was issued (claim `sep`; absent in older tokens = 0). */
export type AccessTokenClaims = { userId: string; role: UserRole; sessionEpoch: number };

export type TokenServiceDeps = {
  keys: SigningKeys;
  clock: Clock;
  issuer: string;
  audience: string;
  ttlSeconds: number;
};

const ROLES: readonly string[] = ['admin', 'member', 'viewer'];

/**
 * Short-lived access JWTs (RFC 9068 `at+jwt`). Verification pins the algorithm, issuer, audience and
 * the key by `kid`; the header's `alg`, `jku`, `jwk` and `x5u` are never trusted (RFC 8725).
 */
export function createTokenService({ keys, clock, issuer, audience, ttlSeconds }: TokenServiceDeps) {
  const unauthenticated = () => new AppError('UNAUTHENTICATED', 'The access token is invalid or expired');
  const verified = new LRUCache<string, { claims: AccessTokenClaims; expiresAt: number }>({ max: 10_000 });

  return {
    ttlSeconds,
    async issue(userId: string, role: UserRole, sessionEpoch = 0): Promise<string> {
      const now = Math.floor(clock.now().getTime() / 1000);
      return new SignJWT({ role, sep: sessionEpoch })
        .setProtectedHeader({ alg: keys.alg, kid: keys.kid, typ: 'at+jwt' })
        .setSubject(userId)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + ttlSeconds)
        .setJti(uuidv7())
        .sign(keys.privateKey);
    },

    async verify(token: string): Promise<AccessTokenClaims> {
      // A token verified once stays valid until its `exp`: skip the signature check on repeat use.
      const known = verified.get(token);
      if (known && known.expiresAt > clock.now().getTime()) return known.claims;
      try {
        const { payload } = await jwtVerify(
          token,
          (header) => {
            if (header.kid !== keys.kid) throw new joseErrors.JWKSNoMatchingKey();
            return keys.publicKey;
          },
          {
            algorithms: [keys.alg],
            issuer,
            audience,
            typ: 'at+jwt',
            requiredClaims: ['sub', 'exp', 'iat'],
            currentDate: clock.now(),
            clockTolerance: 5,
          },
        );
        const role = payload.role;
        if (typeof payload.sub !== 'string' || typeof role !== 'string' || !ROLES.includes(role)) {
          throw unauthenticated();
        }
        const sessionEpoch = payload.sep ?? 0;
        if (typeof sessionEpoch !== 'number' || !Number.isSafeInteger(sessionEpoch)) throw unauthenticated();
        const claims = { userId: payload.sub, role: role as UserRole, sessionEpoch };
        verified.set(token, { claims, expiresAt: (payload.exp ?? 0) * 1000 });
        return claims;
      } catch {
        throw unauthenticated();
      }
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
