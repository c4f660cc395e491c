import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  DeliveriesQuery,
  DeliveryParams,
  IdParams,
  Page,
  Webhook,
  WebhookBody,
  WebhookCreated,
  WebhookDelivery,
} from '@ledgerbase/contracts';
import { Type } from '@sinclair/typebox';
import type { Container } from '../../container.ts';
import { actorOf } from '../../plugins/authentication.ts';
import { JSON_TYPE, requireMediaType } from '../../plugins/body-parsers.ts';
import { responses, bearerSecurity as security } from '../responses.ts';

const tags = ['webhooks'];

/** Webhook subscriptions and their delivery log (CONTRACT "Events"); each user sees only their own. */
export const webhooksRoutes =
  ({ webhooks }: Container): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.post(
      '/webhooks',
      {
        preValidation: requireMediaType(JSON_TYPE),
        schema: {
          tags,
          security,
          summary: 'Subscribe a URL to resource events (the signing secret is shown only here)',
          body: WebhookBody,
          response: responses({ 201: WebhookCreated }, [403, 409, 415]),
        },
      },
      async (request, reply) => {
        const created = await webhooks.create(actorOf(request), request.body);
        reply
          .code(201)
          .header('cache-control', 'no-store')
          .header('location', `/api/v1/webhooks/${created.id}`);
        return created;
      },
    );

    app.get(
      '/webhooks',
      {
        schema: {
          tags,
          security,
          summary: 'Your webhooks, without secrets',
          response: responses({ 200: Type.Object({ data: Type.Array(Webhook) }) }, [403]),
        },
      },
      async (request) => webhooks.list(actorOf(request)),
    );

    app.delete(
      '/webhooks/:id',
      {
        schema: {
          tags,
          security,
          summary: 'Delete a webhook (pending deliveries stop)',
          params: IdParams,
          response: responses({ 204: null }, [403, 404]),
        },
      },
      async (request, reply) => {
        await webhooks.remove(actorOf(request), request.params.id);
        return reply.code(204).send();
      },
    );

    app.get(
      '/webhooks/:id/deliveries',
      {
        schema: {
          tags,
          security,
          summary: 'Delivery log, newest first: status, attempts, response code and timing',
          params: IdParams,
          querystring: DeliveriesQuery,
          response: responses({ 200: Page(WebhookDelivery) }, [403, 404]),
        },
      },
      async (request) =>
        webhooks.deliveries(actorOf(request), request.params.id, {
          limit: request.query.limit ?? 20,
          cursor: request.query.cursor,
        }),
    );

    app.post(
      '/webhooks/:id/deliveries/:deliveryId/redeliver',
      {
        schema: {
          tags,
          security,
          summary: 'Deliver again now, with the same webhook-id',
          params: DeliveryParams,
          response: responses({ 202: WebhookDelivery }, [403, 404]),
        },
      },
      async (request, reply) => {
        reply.code(202);
        return webhooks.redeliver(actorOf(request), request.params.id, request.params.deliveryId);
      },
    );
  };
