import { parseResourceEventMessage, type ResourceEventMessageV1 } from '@ledgerbase/contracts';
import { RESOURCE_EVENT_BINDINGS } from '@ledgerbase/core';
import type { Bus, Logger, Subscription } from '@ledgerbase/platform';

/** What realtime fan-out feeds: the SSE hub of an API process. */
export type RealtimeSink = {
  dispatch(message: ResourceEventMessageV1): Promise<void>;
  /** The feed may have a gap: clients must catch up from the outbox table. */
  reset(): void;
};

/**
 * Realtime fan-out: each API process takes a broadcast of every event (on RabbitMQ an exclusive,
 * auto-deleted queue bound to the topic exchange; in-process otherwise), one message at a time in
 * publish order. Invalid messages are skipped: the feed is best effort, the table is the record.
 */
export function subscribeRealtime(deps: {
  bus: Bus;
  sink: RealtimeSink;
  logger: Logger;
}): Promise<Subscription> {
  return deps.bus.subscribe(
    RESOURCE_EVENT_BINDINGS,
    async (delivery) => {
      const message = parseResourceEventMessage(delivery.name, delivery.body);
      if (!message) {
        deps.logger.warn({ message: delivery.name, id: delivery.id }, 'invalid event message ignored');
        return;
      }
      await deps.sink.dispatch(message);
    },
    { onGap: () => deps.sink.reset() },
  );
}
