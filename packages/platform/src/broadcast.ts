import type { Redis } from 'ioredis';
import type { Logger } from './logger.ts';

/**
 * Fire-and-forget messages to every API instance (credential invalidations). On Redis pub/sub when
 * configured; in-process otherwise. Delivery is best effort by design: caches that rely on it also
 * expire on their own, so a lost message costs seconds of staleness, never correctness forever.
 */
export interface Broadcast {
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, handler: (message: string) => void): void;
  close(): Promise<void>;
}

export function createLocalBroadcast(): Broadcast {
  const handlers = new Map<string, Array<(message: string) => void>>();
  return {
    async publish(channel, message) {
      for (const handler of handlers.get(channel) ?? []) handler(message);
    },
    subscribe(channel, handler) {
      handlers.set(channel, [...(handlers.get(channel) ?? []), handler]);
    },
    async close() {
      handlers.clear();
    },
  };
}

export function createRedisBroadcast(publisher: Redis, prefix: string, logger: Logger): Broadcast {
  // A subscribed connection can do nothing else, hence a second one.
  const subscriber = publisher.duplicate();
  subscriber.on('error', () => {});
  const local = createLocalBroadcast();
  // The connection has no offline queue (fail fast), so a SUBSCRIBE sent before it is ready is
  // dropped: subscribe whenever it becomes ready (again), not only when `subscribe` is called.
  const channels = new Set<string>();
  subscriber.on('ready', () => {
    if (channels.size > 0) subscriber.subscribe(...channels).catch(() => {});
  });
  subscriber.on('message', (channel: string, message: string) => {
    void local.publish(channel.slice(prefix.length), message);
  });
  return {
    async publish(channel, message) {
      // Deliver locally first: this instance must never wait on Redis to see its own change.
      await local.publish(channel, message);
      try {
        await publisher.publish(`${prefix}${channel}`, message);
      } catch (error) {
        logger.warn({ err: String(error), channel }, 'broadcast not delivered to other instances');
      }
    },
    subscribe(channel, handler) {
      local.subscribe(channel, handler);
      channels.add(`${prefix}${channel}`);
      if (subscriber.status === 'ready') subscriber.subscribe(`${prefix}${channel}`).catch(() => {});
    },
    async close() {
      subscriber.disconnect();
      await local.close();
    },
  };
}
