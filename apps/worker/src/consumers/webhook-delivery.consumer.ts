import { parseResourceEventMessage, type ResourceEventMessageV1 } from '@ledgerbase/contracts';
import { EVENT_QUEUES, type WebhookDeliveryService } from '@ledgerbase/core';
import { type Bus, isPoison, PoisonMessageError, type Subscription } from '@ledgerbase/platform';
import { type BatchItem, createBatcher } from './batcher.ts';

export const WEBHOOK_QUEUE = EVENT_QUEUES[0]!.name;

/**
 * Turns resource events into pending webhook deliveries (the dispatcher sends them). Idempotent:
 * one delivery row per (webhook, event), so a redelivered message changes nothing. Messages in
 * flight (prefetch) are handled in batches: one subscription query and one insert for many events,
 * not one per write. A message that fails its schema can never succeed and is dead-lettered.
 */
export function startWebhookDeliveryConsumer(deps: {
  bus: Bus;
  deliveries: WebhookDeliveryService;
  prefetch?: number;
  /** Deliveries were created: the dispatcher can start at once instead of at its next poll. */
  onScheduled?: () => void;
}): Promise<Subscription> {
  const prefetch = deps.prefetch ?? 50;

  async function handle(items: BatchItem<ResourceEventMessageV1>[]): Promise<void> {
    try {
      const created = await deps.deliveries.fanOut(items.map((item) => item.value));
      for (const item of items) item.resolve();
      if (created > 0) deps.onScheduled?.();
    } catch (error) {
      if (!isPoison(error) || items.length === 1) throw error;
      // One bad message must not take the others with it: settle them one by one.
      for (const item of items) await handle([item]).catch(item.reject);
    }
  }

  const batcher = createBatcher(handle, { max: prefetch, waitMs: 5 });
  return deps.bus.consume(
    WEBHOOK_QUEUE,
    async (delivery) => {
      const message = parseResourceEventMessage(delivery.name, delivery.body);
      if (!message) throw new PoisonMessageError(`invalid ${delivery.name} message`);
      await batcher.add(message);
    },
    { prefetch },
  );
}
