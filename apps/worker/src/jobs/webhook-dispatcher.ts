import type { WebhookDeliveryService } from '@ledgerbase/core';
import type { Logger } from '@ledgerbase/platform';
import { createPause } from './scheduler.ts';

/**
 * Sends due webhook deliveries with up to `concurrency` requests in flight: a slow receiver holds one
 * slot, not the others. Due rows are claimed from the database (SKIP LOCKED), so any number of
 * workers share them and retries survive restarts: the schedule lives in `next_attempt_at`.
 */
export function createWebhookDispatcher(deps: {
  deliveries: WebhookDeliveryService;
  logger: Logger;
  concurrency?: number;
  pollMs?: number;
}) {
  const { deliveries, logger, concurrency = 16, pollMs = 1000 } = deps;
  const inFlight = new Set<Promise<unknown>>();
  const pause = createPause();
  let stopped = true;
  let running: Promise<void> | undefined;

  async function fill(): Promise<number> {
    const free = concurrency - inFlight.size;
    if (free <= 0) return 0;
    const claimed = await deliveries.claim(free);
    for (const delivery of claimed) {
      const attempt: Promise<unknown> = deliveries
        .attempt(delivery)
        .catch((error) => logger.error({ err: error, delivery: delivery.id }, 'webhook attempt failed'))
        .finally(() => {
          inFlight.delete(attempt);
          pause.wake();
        });
      inFlight.add(attempt);
    }
    return claimed.length;
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      let claimed = 0;
      try {
        claimed = await fill();
      } catch (error) {
        logger.warn({ err: error }, 'claiming webhook deliveries failed');
      }
      // More may be due right away when every free slot was filled; otherwise wait for a nudge.
      if (!stopped && (claimed === 0 || inFlight.size >= concurrency)) await pause.wait(pollMs);
    }
  }

  return {
    start(): void {
      if (!stopped) return;
      stopped = false;
      running = loop();
    },
    nudge: () => pause.wake(),
    /** Claims nothing more and waits for the attempts in flight (each bounded by its timeout). */
    async stop(): Promise<void> {
      stopped = true;
      pause.wake();
      await running;
      await Promise.all(inFlight);
    },
  };
}

export type WebhookDispatcher = ReturnType<typeof createWebhookDispatcher>;
