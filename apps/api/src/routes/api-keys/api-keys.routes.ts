import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiKey, ApiKeyBody, ApiKeyCreated, IdParams } from '@ledgerbase/contracts';
import { Type } from '@sinclair/typebox';
import type { Container } from '../../container.ts';
import { actorOf } from '../../plugins/authentication.ts';
import { JSON_TYPE, requireMediaType } from '../../plugins/body-parsers.ts';
import { responses, bearerSecurity as security } from '../responses.ts';

const tags = ['api-keys'];

/** Scoped API keys (CONTRACT "Authentication"): the secret is returned once, then only its hash exists. */
export const apiKeysRoutes =
  ({ apiKeys }: Container): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/api-keys',
      {
        preValidation: requireMediaType(JSON_TYPE),
        schema: {
          tags,
          security,
          summary: 'Create an API key (the key is shown only in this response)',
          body: ApiKeyBody,
          response: responses({ 201: ApiKeyCreated }, [403, 415]),
        },
      },
      async (request, reply) => {
        reply.code(201).header('cache-control', 'no-store');
        return apiKeys.create(actorOf(request), request.body);
      },
    );

    app.get(
      '/api-keys',
      {
        schema: {
          tags,
          security,
          summary: 'Your API keys, without secrets',
          response: responses({ 200: Type.Object({ data: Type.Array(ApiKey) }) }, [403]),
        },
      },
      async (request) => apiKeys.list(actorOf(request)),
    );

    app.delete(
      '/api-keys/:id',
      {
        schema: {
          tags,
          security,
          summary: 'Revoke an API key (effective at once)',
          params: IdParams,
          response: responses({ 204: null }, [403, 404]),
        },
      },
      async (request, reply) => {
        await apiKeys.revoke(actorOf(request), request.params.id);
        return reply.code(204).send();
      },
    );
  };
