import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import type { Logger } from '../logger.ts';
import {
  type Bus,
  BusUnavailableError,
  type Delivery,
  type Handler,
  isPoison,
  PoisonMessageError,
  type QueueSpec,
  type Subscription,
} from './bus.ts';

export type AmqpBusOptions = {
  url: string;
  /** Prefixes every exchange and queue name: deployments and test runs can share one broker. */
  prefix: string;
  /** Durable work queues, declared by every process on connect so no message finds no queue. */
  queues: readonly QueueSpec[];
  logger: Logger;
  /** Delay before a failed (not poison) message goes back to its queue. */
  retryDelayMs?: number;
  confirmTimeoutMs?: number;
};

export type AmqpBus = Bus & {
  /** Waits for the first connection; `false` after the timeout (the bus keeps trying). */
  ready(timeoutMs?: number): Promise<boolean>;
  readonly names: Readonly<{ exchange: string; deadLetterExchange: string; deadLetterQueue: string }> & {
    queue(name: string): string;
  };
};

/** One consumer, re-established on every (re)connection. */
type Worker = {
  start(connection: ChannelModel): Promise<void>;
  /** Connection lost: its channel is gone, its unacknowledged messages are back in the queue. */
  lost(): void;
  stop(): Promise<void>;
  onGap?: (() => void) | undefined;
};

const withTimeout = <T>(promise: Promise<T>, ms: number, message: string): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new BusUnavailableError(message)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });

function decode(message: ConsumeMessage): Delivery {
  const name = message.properties.type ?? message.fields.routingKey;
  const id = message.properties.messageId;
  if (typeof name !== 'string' || typeof id !== 'string') {
    throw new PoisonMessageError('message without type or message-id');
  }
  try {
    return {
      name,
      id,
      body: JSON.parse(message.content.toString('utf8')),
      redelivered: message.fields.redelivered,
    };
  } catch {
    throw new PoisonMessageError('message body is not JSON');
  }
}

/**
 * RabbitMQ (seed section 2): a durable topic exchange, persistent messages, publisher confirms,
 * manual acks with prefetch, and a dead-letter exchange and queue for poison messages. The
 * connection recovers on its own; while it is down `publish` fails fast (the outbox keeps the
 * events) and consumers resume when it is back.
 */
