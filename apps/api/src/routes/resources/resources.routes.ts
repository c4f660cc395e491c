import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AuditEntry,
  IdParams,
  ListResourcesQuery,
  Page,
  PageQuery,
  Resource,
  ResourceBody,
  ResourcePatchBody,
  RestoreBody,
  VersionParams,
} from '@ledgerbase/contracts';
import {
  AppError,
  parseMetadataFilter,
  type ResourceSort,
  type Resource as ResourceType,
  validateSearch,
} from '@ledgerbase/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Container } from '../../container.ts';
import { actorOf } from '../../plugins/authentication.ts';
import { JSON_TYPE, MERGE_PATCH_TYPE, requireMediaType } from '../../plugins/body-parsers.ts';
import { requestContext } from '../request-context.ts';
import { bearerSecurity, responses } from '../responses.ts';

const tags = ['resources'];
const security = bearerSecurity;
const jsonBody = requireMediaType(JSON_TYPE);
const IDEMPOTENCY_KEY_MAX = 255;

const context = requestContext;
const ifMatch = (request: FastifyRequest) => request.headers['if-match'];

/** Responses carrying one resource carry its strong ETag (CONTRACT "Resources"). */
function withEtag(reply: FastifyReply, resource: ResourceType): ResourceType {
  reply.header('etag', `"${resource.version}"`);
  return resource;
}

function idempotencyKey(request: FastifyRequest): string | undefined {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || key.length < 1 || key.length > IDEMPOTENCY_KEY_MAX) {
    throw AppError.validation([{ path: 'headers.idempotency-key', message: 'must be 1 to 255 characters' }]);
  }
  return key;
}

/** RFC 9110 §13.1.2: weak comparison, `*` matches any current representation. */
function matchesIfNoneMatch(header: string | undefined, version: number): boolean {
  if (header === undefined) return false;
  return header
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === `"${version}"`);
}

export const resourcesRoutes =
  ({ resources, history }: Container): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/resources',
      {
        schema: {
          tags,
          security,
          summary: 'List resources you can see (keyset pagination)',
          querystring: ListResourcesQuery,
          response: responses({ 200: Page(Resource) }, [403]),
        },
      },
      async (request) => {
        const query = request.query;
        return resources.list(actorOf(request), {
          limit: query.limit ?? 20,
          cursor: query.cursor,
          sort: (query.sort ?? '-createdAt') as ResourceSort,
          q: validateSearch(query.q),
          metadata: parseMetadataFilter(query.metadata),
          ownerId: query.ownerId,
        });
      },
    );

    app.post(
      '/resources',
      {
        preValidation: jsonBody,
        schema: {
          tags,
          security,
          summary: 'Create a resource (honours Idempotency-Key)',
          body: ResourceBody,
          response: responses({ 201: Resource }, [403, 409, 413, 415, 422]),
        },
      },
      async (request, reply) => {
        const result = await resources.create(context(request), request.body, idempotencyKey(request));
        if (result.replayed) reply.header('idempotent-replayed', 'true');
        reply.code(201).header('location', `/api/v1/resources/${result.resource.id}`);
        return withEtag(reply, result.resource);
      },
    );

    app.get(
      '/resources/:id',
      {
        schema: {
          tags,
          security,
          summary: 'Get a resource (ETag, If-None-Match → 304)',
          params: IdParams,
          response: responses({ 200: Resource, 304: null }, [404]),
        },
      },
      async (request, reply) => {
        const resource = await resources.get(actorOf(request), request.params.id);
        withEtag(reply, resource);
        if (matchesIfNoneMatch(request.headers['if-none-match'], resource.version))
          return reply.code(304).send();
        return resource;
      },
    );

    app.put(
      '/resources/:id',
      {
        preValidation: jsonBody,
        schema: {
          tags,
          security,
          summary: 'Replace name and metadata (If-Match → 412 on mismatch)',
          params: IdParams,
          body: ResourceBody,
          response: responses({ 200: Resource }, [403, 404, 409, 412, 413, 415]),
        },
      },
      async (request, reply) =>
        withEtag(
          reply,
          await resources.replace(context(request), request.params.id, request.body, {
            ifMatch: ifMatch(request),
          }),
        ),
    );

    app.patch(
      '/resources/:id',
      {
        preValidation: requireMediaType(MERGE_PATCH_TYPE),
        schema: {
          consumes: [MERGE_PATCH_TYPE],
          tags,
          security,
          summary: 'JSON Merge Patch (application/merge-patch+json) of name and metadata',
          params: IdParams,
          body: ResourcePatchBody,
          response: responses({ 200: Resource }, [403, 404, 409, 412, 413, 415]),
        },
      },
      async (request, reply) =>
        withEtag(
          reply,
          await resources.patch(
            context(request),
            request.params.id,
            request.body as Record<string, unknown>,
            {
              ifMatch: ifMatch(request),
            },
          ),
        ),
    );

    app.delete(
      '/resources/:id',
      {
        schema: {
          tags,
          security,
          summary: 'Soft-delete a resource (owner or admin)',
          params: IdParams,
          response: responses({ 204: null }, [403, 404, 409, 412]),
        },
      },
      async (request, reply) => {
        await resources.remove(context(request), request.params.id, { ifMatch: ifMatch(request) });
        return reply.code(204).send();
      },
    );

    app.post(
      '/resources/:id/restore',
      {
        // The body is optional here: no body means "undelete".
        preValidation: async (request) => {
          if (request.body === undefined) request.body = {};
          else await jsonBody(request);
        },
        schema: {
          tags,
          security,
          summary: 'Undelete, or with {version} roll back to that version as a new version',
          params: IdParams,
          body: RestoreBody,
          response: responses({ 200: Resource }, [403, 404, 409, 415]),
        },
      },
      async (request, reply) =>
        withEtag(reply, await resources.restore(context(request), request.params.id, request.body?.version)),
    );

    app.get(
      '/resources/:id/history',
      {
        schema: {
          tags,
          security,
          summary: 'Audit entries of a resource, oldest first',
          params: IdParams,
          querystring: PageQuery,
          response: responses({ 200: Page(AuditEntry) }, [404]),
        },
      },
      async (request) =>
        history.history(actorOf(request), request.params.id, {
          limit: request.query.limit ?? 20,
          cursor: request.query.cursor,
        }),
    );

    app.get(
      '/resources/:id/versions/:version',
      {
        schema: {
          tags,
          security,
          summary: 'The resource as it was at that version',
          params: VersionParams,
          response: responses({ 200: Resource }, [404]),
        },
      },
      async (request, reply) =>
        withEtag(reply, await history.version(actorOf(request), request.params.id, request.params.version)),
    );
  };
