import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@ledgerbase/platform';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/database.ts';
import {
  eventually,
  FAST_WORKER,
  type LiveApp,
  type Receiver,
  startLiveApp,
  startReceiver,
  testClock,
} from '../../api/test/events-helpers.ts';
import { as, createResource, registerAndLogin, type Session } from '../../api/test/helpers.ts';
import { buildWorkerContainer } from '../src/container.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

type Running = { child: ChildProcess; output: () => string; exited: Promise<number | null> };

// A separate worker process needs PostgreSQL (PGlite lives inside one process): hence *.postgres.*.
describe('the worker as its own process', () => {
  const prefix = `lbtest.${process.pid}_${randomBytes(4).toString('hex')}`;
  let database: TestDatabase;
  let dataDir: string;
  let api: LiveApp;
  let receiver: Receiver;
  let user: Session;
  const env = () => ({
    AMQP_URL: amqpUrl,
    AMQP_PREFIX: prefix,
    DATABASE_URL: database.url!,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    WEBHOOK_ALLOW_PRIVATE: 'true',
  });

  function startWorkerProcess(): Promise<Running> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'apps/worker/src/main.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH, ...env() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return eventually(async () => output.includes('worker started'), 20_000).then(() => ({
      child,
      output: () => output,
      exited,
    }));
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(path.join(tmpdir(), 'lb-worker-'));
    const { DATABASE_URL: _ignored, LOG_LEVEL: _level, ...apiEnv } = env();
    api = await startLiveApp({ env: apiEnv, database, dataDir, worker: false, ownPool: true });
    user = await registerAndLogin(api.app);
    receiver = await startReceiver();
    const hook = await as(
      api.app,
      user,
    )({
      method: 'POST',
      url: '/api/v1/webhooks',
      payload: { url: receiver.url, events: ['resource.created'] },
    });
    expect(hook.statusCode).toBe(201);
  });

  afterAll(async () => {
    await receiver?.close();
    await api?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    const connection = await amqp.connect(amqpUrl);
    const channel = await connection.createChannel();
    for (const queue of [`${prefix}.webhooks`, `${prefix}.dead-letter`]) await channel.deleteQueue(queue);
    for (const exchange of [`${prefix}.events`, `${prefix}.dead-letter`])
      await channel.deleteExchange(exchange);
    await connection.close();
  });

  it('delivers, then drains and exits 0 on SIGTERM', async () => {
    const worker = await startWorkerProcess();
    receiver.requests.length = 0;
    receiver.respond = () => 200;
    await createResource(as(api.app, user), { name: 'from the worker process' });
    await receiver.waitFor(1, 10_000);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(worker.output()).toContain('worker drained');
  });

  it('resumes a delivery after the worker is killed with -9 in the middle of it', async () => {
    const worker = await startWorkerProcess();
    receiver.requests.length = 0;
    receiver.respond = (n) => (n === 0 ? 'hang' : 200);
    await createResource(as(api.app, user), { name: 'interrupted' });
    const [first] = await receiver.waitFor(1, 10_000);
    worker.child.kill('SIGKILL');
    await worker.exited;

    // Another worker takes the delivery once the dead one's lease has run out (its clock moved on).
    const clock = testClock();
    clock.advance(5 * 60_000);
    const config = loadConfig({ ...env(), LOG_LEVEL: 'silent' });
    const successor = await buildWorkerContainer(config, { worker: FAST_WORKER, clock });
    await successor.start();
    try {
      const [, second] = await receiver.waitFor(2, 15_000);
      expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
      await eventually(async () => {
        const row = await api.container.database.db
          .selectFrom('webhook_deliveries')
          .select(['status', 'attempts'])
          .where('message_id', '=', String(first!.headers['webhook-id']))
          .executeTakeFirst();
        return row?.status === 'delivered' && row.attempts === 2;
      });
    } finally {
      await successor.close();
    }
  });

  it('exits at once on a second signal while a drain waits for a slow receiver', async () => {
    const worker = await startWorkerProcess();
    receiver.requests.length = 0;
    receiver.respond = () => 'hang';
    await createResource(as(api.app, user), { name: 'slow receiver' });
    await receiver.waitFor(1, 10_000);
    worker.child.kill('SIGTERM');
    await eventually(async () => worker.output().includes('worker draining'));
    const before = Date.now();
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(1);
    expect(Date.now() - before).toBeLessThan(3000);
  });
});
