import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Actor, AppError, assertScope, isAppError } from '@ledgerbase/core';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { Container } from '../../container.ts';
import { actorOf } from '../../plugins/authentication.ts';
import { responses, bearerSecurity as security } from '../responses.ts';

const EventStream = Type.String({
  description:
    'text/event-stream: `id:` the event position, `event:` resource.created|updated|deleted|restored, ' +
    '`data:` {type, resourceId, version, actorId, occurredAt, resource}; `: keep-alive` comments',
});

/** `Last-Event-ID` (WHATWG HTML §9.2): the id of the last event the client received. */
function lastEventIdOf(request: FastifyRequest): bigint | undefined {
  const raw = request.headers['last-event-id'];
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string' || !/^\d{1,19}$/.test(raw.trim())) {
    throw AppError.validation([{ path: 'headers.last-event-id', message: 'must be an event id' }]);
  }
  return BigInt(raw.trim());
}

/** Server-Sent Events of resource changes the caller may see (CONTRACT "Events"). */
export const eventsRoutes =
  ({ realtime, credentials }: Container): FastifyPluginAsyncTypebox =>
  async (app) => {
    // Open streams would hold the server open: end them first, clients reconnect elsewhere.
    app.addHook('preClose', async () => realtime.close());

    app.get(
      '/events',
      {
        schema: {
          tags: ['events'],
          security,
          summary: 'Live resource events (SSE); Last-Event-ID resumes after that event',
          response: {
            ...responses({}, [403]),
            200: {
              description: 'The event stream',
              content: { 'text/event-stream': { schema: EventStream } },
            },
          },
        },
      },
      async (request, reply) => {
        const actor = actorOf(request);
        assertScope(actor, 'resources:read');
        const lastEventId = lastEventIdOf(request);
        const token = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
        // Re-checked on every heartbeat: expiry, revocation and a disabled user end the stream.
        const revalidate = async (): Promise<Actor | undefined> => {
          if (!token) return undefined;
          try {
            return await credentials.resolve(token);
          } catch (error) {
            return isAppError(error) ? undefined : actor;
          }
        };
        reply.hijack();
        const raw = reply.raw;
        raw.writeHead(200, {
          ...(reply.getHeaders() as OutgoingHttpHeaders),
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-store',
          connection: 'keep-alive',
          'x-accel-buffering': 'no',
        });
        const connection = realtime.connect({
          actor,
          lastEventId,
          revalidate,
          sink: {
            write: (chunk) => raw.write(chunk),
            onDrain: (listener) => raw.on('drain', listener),
            end: () => raw.end(),
          },
        });
        raw.on('close', () => connection.close());
      },
    );
  };
