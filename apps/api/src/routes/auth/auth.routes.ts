import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { LoginBody, RefreshBody, RegisterBody, TokenPair, User } from '@ledgerbase/contracts';
import { Type } from '@sinclair/typebox';
import type { Container } from '../../container.ts';
import { JSON_TYPE, requireMediaType } from '../../plugins/body-parsers.ts';
import { responses } from '../responses.ts';

const credentials = { auth: false, rateLimit: 'auth' } as const;
const preValidation = requireMediaType(JSON_TYPE);
const tags = ['auth'];

export const authRoutes =
  ({ auth }: Container): FastifyPluginAsyncTypebox =>
  async (app) => {
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
      async (request) => auth.login(request.body),
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
