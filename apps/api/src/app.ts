import fastifySwagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import scalar from '@scalar/fastify-api-reference';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Container } from './container.ts';
import { installAuthentication } from './plugins/authentication.ts';
import { BODY_LIMIT_BYTES, installBodyParsers } from './plugins/body-parsers.ts';
import { frameworkErrors, installErrorHandling, routeNotFound, sendError } from './plugins/errors.ts';
import { installMetrics } from './plugins/metrics.ts';
import { requestIdFor } from './plugins/request-id.ts';
import { installSecurityHeaders } from './plugins/security-headers.ts';
import { installValidation } from './plugins/validation.ts';
import { defaultWebDist, hasWebBuild, installWeb } from './plugins/web.ts';
import { apiKeysRoutes } from './routes/api-keys/api-keys.routes.ts';
import { auditRoutes } from './routes/audit/audit.routes.ts';
import { authRoutes } from './routes/auth/auth.routes.ts';
import { eventsRoutes } from './routes/events/events.routes.ts';
import { grantsRoutes } from './routes/grants/grants.routes.ts';
import { opsRoutes } from './routes/ops/ops.routes.ts';
import { resourcesRoutes } from './routes/resources/resources.routes.ts';
import { usersRoutes } from './routes/users/users.routes.ts';
import { webhooksRoutes } from './routes/webhooks/webhooks.routes.ts';

export const API_PREFIX = '/api/v1';

/** Builds the HTTP app from a container; main.ts listens, tests inject. */
export async function buildApp(container: Container): Promise<FastifyInstance> {
  const { config } = container;
  const app = Fastify({
    ...(config.tls
      ? { https: { cert: config.tls.cert, key: config.tls.key, minVersion: 'TLSv1.3' as const } }
      : {}),
    loggerInstance: container.logger as FastifyBaseLogger,
    // One log line per request (onResponse below) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: requestIdFor,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustedProxies.length > 0 ? [...config.trustedProxies] : false,
    // `__proto__` and friends are data inside metadata (CONTRACT); JSON.parse never touches prototypes.
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
    return503OnClosing: true,
    routerOptions: { maxParamLength: 200 },
    // The reference answers at /docs itself (its plugin would redirect to /docs/ otherwise).
    rewriteUrl: (request) => (request.url === '/docs' ? '/docs/' : (request.url ?? '/')),
    frameworkErrors,
  }).withTypeProvider<TypeBoxTypeProvider>();

  const webDir = config.webDistDir ?? defaultWebDist();
  const serveSpa = hasWebBuild(webDir);
  installValidation(app);
  installErrorHandling(app, { serveSpa });
  installBodyParsers(app);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unknown',
        statusCode: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
        userId: request.actor?.userId,
      },
      'request completed',
    );
  });

  await installSecurityHeaders(app, config.corsOrigins);
  // Before every route: request metrics label each by its pattern; GET /metrics serves the registry.
  installMetrics(app, { metrics: container.metrics, token: config.metricsToken });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Ledgerbase API',
        version: '1.0.0',
        description: 'Audited resources with tamper-evident history. Errors: {error:{code,message,details}}.',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
    // @fastify/swagger marks every request body required; restore without a body means "undelete".
    transformObject: (document) => {
      if (!('openapiObject' in document)) return document.swaggerObject;
      const { openapiObject } = document;
      const restore = openapiObject.paths?.[`${API_PREFIX}/resources/{id}/restore`]?.post;
      if (restore?.requestBody && 'required' in restore.requestBody) restore.requestBody.required = false;
      return openapiObject;
    },
  });

  app.decorateRequest('actor', undefined);
  await app.register(opsRoutes(container));
  await app.register(
    async (api) => {
      // Scoped to /api/v1: identity, rate limits and authentication apply to every API route (and to
      // the API's own 404s); operational routes, /docs and the console stay public.
      installAuthentication(api, {
        credentials: container.credentials,
        rateLimiter: container.rateLimiter,
        config,
      });
      api.setNotFoundHandler((request, reply) =>
        sendError(reply, routeNotFound(request.method, request.url)),
      );
      await api.register(authRoutes(container));
      await api.register(usersRoutes(container));
      await api.register(resourcesRoutes(container));
      await api.register(grantsRoutes(container));
      await api.register(apiKeysRoutes(container));
      await api.register(eventsRoutes(container));
      await api.register(webhooksRoutes(container));
      await api.register(auditRoutes(container));
    },
    { prefix: API_PREFIX },
  );

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(scalar, { routePrefix: '/docs', configuration: { url: '/openapi.json' } });

  if (serveSpa) await installWeb(app, webDir);

  return app;
}
