/**
 * The message bus: RabbitMQ when AMQP_URL is set, in-process otherwise, one interface for both
 * (ARCHITECTURE.md "Choices"). Messages are JSON, named dotted and versioned (`resource.updated.v1`);
 * the name is the routing key on a topic exchange.
 */
export type BusMessage = Readonly<{
  /** Versioned name, also the routing key: `resource.updated.v1`. */
  name: string;
  /** Unique id (AMQP `message-id`): consumers deduplicate on it. */
  id: string;
  body: unknown;
}>;

export type Delivery = BusMessage & { redelivered: boolean };

export type Handler = (delivery: Delivery) => Promise<void>;

/**
 * Thrown (or wrapped as `cause`) by a handler that can never process a message: it goes to the
 * dead-letter queue instead of being retried. Any other error means "retry later".
 */
export class PoisonMessageError extends Error {
  override readonly name = 'PoisonMessageError';
}

export class BusUnavailableError extends Error {
  override readonly name = 'BusUnavailableError';
}

/** A durable, shared work queue: every message reaches one consumer among all processes. */
export type QueueSpec = Readonly<{ name: string; bindings: readonly string[] }>;

export type ConsumeOptions = {
  /** Messages in flight per consumer (AMQP prefetch). */
  prefetch?: number;
};

export type SubscribeOptions = {
  /**
   * Called when the subscription may have missed messages (broker connection lost and regained):
   * the caller catches up from its own source of truth.
   */
  onGap?: () => void;
};

export interface Subscription {
  /** Stops taking messages and waits for the ones in hand; unacknowledged ones go back to the queue. */
  cancel(): Promise<void>;
}

export interface Bus {
  readonly kind: 'amqp' | 'memory';
  /**
   * Resolves once every message is safe: confirmed by the broker (persistent, publisher confirms),
   * or in-process once the durable queues' consumers have handled it. Rejects otherwise.
   */
  publish(messages: readonly BusMessage[]): Promise<void>;
  /** Competing consumer on a durable queue of the topology. */
  consume(queue: string, handler: Handler, options?: ConsumeOptions): Promise<Subscription>;
  /**
   * Every process gets every matching message, handled one at a time in publish order (realtime
   * fan-out: an exclusive auto-delete queue per process on RabbitMQ).
   */
  subscribe(bindings: readonly string[], handler: Handler, options?: SubscribeOptions): Promise<Subscription>;
  isConnected(): boolean;
  close(): Promise<void>;
}

export const isPoison = (error: unknown): boolean =>
  error instanceof PoisonMessageError ||
  (error instanceof Error && error.cause instanceof PoisonMessageError);

/** AMQP topic matching: `*` is exactly one word, `#` zero or more. */
export function topicMatches(pattern: string, key: string): boolean {
  const match = (p: string[], k: string[]): boolean => {
    if (p.length === 0) return k.length === 0;
    const [head, ...rest] = p;
    if (head === '#') return match(rest, k) || (k.length > 0 && match(p, k.slice(1)));
    if (k.length === 0) return false;
    return (head === '*' || head === k[0]) && match(rest, k.slice(1));
  };
  return match(pattern.split('.'), key.split('.'));
}
