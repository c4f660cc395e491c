import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pendingEventStats } from '@ledgerbase/core';
import { type Config, createLogger, createRedis, loadConfig } from '@ledgerbase/platform';
import { buildWorkerContainer, type WorkerContainer } from '@ledgerbase/worker';
import amqp from 'amqplib';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/database.ts';
import { startTcpProxy, type TcpProxy } from '../../../test/tcp-proxy.ts';
import {
  eventually,
  FAST_WORKER,
  followEvents,
  httpJson,
  type LiveApp,
  openEventStream,
  type Receiver,
  startLiveApp,
  startReceiver,
} from './events-helpers.ts';
import { registerAndLogin, type Session } from './helpers.ts';

const amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const redisUrl = process.env.REDIS_URL;

/** Names of this run on the shared broker and Redis, removed afterwards. */
function namespace() {
  const id = `${process.pid}_${randomBytes(4).toString('hex')}`;
  return { amqpPrefix: `lbtest.${id}`, redisPrefix: `lbtest:${id}:` };
}

async function cleanUp(ns: ReturnType<typeof namespace>): Promise<void> {
  const connection = await amqp.connect(amqpUrl);
  const channel = await connection.createChannel();
  for (const queue of [`${ns.amqpPrefix}.webhooks`, `${ns.amqpPrefix}.dead-letter`])
    await channel.deleteQueue(queue);
  for (const exchange of [`${ns.amqpPrefix}.events`, `${ns.amqpPrefix}.dead-letter`]) {
    await channel.deleteExchange(exchange);
  }
  await connection.close();
  if (redisUrl) {
    const redis = createRedis(redisUrl, createLogger('silent'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const keys = await redis.keys(`${ns.redisPrefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
}

function workerConfig(env: Record<string, string>, dataDir: string): Config {
  return loadConfig({ ...env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', WEBHOOK_ALLOW_PRIVATE: 'true' });
}

describe('two API instances and a separate worker on RabbitMQ', () => {
  const ns = namespace();
  const env: Record<string, string> = {
    AMQP_URL: amqpUrl,
    AMQP_PREFIX: ns.amqpPrefix,
    ...(redisUrl && { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: ns.redisPrefix }),
  };
  let database: TestDatabase;
  let dataDir: string;
  let a: LiveApp;
  let b: LiveApp;
  let worker: WorkerContainer;
  let user: Session;
  let receiver: Receiver;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(path.join(tmpdir(), 'lb-cluster-'));
    // Same database, keys and broker; neither API instance runs a worker (WORKER=external).
    a = await startLiveApp({ env, database, dataDir, worker: false, ownPool: true });
    b = await startLiveApp({ env, database, dataDir, worker: false, ownPool: true });
    worker = await buildWorkerContainer(workerConfig(env, dataDir), {
      database: { ...database.handle, close: async () => {} },
      worker: FAST_WORKER,
    });
    await worker.start();
    user = await registerAndLogin(a.app);
    receiver = await startReceiver();
  });

  afterAll(async () => {
    await receiver?.close();
    await a?.close();
    await b?.close();
    await worker?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    await cleanUp(ns);
  });

  it('reports RabbitMQ (and Redis when set) in /readyz', async () => {
    const ready = await httpJson(a.baseUrl, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.queue).toEqual({ status: 'ok', mode: 'amqp' });
    if (redisUrl) expect(ready.body.checks.cache.mode).toBe('redis');
  });

  it('an SSE client on instance A receives, in order, the changes made through instance B', async () => {
    const stream = await openEventStream(a.baseUrl, user.token);
    const created = await httpJson(b.baseUrl, 'POST', '/api/v1/resources', user.token, { name: 'via b' });
    expect(created.status).toBe(201);
    const id = created.body.id;
    for (let i = 2; i <= 5; i++) {
      expect(
        (await httpJson(b.baseUrl, 'PUT', `/api/v1/resources/${id}`, user.token, { name: `via b ${i}` }))
          .status,
      ).toBe(200);
    }
    const events = await stream.waitForEvents(5);
    stream.close();
    expect(events.map((e) => [e.data.resourceId, e.data.version])).toEqual(
      [1, 2, 3, 4, 5].map((v) => [id, v]),
    );
    expect(events[0]!.event).toBe('resource.created');
  });

  it('a read on A right after a write on B returns the new version', async () => {
    const created = await httpJson(b.baseUrl, 'POST', '/api/v1/resources', user.token, { name: 'fresh' });
    const id = created.body.id;
    for (let version = 2; version <= 21; version++) {
      // Warm A's read path (and the shared cache) with the current version first.
      expect((await httpJson(a.baseUrl, 'GET', `/api/v1/resources/${id}`, user.token)).body.version).toBe(
        version - 1,
      );
      const written = await httpJson(b.baseUrl, 'PUT', `/api/v1/resources/${id}`, user.token, {
        name: `v${version}`,
      });
      expect(written.status).toBe(200);
      const read = await httpJson(a.baseUrl, 'GET', `/api/v1/resources/${id}`, user.token);
      expect(read.body).toMatchObject({ version, name: `v${version}` });
      expect(read.headers.get('etag')).toBe(`"${version}"`);
    }
    expect((await httpJson(b.baseUrl, 'DELETE', `/api/v1/resources/${id}`, user.token)).status).toBe(204);
    expect((await httpJson(a.baseUrl, 'GET', `/api/v1/resources/${id}`, user.token)).status).toBe(404);
  });

  it('the separate worker delivers webhooks for writes on either instance', async () => {
    const hook = await httpJson(a.baseUrl, 'POST', '/api/v1/webhooks', user.token, {
      url: receiver.url,
      events: ['resource.created'],
    });
    expect(hook.status).toBe(201);
    await httpJson(a.baseUrl, 'POST', '/api/v1/resources', user.token, { name: 'hook a' });
    await httpJson(b.baseUrl, 'POST', '/api/v1/resources', user.token, { name: 'hook b' });
    const requests = await receiver.waitFor(2);
    const names = requests.map((r) => {
      const body = new StandardWebhook(hook.body.secret).verify(
        r.body,
        r.headers as Record<string, string>,
      ) as {
        data: { resource: { name: string } };
      };
      return body.data.resource.name;
    });
    expect(names.sort()).toEqual(['hook a', 'hook b']);
  });
});

describe('RabbitMQ outage', () => {
  const ns = namespace();
  let proxy: TcpProxy;
  let live: LiveApp;
  let receiver: Receiver;

  beforeAll(async () => {
    proxy = await startTcpProxy(Number(new URL(amqpUrl).port || 5672), new URL(amqpUrl).hostname);
    const viaProxy = new URL(amqpUrl);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    live = await startLiveApp({ env: { AMQP_URL: viaProxy.toString(), AMQP_PREFIX: ns.amqpPrefix } });
    receiver = await startReceiver();
  });

  afterAll(async () => {
    await receiver?.close();
    await live?.close();
    await proxy?.stop();
    await cleanUp(ns);
  });

  it('keeps accepting writes while the broker is down and delivers every event once it is back', async () => {
    const user = await registerAndLogin(live.app);
    const hook = await httpJson(live.baseUrl, 'POST', '/api/v1/webhooks', user.token, {
      url: receiver.url,
      events: ['resource.created'],
    });
    expect(hook.status).toBe(201);
    const feed = followEvents(live.baseUrl, user.token);
    await httpJson(live.baseUrl, 'POST', '/api/v1/resources', user.token, { name: 'before' });
    await receiver.waitFor(1);

    await proxy.stop();
    await eventually(async () => {
      const ready = await httpJson(live.baseUrl, 'GET', '/readyz');
      return (
        ready.status === 200 &&
        ready.body.checks.queue.status === 'degraded' &&
        ready.body.status === 'degraded'
      );
    });
    const names = Array.from({ length: 10 }, (_, i) => `during ${i}`);
    for (const name of names) {
      expect((await httpJson(live.baseUrl, 'POST', '/api/v1/resources', user.token, { name })).status).toBe(
        201,
      );
    }
    const backlog = await pendingEventStats(live.container.database.db);
    expect(backlog.count).toBe(10);
    expect(receiver.requests).toHaveLength(1);

    await proxy.start();
    await eventually(
      async () => (await httpJson(live.baseUrl, 'GET', '/readyz')).body.checks.queue.status === 'ok',
      20_000,
    );
    const delivered = await receiver.waitFor(11, 20_000);
    const got = delivered.map((r) => JSON.parse(r.body).data.resource.name);
    expect(got.slice(1).sort()).toEqual([...names].sort());
    await feed.waitFor((events) => names.every((name) => events.some((e) => e.data.resource.name === name)));
    await feed.stop();
    expect((await pendingEventStats(live.container.database.db)).count).toBe(0);
  });
});
