import { loadConfigOrExit } from '@ledgerbase/platform';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.ts';
import { buildContainer } from './container.ts';
import { startEmbeddedWorker } from './embedded-worker.ts';
import { telemetry } from './instrument.ts';

/**
 * The one-process entry point: API, web console and (WORKER=embedded, the default) the background
 * worker with its scheduled jobs, on the configured stores. With WORKER=external the worker runs as
 * `npm run start:worker` instead, any number of copies.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const container = await buildContainer(config);
  const app = await buildApp(container);
  // The worker runs the relay, webhook deliveries and the scheduled jobs (audit seals, retention).
  const worker = config.worker === 'embedded' ? await startEmbeddedWorker(container) : undefined;

  // Long enough for a webhook attempt in flight (15 s timeout); a second signal exits at once.
  closeWithGrace({ delay: 20_000 }, async ({ signal, err }) => {
    if (err) container.logger.error({ err }, 'shutting down after an error');
    else container.logger.info({ signal }, 'shutting down');
    await app.close();
    await worker?.drain();
    await container.close();
    // Flushes spans still buffered for the OTLP exporter.
    await telemetry.shutdown();
  });

  const address = await app.listen({ port: config.port, host: config.host });
  const mode =
    container.database.mode === 'embedded' ? `embedded PostgreSQL in ${config.dataDir}` : 'PostgreSQL';
  const url = address.replace('://127.0.0.1', '://localhost');
  if (config.tls) container.logger.info('HTTPS enabled (TLS 1.3 minimum)');
  process.stdout.write(
    `\nLedgerbase is running on ${mode}\n  Open ${url}\n  API  ${url}/api/v1  ·  docs ${url}/docs\n\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Ledgerbase failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
