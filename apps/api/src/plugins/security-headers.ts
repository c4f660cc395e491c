import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

// The console is built by Vite into same-origin files: nothing inline, nothing third-party.
const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

/**
 * helmet's headers everywhere (HSTS, nosniff, frame and referrer policies, ...). The strict CSP is
 * ours and skips /docs, whose reference UI runs an inline bootstrap script.
 */
export async function installSecurityHeaders(app: FastifyInstance, corsOrigins: readonly string[]) {
  await app.register(helmet, { global: true, contentSecurityPolicy: false });
  app.addHook('onSend', async (request, reply) => {
    if (!request.url.startsWith('/docs')) reply.header('content-security-policy', APP_CSP);
  });
  // Cross-origin browsers only from the configured allow-list; same-origin (the console) needs none.
  await app.register(cors, {
    origin: corsOrigins.length > 0 ? [...corsOrigins] : false,
    exposedHeaders: ['etag', 'location', 'x-request-id', 'ratelimit', 'ratelimit-policy', 'retry-after'],
    allowedHeaders: [
      'authorization',
      'content-type',
      'if-match',
      'if-none-match',
      'idempotency-key',
      'last-event-id',
    ],
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    maxAge: 600,
  });
}
