import { describe, expect, it } from 'vitest';
import { type Delivery, PoisonMessageError, topicMatches } from '../src/bus/bus.ts';
import { createMemoryBus } from '../src/bus/memory-bus.ts';
import { createLogger } from '../src/logger.ts';

const logger = createLogger('silent');
const queues = [{ name: 'work', bindings: ['resource.*.v1'] }];
const message = (n: number, name = 'resource.updated.v1') => ({ name, id: `m${n}`, body: { n } });

describe('topic matching (AMQP semantics)', () => {
  it('treats * as one word and # as zero or more', () => {
    expect(topicMatches('resource.*.v1', 'resource.updated.v1')).toBe(true);
    expect(topicMatches('resource.*.v1', 'resource.updated.v2')).toBe(false);
    expect(topicMatches('resource.*', 'resource.updated.v1')).toBe(false);
    expect(topicMatches('resource.#', 'resource.updated.v1')).toBe(true);
    expect(topicMatches('#', 'anything.at.all')).toBe(true);
    expect(topicMatches('resource.#.v1', 'resource.v1')).toBe(true);
  });
});

describe('in-process bus', () => {
  it('confirms a publish only once the durable queue consumer has handled it', async () => {
    const bus = createMemoryBus({ queues, logger });
    const handled: unknown[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    await bus.consume('work', async (delivery) => {
      await gate;
      handled.push(delivery.body);
    });
    let confirmed = false;
    const publish = bus.publish([message(1)]).then(() => (confirmed = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(confirmed).toBe(false);
    release();
    await publish;
    expect(handled).toEqual([{ n: 1 }]);
    await bus.close();
  });

  it('keeps messages for a durable queue until a consumer comes, and copies them', async () => {
    const bus = createMemoryBus({ queues, logger });
    const body = { n: 1 };
    const publish = bus.publish([{ name: 'resource.created.v1', id: 'x', body }]);
    body.n = 2; // the publisher's object is not what consumers get
    const seen: Delivery[] = [];
    await bus.consume('work', async (delivery) => {
      seen.push(delivery);
    });
    await publish;
    expect(seen.map((d) => d.body)).toEqual([{ n: 1 }]);
    await bus.close();
  });

  it('dead-letters poison and retries other failures with redelivered set', async () => {
    const bus = createMemoryBus({ queues, logger, retryDelayMs: 5 });
    const attempts: Delivery[] = [];
    await bus.consume('work', async (delivery) => {
      attempts.push(delivery);
      if ((delivery.body as { n: number }).n === 1) throw new PoisonMessageError('bad');
      if (attempts.filter((a) => a.id === delivery.id).length < 3) throw new Error('transient');
    });
    await bus.publish([message(1), message(2)]);
    expect(bus.deadLetters().map((d) => d.id)).toEqual(['m1']);
    const second = attempts.filter((a) => a.id === 'm2');
    expect(second.map((a) => a.redelivered)).toEqual([false, true, true]);
    await bus.close();
  });

  it('hands subscribers every matching message one at a time, in publish order', async () => {
    const bus = createMemoryBus({ queues: [], logger });
    const order: number[] = [];
    let active = 0;
    let overlap = false;
    await bus.subscribe(['resource.*.v1'], async (delivery) => {
      active++;
      if (active > 1) overlap = true;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      order.push((delivery.body as { n: number }).n);
      active--;
    });
    const others: number[] = [];
    await bus.subscribe(['resource.created.v1'], async (delivery) => {
      others.push((delivery.body as { n: number }).n);
    });
    for (let i = 0; i < 20; i++)
      await bus.publish([message(i, i % 2 ? 'resource.created.v1' : 'resource.updated.v1')]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(order).toEqual([...Array(20).keys()]);
    expect(overlap).toBe(false);
    expect(others).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19]);
    await bus.close();
  });

  it('keeps delivering to a subscriber after it went idle', async () => {
    const bus = createMemoryBus({ queues: [], logger });
    const got: string[] = [];
    await bus.subscribe(['resource.*.v1'], async (delivery) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      got.push(delivery.id);
    });
    void bus.publish([message(1)]);
    void bus.publish([message(2)]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await bus.publish([message(3)]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(got).toEqual(['m1', 'm2', 'm3']);
    await bus.close();
  });

  it('cancel waits for the message in hand and leaves the rest queued', async () => {
    const bus = createMemoryBus({ queues, logger });
    const done: string[] = [];
    const sub = await bus.consume(
      'work',
      async (delivery) => {
        await new Promise((resolve) => setTimeout(resolve, 30));
        done.push(delivery.id);
      },
      { prefetch: 1 },
    );
    const publish = bus.publish([message(1), message(2), message(3)]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    await sub.cancel();
    expect(done).toEqual(['m1']);
    await bus.consume('work', async (delivery) => {
      done.push(delivery.id);
    });
    await publish;
    expect(done).toEqual(['m1', 'm2', 'm3']);
    await bus.close();
  });
});
