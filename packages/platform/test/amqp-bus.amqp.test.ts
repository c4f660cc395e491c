import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import { afterAll, describe, expect, it } from 'vitest';
import { type AmqpBus, createAmqpBus } from '../src/bus/amqp-bus.ts';
import { type Delivery, PoisonMessageError } from '../src/bus/bus.ts';
import { createLogger } from '../src/logger.ts';

const url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const logger = createLogger('silent');
const prefix = `lbtest.${process.pid}.${randomBytes(4).toString('hex')}`;
const queues = [{ name: 'work', bindings: ['resource.*.v1'] }];

const waitFor = async (check: () => boolean, ms = 5000) => {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('RabbitMQ bus', () => {
  const buses: AmqpBus[] = [];
  const open = async () => {
    const bus = createAmqpBus({ url, prefix, queues, logger, retryDelayMs: 20 });
    buses.push(bus);
    expect(await bus.ready(5000)).toBe(true);
    return bus;
  };

  afterAll(async () => {
    for (const bus of buses) await bus.close();
    // Leave the broker as we found it: this run's exchanges and queues go.
    const connection = await amqp.connect(url);
    const channel = await connection.createChannel();
    const names = buses[0]!.names;
    for (const queue of [names.queue('work'), names.deadLetterQueue]) await channel.deleteQueue(queue);
    for (const exchange of [names.exchange, names.deadLetterExchange]) await channel.deleteExchange(exchange);
    await connection.close();
  });

  it('publishes persistent, confirmed messages that one consumer of the work queue receives', async () => {
    const bus = await open();
    const received: Delivery[] = [];
    const subscription = await bus.consume('work', async (delivery) => {
      received.push(delivery);
    });
    await bus.publish([
      { name: 'resource.created.v1', id: 'a', body: { n: 1 } },
      { name: 'resource.updated.v1', id: 'b', body: { n: 2 } },
      { name: 'other.thing.v1', id: 'c', body: { n: 3 } },
    ]);
    await waitFor(() => received.length === 2);
    expect(received.map((d) => [d.name, d.id, d.body])).toEqual([
      ['resource.created.v1', 'a', { n: 1 }],
      ['resource.updated.v1', 'b', { n: 2 }],
    ]);
    await subscription.cancel();
  });

  it('requeues failures (redelivered) and dead-letters poison to the DLQ', async () => {
    const bus = await open();
    const seen: Delivery[] = [];
    const subscription = await bus.consume('work', async (delivery) => {
      seen.push(delivery);
      if (delivery.id === 'poison') throw new PoisonMessageError('cannot ever work');
      if (seen.filter((d) => d.id === 'flaky').length < 2) throw new Error('try again');
    });
    await bus.publish([
      { name: 'resource.updated.v1', id: 'poison', body: {} },
      { name: 'resource.updated.v1', id: 'flaky', body: {} },
    ]);
    await waitFor(() => seen.filter((d) => d.id === 'flaky').length === 2);
    expect(seen.filter((d) => d.id === 'flaky').map((d) => d.redelivered)).toEqual([false, true]);
    await subscription.cancel();

    const connection = await amqp.connect(url);
    const channel = await connection.createChannel();
    let dead: amqp.GetMessage | false = false;
    for (let i = 0; i < 50 && !dead; i++) {
      dead = await channel.get(bus.names.deadLetterQueue, { noAck: true });
      if (!dead) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(dead ? dead.properties.messageId : undefined).toBe('poison');
    await connection.close();
  });

  it('broadcasts every message to every subscribed process, in order', async () => {
    const [one, two] = [await open(), await open()];
    const got: Record<string, number[]> = { one: [], two: [] };
    const subs = [
      await one.subscribe(['resource.*.v1'], async (d) => {
        got.one!.push((d.body as { n: number }).n);
      }),
      await two.subscribe(['resource.*.v1'], async (d) => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        got.two!.push((d.body as { n: number }).n);
      }),
    ];
    const worker = await one.consume('work', async () => {});
    const messages = Array.from({ length: 30 }, (_, n) => ({
      name: 'resource.updated.v1',
      id: `x${n}`,
      body: { n },
    }));
    await one.publish(messages);
    await waitFor(() => got.one!.length === 30 && got.two!.length === 30);
    expect(got.one).toEqual([...Array(30).keys()]);
    expect(got.two).toEqual([...Array(30).keys()]);
    for (const sub of [...subs, worker]) await sub.cancel();
  });

  it('fails fast while the broker is unreachable and reports it', async () => {
    const bus = createAmqpBus({ url: 'amqp://guest:guest@127.0.0.1:1', prefix, queues, logger });
    expect(await bus.ready(300)).toBe(false);
    expect(bus.isConnected()).toBe(false);
    await expect(bus.publish([{ name: 'resource.updated.v1', id: 'z', body: {} }])).rejects.toThrow(
      /unreachable/,
    );
    await bus.close();
  });
});
