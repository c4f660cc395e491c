import { ConfigError, loadConfig } from '@ledgerbase/platform';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.ts';
import { buildContainer } from './container.ts';

/** The one-process entry point: API (and, as they land, worker and web) on the configured stores. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const container = await buildContainer(config);
  const app = await buildApp(container);

  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) container.logger.error({ err }, 'shutting down after an error');
    else container.logger.info({ signal }, 'shutting down');
    await app.close();
    await container.close();
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
