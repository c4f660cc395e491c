import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isScrapeAllowed, type Logger, type Metrics } from '@ledgerbase/platform';

export type MetricsServer = { readonly port: number; close(): Promise<void> };

/**
 * The separate worker's `GET /metrics` (WORKER_METRICS_PORT): the worker has no HTTP server of its
 * own, so a bare node:http listener serves the registry, with the same optional METRICS_TOKEN as
 * the API. Everything else answers 404.
 */
export async function startMetricsServer(options: {
  metrics: Metrics;
  port: number;
  host: string;
  token: string | undefined;
  logger: Logger;
}): Promise<MetricsServer> {
  const { metrics, token, logger } = options;
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not Found\n');
      return;
    }
    if (!isScrapeAllowed(request.headers.authorization, token)) {
      response
        .writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer' })
        .end('Unauthorized\n');
      return;
    }
    metrics.text().then(
      (body) => response.writeHead(200, { 'content-type': metrics.contentType }).end(body),
      (error: unknown) => {
        logger.error({ err: error }, 'metrics scrape failed');
        response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('Internal Error\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  logger.info({ port }, 'worker metrics listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
