import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { User } from '@ledgerbase/contracts';
import type { Container } from '../../container.ts';
import { actorOf } from '../../plugins/authentication.ts';
import { bearerSecurity, responses } from '../responses.ts';

export const usersRoutes =
  ({ auth }: Container): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/users/me',
      {
        schema: {
          tags: ['users'],
          summary: 'The signed-in user',
          security: bearerSecurity,
          response: responses({ 200: User }),
        },
      },
      async (request) => auth.me(actorOf(request).userId),
    );
  };
