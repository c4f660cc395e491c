import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Container } from '../../container.ts';
import { errorResponses } from '../responses.ts';

const Check = Type.Object(
  { status: Type.String(), mode: Type.Optional(Type.String()) },
  { additionalProperties: true },
);
const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  checks: Type.Object({ db: Check, cache: Check, queue: Check }),
});

/** Redis backs the cache and the shared rate limiter; without it both run in-process. */
function cacheCheck({ redis, rateLimiter }: Container) {
  if (!redis) return { status: 'ok', mode: 'embedded' };
  const degraded = redis.status !== 'ready' || (rateLimiter.isDegraded?.() ?? false);
  return degraded
    ? { status: 'degraded', mode: 'redis', detail: 'Redis unreachable; rate limits are per instance' }
    : { status: 'ok', mode: 'redis' };
}

/** RabbitMQ carries events; while it is down writes go on and the outbox holds their events. */
function queueCheck({ bus }: Container) {
  if (bus.kind === 'memory') return { status: 'ok', mode: 'embedded' };
  return bus.isConnected()
    ? { status: 'ok', mode: 'amqp' }
    : { status: 'degraded', mode: 'amqp', detail: 'RabbitMQ unreachable; events wait in the outbox' };
}

/** Neither route takes input or credentials, so the only error they can answer is a 500. */
const unexpectedError = errorResponses([500]);

/** Operational routes at the root (CONTRACT "Operations"); /readyz alone answers outside the error shape. */
export const opsRoutes =
  (container: Container): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/healthz',
      {
        schema: {
          tags: ['operations'],
          response: { 200: Type.Object({ status: Type.Literal('ok') }), ...unexpectedError },
        },
      },
      async () => ({ status: 'ok' as const }),
    );

    app.get(
      '/readyz',
      { schema: { tags: ['operations'], response: { 200: Readiness, 503: Readiness } } },
      async (_request, reply) => {
        const embedded = { status: 'ok', mode: 'embedded' };
        let db: { status: string; mode?: string; error?: string };
        try {
          await container.database.ping();
          db = container.database.mode === 'embedded' ? embedded : { status: 'ok', mode: 'postgres' };
        } catch {
          db = { status: 'down', error: 'database unreachable' };
        }
        const cache = cacheCheck(container);
        const checks = { db, cache, queue: queueCheck(container) };
        // CONTRACT: status is "ok" or "degraded"; a down database makes the same body a 503.
        if (db.status === 'down') reply.code(503).header('retry-after', '5');
        const allOk = Object.values(checks).every((check) => check.status === 'ok');
        return { status: allOk ? ('ok' as const) : ('degraded' as const), checks };
      },
    );

    app.get(
      '/.well-known/jwks.json',
      {
        schema: {
          tags: ['operations'],
          response: {
            200: Type.Object({ keys: Type.Array(Type.Object({}, { additionalProperties: true })) }),
            ...unexpectedError,
          },
        },
      },
      async (_request, reply) => {
        reply.header('cache-control', 'public, max-age=300');
        return { keys: [container.keys.publicJwk] };
      },
    );
  };
