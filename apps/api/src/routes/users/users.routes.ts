import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AdminUser, IdParams, Page, PageQuery, User, UserPatchBody } from '@ledgerbase/contracts';
import type { Container } from '../../container.ts';
import { actorOf } from '../../plugins/authentication.ts';
import { MERGE_PATCH_TYPE, requireMediaType } from '../../plugins/body-parsers.ts';
import { responses, bearerSecurity as security } from '../responses.ts';

const tags = ['users'];

export const usersRoutes =
  ({ auth, userAdmin }: Container): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/users/me',
      { schema: { tags, summary: 'The signed-in user', security, response: responses({ 200: User }) } },
      async (request) => auth.me(actorOf(request).userId),
    );

    app.get(
      '/users',
      {
        schema: {
          tags,
          security,
          summary: 'Every user (admin)',
          querystring: PageQuery,
          response: responses({ 200: Page(AdminUser) }, [403]),
        },
      },
      async (request) =>
        userAdmin.list(actorOf(request), { limit: request.query.limit ?? 20, cursor: request.query.cursor }),
    );

    app.patch(
      '/users/:id',
      {
        // CONTRACT "Conventions": PATCH takes application/merge-patch+json, any other type is a 415.
        preValidation: requireMediaType(MERGE_PATCH_TYPE),
        schema: {
          consumes: [MERGE_PATCH_TYPE],
          tags,
          security,
          summary:
            'Change a user’s role or disable them (admin); disabling revokes sessions and keys at once',
          params: IdParams,
          body: UserPatchBody,
          response: responses({ 200: AdminUser }, [403, 404, 409, 415]),
        },
      },
      async (request) => userAdmin.update(actorOf(request), request.params.id, request.body),
    );
  };
