import { AppError } from '@ledgerbase/core';
import { isScrapeAllowed, type Metrics } from '@ledgerbase/platform';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { sendError } from './errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `false` keeps a route out of the request metrics (the scrape itself). */
    metrics?: boolean;
  }
}

/** The `route` label of requests no route matched: never the raw URL (unbounded cardinality). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Seconds. The SLOs (p50 < 100 ms, p99 < 500 ms; system design §8) fall on bucket boundaries, so
 * "share of requests under 100 ms / 500 ms" is exact, not interpolated.
 */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;

const LABELS = ['method', 'route', 'status_code'] as const;

/** A route answering `text/event-stream` (SSE) lasts as long as the client stays: not a latency. */
function declaresEventStream(route: RouteOptions): boolean {
  const response = route.schema?.response as
    | Record<string, { content?: Record<string, unknown> }>
    | undefined;
  return Object.values(response ?? {}).some((status) => status?.content?.['text/event-stream'] !== undefined);
}

/**
 * Request metrics and `GET /metrics` (CONTRACT "Operations"). Installed on the root instance before
 * any route, so every route and both not-found handlers are counted, labelled by route pattern
 * (`/api/v1/resources/:id`). `/metrics` sits outside /api/v1 like /healthz: no per-IP rate limit, no
 * user authentication, not in the OpenAPI document (it is a scrape target, not part of the API);
 * with METRICS_TOKEN set it needs `Authorization: Bearer <token>`.
 */
export function installMetrics(
  app: FastifyInstance,
  { metrics, token }: { metrics: Metrics; token: string | undefined },
): void {
  const requests = metrics.counter(
    'ledgerbase_http_requests_total',
    'HTTP requests answered, by method, route pattern and status code',
    LABELS,
  );
  const duration = metrics.histogram(
    'ledgerbase_http_request_duration_seconds',
    'HTTP request duration until the response is sent, by method, route pattern and status code',
    { labelNames: LABELS, buckets: DURATION_BUCKETS },
  );
  const rateLimited = metrics.counter(
    'ledgerbase_rate_limit_rejections_total',
    'Requests refused with 429 RATE_LIMITED, by route pattern',
    ['route'],
  );

  const streams = new Set<string>();
  app.addHook('onRoute', (route) => {
    if (declaresEventStream(route)) streams.add(route.url);
  });

  app.addHook('onResponse', async (request, reply) => {
    if (request.routeOptions.config.metrics === false) return;
    const pattern = request.routeOptions.url;
    const route = request.is404 || pattern === undefined ? UNMATCHED_ROUTE : pattern;
    const labels = { method: request.method, route, status_code: reply.statusCode };
    requests.inc(labels);
    if (!streams.has(route)) duration.observe(labels, reply.elapsedTime / 1000);
    if (reply.statusCode === 429) rateLimited.inc({ route });
  });

  app.get('/metrics', { schema: { hide: true }, config: { metrics: false } }, async (request, reply) => {
    if (!isScrapeAllowed(request.headers.authorization, token)) {
      return sendError(reply, new AppError('UNAUTHENTICATED', 'This route needs the metrics token'));
    }
    reply.header('cache-control', 'no-store').type(metrics.contentType);
    return metrics.text();
  });
}
