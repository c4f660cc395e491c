import {
  type AmqpBus,
  type Bus,
  type Config,
  createAmqpBus,
  createMemoryBus,
  type Logger,
  type QueueSpec,
} from '@ledgerbase/platform';

/** Every resource event message, whatever its version: `resource.updated.v1`, ... */
export const RESOURCE_EVENT_BINDINGS = ['resource.*.v1'] as const;

/** Durable work queues: every message reaches one worker among all (competing consumers). */
export const EVENT_QUEUES: readonly QueueSpec[] = [{ name: 'webhooks', bindings: RESOURCE_EVENT_BINDINGS }];

/** RabbitMQ when AMQP_URL is set, else the in-process bus; never blocks start-up on the broker. */
export async function createEventBus(config: Config, logger: Logger): Promise<Bus> {
  if (!config.amqpUrl) return createMemoryBus({ queues: EVENT_QUEUES, logger });
  const bus: AmqpBus = createAmqpBus({
    url: config.amqpUrl,
    prefix: config.amqpPrefix,
    queues: EVENT_QUEUES,
    logger,
  });
  if (!(await bus.ready(3000))) logger.warn('RabbitMQ is not reachable yet: events wait in the outbox');
  return bus;
}
