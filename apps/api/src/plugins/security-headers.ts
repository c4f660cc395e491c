import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

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
 * helmet's headers (HSTS, nosniff, frame and referrer policies, ...) with its defaults. They are the
 * same for every response, so helmet runs once at start-up and each response gets the captured set:
 * running its middleware chain per request cost ~4 % of the API's CPU on a write (bench/cpu-split.ts).
 */
function helmetHeaders(): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const capture = {
    setHeader: (name: string, value: string) => {
      headers[name.toLowerCase()] = value;
    },
    removeHeader: () => {},
  };
  helmet({ contentSecurityPolicy: false })(
    {} as Parameters<ReturnType<typeof helmet>>[0],
    capture as unknown as Parameters<ReturnType<typeof helmet>>[1],
    () => {},
  );
  return Object.freeze(headers);
}

/** The strict CSP is ours and skips /docs, whose reference UI runs an inline bootstrap script. */
export async function installSecurityHeaders(app: FastifyInstance, corsOrigins: readonly string[]) {
  const headers = helmetHeaders();
  const withCsp = Object.freeze({ ...headers, 'content-security-policy': APP_CSP });
  app.addHook('onRequest', async (request, reply) => {
    reply.headers(request.url.startsWith('/docs') ? headers : withCsp);
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
