import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Grant, GrantBody, GrantParams, IdParams } from '@ledgerbase/contracts';
import { Type } from '@sinclair/typebox';
import type { Container } from '../../container.ts';
import { actorOf } from '../../plugins/authentication.ts';
import { JSON_TYPE, requireMediaType } from '../../plugins/body-parsers.ts';
import { responses, bearerSecurity as security } from '../responses.ts';

const tags = ['sharing'];

/** Grants (CONTRACT "Authorization"): the owner or an admin shares a resource with another user. */
export const grantsRoutes =
  ({ grants }: Container): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.put(
      '/resources/:id/grants/:userId',
      {
        preValidation: requireMediaType(JSON_TYPE),
        schema: {
          tags,
          security,
          summary: 'Grant a user read or write access to a resource',
          params: GrantParams,
          body: GrantBody,
          response: responses({ 200: Grant }, [403, 404, 415]),
        },
      },
      async (request) =>
        grants.put(actorOf(request), request.params.id, request.params.userId, request.body.permission),
    );

    app.delete(
      '/resources/:id/grants/:userId',
      {
        schema: {
          tags,
          security,
          summary: 'Revoke a grant (effective at once)',
          params: GrantParams,
          response: responses({ 204: null }, [403, 404]),
        },
      },
      async (request, reply) => {
        await grants.remove(actorOf(request), request.params.id, request.params.userId);
        return reply.code(204).send();
      },
    );

    app.get(
      '/resources/:id/grants',
      {
        schema: {
          tags,
          security,
          summary: 'Who a resource is shared with',
          params: IdParams,
          response: responses({ 200: Type.Object({ data: Type.Array(Grant) }) }, [403, 404]),
        },
      },
      async (request) => grants.list(actorOf(request), request.params.id),
    );
  };
