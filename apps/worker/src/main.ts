import { loadConfigOrExit } from '@ledgerbase/platform';
import closeWithGrace from 'close-with-grace';
import { buildWorkerContainer } from './container.ts';

/**
 * `npm run start:worker`: the background worker on its own (WORKER=external on the API processes).
 * SIGTERM drains: the relay stops, consumers finish the message in hand (the rest go back to the
 * queue), webhook attempts in flight complete. A second signal exits at once.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  if (!config.databaseUrl) {
    process.stderr.write('Invalid configuration: DATABASE_URL must be set for a separate worker\n');
    process.exit(1);
  }
  const container = await buildWorkerContainer(config);
  // Longer than the slowest webhook attempt (15 s) so a drain can finish it.
  closeWithGrace({ delay: 30_000 }, async ({ signal, err }) => {
    if (err) container.logger.error({ err }, 'worker stopping after an error');
    else container.logger.info({ signal }, 'worker draining');
    await container.close();
  });
  await container.start();
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Ledgerbase worker failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
