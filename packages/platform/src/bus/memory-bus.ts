import type { Logger } from '../logger.ts';
import {
  type Bus,
  BusUnavailableError,
  type Delivery,
  type Handler,
  isPoison,
  type QueueSpec,
  type Subscription,
  topicMatches,
} from './bus.ts';

type Item = { delivery: Delivery; settle: () => void };
type Consumer = { handler: Handler; prefetch: number; inFlight: number; active: boolean; idle: () => void };
type Queue = { spec: QueueSpec; items: Item[]; consumers: Consumer[] };
type Subscriber = {
  bindings: readonly string[];
  handler: Handler;
  items: Delivery[];
  running?: Promise<void>;
};

export type MemoryBus = Bus & {
  /** Messages a consumer rejected as poison (the in-process dead-letter queue). */
  deadLetters(): readonly Delivery[];
};

/**
 * The bus of the single-process (embedded) mode: the same messages to the same consumers as
 * RabbitMQ, without a broker. A publish is "confirmed" once the durable queues' consumers have
 * handled the message, so the relay marks an event published only when its work is done and a crash
 * before that republishes it (at least once, like the broker). Messages are copied through JSON, as
 * on the wire, so consumers never share objects with the publisher.
 */
export function createMemoryBus(options: {
  queues: readonly QueueSpec[];
  logger: Logger;
  retryDelayMs?: number;
}): MemoryBus {
  const { logger, retryDelayMs = 1000 } = options;
  const queues = new Map<string, Queue>(
    options.queues.map((spec) => [spec.name, { spec, items: [], consumers: [] }]),
  );
  const subscribers = new Set<Subscriber>();
  const dead: Delivery[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const later = (fn: () => void, ms: number) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!closed) fn();
    }, ms);
    timers.add(timer);
  };

  function pump(queue: Queue): void {
    for (const consumer of queue.consumers) {
      while (consumer.active && consumer.inFlight < consumer.prefetch && queue.items.length > 0) {
        const item = queue.items.shift()!;
        consumer.inFlight++;
        void run(queue, consumer, item);
      }
    }
  }

  async function run(queue: Queue, consumer: Consumer, item: Item): Promise<void> {
    try {
      await consumer.handler(item.delivery);
      item.settle();
    } catch (error) {
      if (isPoison(error)) {
        logger.error(
          { err: error, message: item.delivery.name, id: item.delivery.id },
          'message dead-lettered',
        );
        dead.push(item.delivery);
        item.settle();
      } else {
        logger.warn({ err: error, message: item.delivery.name }, 'message handling failed; retrying');
        later(() => {
          queue.items.push({ ...item, delivery: { ...item.delivery, redelivered: true } });
          pump(queue);
        }, retryDelayMs);
      }
    } finally {
      consumer.inFlight--;
      if (consumer.inFlight === 0) consumer.idle();
      setImmediate(() => pump(queue));
    }
  }

  /** One message at a time per subscriber, in publish order. */
  function drain(subscriber: Subscriber): Promise<void> {
    if (subscriber.running) return subscriber.running;
    const run = async () => {
      while (subscriber.items.length > 0 && subscribers.has(subscriber)) {
        const delivery = subscriber.items.shift()!;
        try {
          await subscriber.handler(delivery);
        } catch (error) {
          logger.warn({ err: error, message: delivery.name }, 'subscriber failed on a message');
        }
      }
    };
    subscriber.running = run().finally(() => {
      subscriber.running = undefined;
      // Published between the loop's last check and now.
      if (subscriber.items.length > 0 && subscribers.has(subscriber)) void drain(subscriber);
    });
    return subscriber.running;
  }

  const copy = (message: { name: string; id: string; body: unknown }): Delivery => ({
    name: message.name,
    id: message.id,
    body: JSON.parse(JSON.stringify(message.body)),
    redelivered: false,
  });

  return {
    kind: 'memory',
    async publish(messages) {
      if (closed) throw new BusUnavailableError('the bus is closed');
      const settled: Promise<void>[] = [];
      for (const message of messages) {
        for (const queue of queues.values()) {
          if (!queue.spec.bindings.some((binding) => topicMatches(binding, message.name))) continue;
          settled.push(new Promise((settle) => queue.items.push({ delivery: copy(message), settle })));
        }
        for (const subscriber of subscribers) {
          if (!subscriber.bindings.some((binding) => topicMatches(binding, message.name))) continue;
          subscriber.items.push(copy(message));
        }
      }
      // Consumers run on a later turn, never inside the publisher's stack.
      setImmediate(() => {
        for (const queue of queues.values()) pump(queue);
        for (const subscriber of subscribers) void drain(subscriber);
      });
      await Promise.all(settled);
    },

    async consume(name, handler, { prefetch = 10 } = {}) {
      const queue = queues.get(name);
      if (!queue) throw new Error(`unknown queue ${name}`);
      let idle = () => {};
      const consumer: Consumer = { handler, prefetch, inFlight: 0, active: true, idle: () => idle() };
      queue.consumers.push(consumer);
      setImmediate(() => pump(queue));
      return {
        async cancel() {
          consumer.active = false;
          queue.consumers = queue.consumers.filter((c) => c !== consumer);
          if (consumer.inFlight > 0) await new Promise<void>((resolve) => (idle = resolve));
        },
      } satisfies Subscription;
    },

    async subscribe(bindings, handler) {
      const subscriber: Subscriber = { bindings, handler, items: [] };
      subscribers.add(subscriber);
      return {
        async cancel() {
          subscribers.delete(subscriber);
          await subscriber.running;
        },
      };
    },

    isConnected: () => !closed,
    deadLetters: () => dead,

    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      subscribers.clear();
    },
  };
}
