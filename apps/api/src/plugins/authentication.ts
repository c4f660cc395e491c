import { type Actor, AppError, type CredentialResolver } from '@ledgerbase/core';
import type { Config, RateLimiter } from '@ledgerbase/platform';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | undefined;
  }
  interface FastifyContextConfig {
    /** `false` opts a route out of authentication (a route flag, never a URL prefix). */
    auth?: boolean;
    /** Stricter limit for credential endpoints. */
    rateLimit?: 'auth';
  }
}

type Deps = { credentials: CredentialResolver; rateLimiter: RateLimiter; config: Config };

/** The authenticated actor; throws 401 when a route that needs one runs without it. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new AppError('UNAUTHENTICATED');
  return request.actor;
}

async function identify(
  request: FastifyRequest,
  credentials: CredentialResolver,
): Promise<Actor | AppError | undefined> {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) return new AppError('UNAUTHENTICATED', 'The Authorization header must be "Bearer <token>"');
  try {
    return await credentials.resolve(match[1]!);
  } catch (error) {
    // A bad credential is the caller's problem (401 later); anything else (database down) is ours.
    if (error instanceof AppError) return error;
    throw error;
  }
}

function setRateLimitHeaders(
  reply: FastifyReply,
  policy: string,
  limit: number,
  remaining: number,
  reset: number,
) {
  // draft-ietf-httpapi-ratelimit-headers: structured fields, window in seconds.
  reply.header('ratelimit-policy', `"${policy}";q=${limit};w=60`);
  reply.header('ratelimit', `"${policy}";r=${remaining};t=${reset}`);
}

/**
 * One onRequest hook: who is calling, are they within their limit, and may they call this route.
 * Identity comes first so limits are per user; anonymous and failed callers count per client IP,
 * which also throttles token guessing.
 */
export function installAuthentication(
  app: FastifyInstance,
  { credentials, rateLimiter, config }: Deps,
): void {
  app.addHook('onRequest', async (request, reply) => {
    const routeConfig = request.routeOptions.config;
    const identity =
      routeConfig.auth === false && request.headers.authorization === undefined
        ? undefined
        : await identify(request, credentials);
    if (identity && !(identity instanceof AppError)) request.actor = identity;

    if (config.rateLimit.enabled) {
      const strict = routeConfig.rateLimit === 'auth';
      const policy = strict ? 'auth' : 'default';
      const limit = strict ? config.rateLimit.authPerMinute : config.rateLimit.perMinute;
      const subject = request.actor && !strict ? `user:${request.actor.userId}` : `ip:${request.ip}`;
      const decision = await rateLimiter.consume(`${policy}:${subject}`, limit, 60);
      setRateLimitHeaders(reply, policy, limit, decision.remaining, decision.resetSeconds);
      if (!decision.allowed) {
        reply.header('retry-after', String(decision.resetSeconds));
        return sendError(reply, new AppError('RATE_LIMITED', 'Too many requests; slow down'));
      }
    }

    // Unknown routes answer 404 to everyone: a 401 would hide the real mistake.
    if (routeConfig.auth === false || request.is404) return;
    if (identity instanceof AppError) return sendError(reply, identity);
    if (!identity) return sendError(reply, new AppError('UNAUTHENTICATED', 'Authentication is required'));
  });
}
