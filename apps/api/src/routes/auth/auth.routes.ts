import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { LoginBody, RefreshBody, RegisterBody, TokenPair, User } from '@ledgerbase/contracts';
import { AppError, normalizeEmail } from '@ledgerbase/core';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { Container } from '../../container.ts';
import { JSON_TYPE, requireMediaType } from '../../plugins/body-parsers.ts';
import { responses } from '../responses.ts';

const credentials = { auth: false, rateLimit: 'auth' } as const;
const preValidation = requireMediaType(JSON_TYPE);
const tags = ['auth'];

/**
 * Per target account, on top of the per-IP limit: an attacker spreading guesses over many addresses
 * still gets only so many tries at one account per window (slow brute force). The key is a hash, so
 * no email address is kept in the limiter.
 */
async function limitLoginAttempts(
  { config, rateLimiter, keyRing }: Container,
  email: string,
  reply: FastifyReply,
) {
  if (!config.rateLimit.enabled) return;
  // Keyed (a blind index), so the limiter's keys cannot be reversed with a list of likely addresses.
  const account = keyRing.blindIndex(normalizeEmail(email), 'ratelimit.login');
  const decision = await rateLimiter.consume(`login-account:${account}`, config.rateLimit.authPerMinute, 60);
  if (!decision.allowed) {
    reply.header('retry-after', String(decision.resetSeconds));
    throw new AppError('RATE_LIMITED', 'Too many sign-in attempts for this account; try again later');
  }
}

export const authRoutes =
  (container: Container): FastifyPluginAsyncTypebox =>
  async (app) => {
    const { auth } = container;
    app.post(
      '/auth/register',
      {
        config: credentials,
        preValidation,
        schema: {
          tags,
          summary: 'Create an account (role member)',
          body: RegisterBody,
          response: responses({ 201: Type.Object({ user: User }) }, [403, 409, 415], {
            authenticated: false,
          }),
        },
      },
      async (request, reply) => {
        reply.code(201);
        return { user: await auth.register(request.body) };
      },
    );

    app.post(
      '/auth/login',
      {
        config: credentials,
        preValidation,
        schema: {
          tags,
          summary: 'Exchange email and password for an access and a refresh token',
          body: LoginBody,
          response: responses({ 200: TokenPair }, [401, 415], { authenticated: false }),
        },
      },
      async (request, reply) => {
        await limitLoginAttempts(container, request.body.email, reply);
        return auth.login(request.body);
      },
    );

    app.post(
      '/auth/refresh',
      {
        config: credentials,
        preValidation,
        schema: {
          tags,
          summary: 'Rotate a refresh token; a reused one revokes its whole family',
          body: RefreshBody,
          response: responses({ 200: TokenPair }, [401, 415], { authenticated: false }),
        },
      },
      async (request) => auth.refresh(request.body.refreshToken),
    );

    app.post(
      '/auth/logout',
      {
        config: credentials,
        preValidation,
        schema: {
          tags,
          summary: 'Revoke a refresh token and its family',
          body: RefreshBody,
          response: responses({ 204: null }, [415], { authenticated: false }),
        },
      },
      async (request, reply) => {
        await auth.logout(request.body.refreshToken);
        return reply.code(204).send();
      },
    );
  };