export function createAmqpBus(options: AmqpBusOptions): AmqpBus {
  const { url, prefix, logger, retryDelayMs = 1000, confirmTimeoutMs = 10_000 } = options;
  const names = {
    exchange: `${prefix}.events`,
    deadLetterExchange: `${prefix}.dead-letter`,
    deadLetterQueue: `${prefix}.dead-letter`,
    queue: (name: string) => `${prefix}.${name}`,
  };
  let connection: ChannelModel | undefined;
  let publisher: ConfirmChannel | undefined;
  let closing = false;
  let everConnected = false;
  let attempt = 0;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let waiters: Array<() => void> = [];
  const workers = new Set<Worker>();

  async function declareTopology(channel: Channel): Promise<void> {
    await channel.assertExchange(names.exchange, 'topic', { durable: true });
    await channel.assertExchange(names.deadLetterExchange, 'fanout', { durable: true });
    await channel.assertQueue(names.deadLetterQueue, { durable: true });
    await channel.bindQueue(names.deadLetterQueue, names.deadLetterExchange, '');
    for (const spec of options.queues) {
      const queue = names.queue(spec.name);
      await channel.assertQueue(queue, {
        durable: true,
        arguments: { 'x-dead-letter-exchange': names.deadLetterExchange },
      });
      for (const binding of spec.bindings) await channel.bindQueue(queue, names.exchange, binding);
    }
  }

  function scheduleReconnect(): void {
    if (closing || reconnectTimer) return;
    const delay = Math.min(5000, 200 * 2 ** attempt++) * (0.8 + Math.random() * 0.4);
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      void connect();
    }, delay);
  }

  function onLost(lost: ChannelModel, error?: unknown): void {
    if (connection !== lost) return;
    connection = undefined;
    publisher = undefined;
    logger.warn({ err: error ? String(error) : undefined }, 'RabbitMQ connection lost; reconnecting');
    for (const worker of workers) {
      worker.lost();
      worker.onGap?.();
    }
    scheduleReconnect();
  }

  async function connect(): Promise<void> {
    if (closing || connection) return;
    let candidate: ChannelModel | undefined;
    try {
      candidate = await amqp.connect(url, { timeout: 5000, clientProperties: { connection_name: prefix } });
      const model = candidate;
      model.on('error', () => {}); // 'close' follows with the reason
      model.on('close', (error?: Error) => onLost(model, error));
      const channel = await model.createConfirmChannel();
      channel.on('error', () => {});
      // A publisher channel closed by the broker (not by us) leaves nothing to publish on: start over.
      channel.on('close', () => {
        if (publisher === channel && !closing) void model.close().catch(() => {});
      });
      await declareTopology(channel);
      connection = model;
      publisher = channel;
      attempt = 0;
      for (const worker of workers) {
        try {
          await worker.start(model);
        } catch (error) {
          // Closing makes onLost schedule a clean reconnection of everything.
          logger.warn({ err: String(error) }, 'RabbitMQ consumer could not start; reconnecting');
          await model.close().catch(() => {});
          return;
        }
      }
      if (everConnected) {
        logger.info('RabbitMQ connection restored');
        for (const worker of workers) worker.onGap?.();
      } else logger.info('RabbitMQ connected');
      everConnected = true;
      for (const wake of waiters) wake();
      waiters = [];
    } catch (error) {
      if (candidate && connection !== candidate) await candidate.close().catch(() => {});
      logger.warn({ err: String(error) }, 'RabbitMQ unavailable; retrying');
      scheduleReconnect();
    }
  }

  /** Consumes `queue` with manual acks: ack on success, dead-letter poison, requeue the rest later. */
  function addWorker(
    declare: (channel: Channel) => Promise<string>,
    handler: Handler,
    prefetch: number,
    serial: boolean,
    onGap?: () => void,
  ): Worker {
    let channel: Channel | undefined;
    let tag: string | undefined;
    let inFlight = 0;
    let stopped = false;
    let idle: (() => void) | undefined;
    let chain = Promise.resolve();
    let startedOn: ChannelModel | undefined;

    const settle = (target: Channel, action: () => void) => {
      // The channel may be gone by now; the broker then redelivers the message, which is fine.
      if (target === channel) {
        try {
          action();
        } catch {}
      }
    };

    async function handle(target: Channel, message: ConsumeMessage): Promise<void> {
      try {
        await handler(decode(message));
        settle(target, () => target.ack(message));
      } catch (error) {
        if (isPoison(error)) {
          logger.error({ err: error, routingKey: message.fields.routingKey }, 'message dead-lettered');
          settle(target, () => target.nack(message, false, false));
        } else {
          logger.warn({ err: error, routingKey: message.fields.routingKey }, 'message failed; requeueing');
          await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
          settle(target, () => target.nack(message, false, true));
        }
      }
    }

    const worker: Worker = {
      onGap,
      async start(model) {
        if (stopped || startedOn === model) return;
        startedOn = model;
        const target = await model.createChannel();
        target.on('error', () => {});
        await target.prefetch(prefetch);
        const queue = await declare(target);
        channel = target;
        const reply = await target.consume(queue, (message) => {
          if (!message) return; // cancelled by the broker (queue deleted); reconnection restores it
          inFlight++;
          const run = () =>
            handle(target, message).finally(() => {
              inFlight--;
              if (inFlight === 0) idle?.();
            });
          if (serial) chain = chain.then(run);
          else void run();
        });
        tag = reply.consumerTag;
      },
      lost() {
        startedOn = undefined;
        channel = undefined;
        tag = undefined;
      },
      async stop() {
        stopped = true;
        workers.delete(worker);
        const target = channel;
        if (target && tag) await target.cancel(tag).catch(() => {});
        if (inFlight > 0) await new Promise<void>((resolve) => (idle = resolve));
        channel = undefined;
        // Closing the channel returns any prefetched, unacknowledged message to its queue.
        await target?.close().catch(() => {});
      },
    };
    workers.add(worker);
    return worker;
  }

  /** Starts a new consumer now when connected, so messages published after this resolves reach it. */
  async function begin(worker: Worker): Promise<Subscription> {
    if (connection) {
      await worker.start(connection).catch((error) => {
        logger.warn({ err: String(error) }, 'consumer start failed; retrying on reconnect');
      });
    }
    return { cancel: () => worker.stop() };
  }

  void connect();

  return {
    kind: 'amqp',
    names,

    async publish(messages) {
      const channel = publisher;
      if (!channel) throw new BusUnavailableError('RabbitMQ is unreachable');
      for (const message of messages) {
        const written = channel.publish(
          names.exchange,
          message.name,
          Buffer.from(JSON.stringify(message.body)),
          {
            persistent: true,
            contentType: 'application/json',
            messageId: message.id,
            type: message.name,
            timestamp: Math.floor(Date.now() / 1000),
          },
        );
        if (!written)
          await withTimeout(
            new Promise((resolve) => channel.once('drain', resolve)),
            confirmTimeoutMs,
            'RabbitMQ is not draining',
          );
      }
      await withTimeout(channel.waitForConfirms(), confirmTimeoutMs, 'RabbitMQ did not confirm in time');
    },

    async consume(name, handler, { prefetch = 10 } = {}) {
      if (!options.queues.some((spec) => spec.name === name)) throw new Error(`unknown queue ${name}`);
      return begin(addWorker(async () => names.queue(name), handler, prefetch, false));
    },

    async subscribe(bindings, handler, { onGap } = {}) {
      // Exclusive and auto-deleted: one queue per process, gone with its connection.
      const declare = async (channel: Channel) => {
        const { queue } = await channel.assertQueue('', {
          exclusive: true,
          autoDelete: true,
          durable: false,
        });
        for (const binding of bindings) await channel.bindQueue(queue, names.exchange, binding);
        return queue;
      };
      return begin(addWorker(declare, handler, 200, true, onGap));
    },

    isConnected: () => publisher !== undefined,

    ready(timeoutMs = 3000) {
      if (publisher) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        waiters.push(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    },

    async close() {
      closing = true;
      clearTimeout(reconnectTimer);
      for (const worker of [...workers]) await worker.stop();
      const model = connection;
      connection = undefined;
      publisher = undefined;
      await model?.close().catch(() => {});
    },
  };
}
