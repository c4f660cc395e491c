import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import amqp from 'amqplib';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_DB_MODE, type TestDatabase } from '../../../test/database.ts';

const repoRoot = path.resolve(import.meta.dirname, '../../..');

type Server = { process: ChildProcess; url: string };

/** Starts the real server (`npm start`'s entry point) on a free port and waits for its URL. */
function startServer(env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/api/src/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_ENABLED: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Open (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ process: child, url: match[1]!.replace('localhost', '127.0.0.1') });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
}

async function json(url: string, init: RequestInit & { token?: string } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const response = await fetch(url, { ...init, headers });
  return { status: response.status, body: response.status === 204 ? null : await response.json() };
}

// The children inherit REDIS_URL and AMQP_URL when the runner has them: give them names of their own
// on those shared services, and remove what they leave.
const run = `lbtest_crash_${process.pid}_${randomBytes(4).toString('hex')}`;

async function removeServiceLeftovers(): Promise<void> {
  if (process.env.AMQP_URL) {
    const connection = await amqp.connect(process.env.AMQP_URL);
    const channel = await connection.createChannel();
    for (const queue of [`${run}.webhooks`, `${run}.dead-letter`]) await channel.deleteQueue(queue);
    for (const exchange of [`${run}.events`, `${run}.dead-letter`]) await channel.deleteExchange(exchange);
    await connection.close();
  }
  if (process.env.REDIS_URL) {
    const redis = new Redis(process.env.REDIS_URL);
    const keys = await redis.keys(`${run}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
}

describe('kill -9 during a write load', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'lb-crash-'));
  let database: TestDatabase | undefined;
  let server: Server | undefined;

  afterAll(async () => {
    server?.process.kill('SIGKILL');
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    await removeServiceLeftovers();
  });

  it('keeps every acknowledged write with its audit entry and no entry without its change', async () => {
    // Embedded unless this is the postgres project: the child must not inherit the runner's DATABASE_URL.
    const env: Record<string, string> = {
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      AMQP_PREFIX: run,
      REDIS_KEY_PREFIX: `${run}:`,
    };
    if (TEST_DB_MODE === 'postgres') {
      database = await createTestDatabase();
      env.DATABASE_URL = database.url!;
    }
    server = await startServer(env);
    const api = `${server.url}/api/v1`;
    const email = 'crash@example.com';
    await json(`${api}/auth/register`, {
      method: 'POST',
      body: JSON.stringify({ email, password: 'crash test password', name: 'Crash' }),
    });
    const login = await json(`${api}/auth/login`, {
      method: 'POST',
      body: JSON.stringify({ email, password: 'crash test password' }),
    });
    const token = login.body.accessToken as string;
    const created = await json(`${api}/resources`, {
      method: 'POST',
      token,
      body: JSON.stringify({ name: 'r' }),
    });
    const id = created.body.id as string;

    // Acknowledged work: resources created, and the highest version acknowledged for the shared one.
    const acknowledged = new Set<string>();
    let highestVersion = 1;
    let stop = false;
    const worker = async (n: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const post = await json(`${api}/resources`, {
            method: 'POST',
            token,
            body: JSON.stringify({ name: `w${n}-${i}`, metadata: { i } }),
          });
          if (post.status === 201) acknowledged.add(post.body.id);
          const put = await json(`${api}/resources/${id}`, {
            method: 'PUT',
            token,
            body: JSON.stringify({ name: `v${n}-${i}` }),
          });
          if (put.status === 200) highestVersion = Math.max(highestVersion, put.body.version);
        } catch {
          return; // the server is gone
        }
      }
    };
    const load = Promise.all([1, 2, 3, 4].map(worker));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    server.process.kill('SIGKILL');
    stop = true;
    await load;
    expect(acknowledged.size).toBeGreaterThan(5);

    server = await startServer(env);
    const restartedApi = `${server.url}/api/v1`;
    const relogin = await json(`${restartedApi}/auth/login`, {
      method: 'POST',
      body: JSON.stringify({ email, password: 'crash test password' }),
    });
    const token2 = relogin.body.accessToken as string;

    for (const resourceId of acknowledged) {
      const history = await json(`${restartedApi}/resources/${resourceId}/history`, { token: token2 });
      expect(history.status).toBe(200);
      expect(history.body.data.map((e: { action: string }) => e.action)).toEqual(['create']);
    }
    const current = await json(`${restartedApi}/resources/${id}`, { token: token2 });
    expect(current.body.version).toBeGreaterThanOrEqual(highestVersion);
    const versions: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: Array<{ version: number }>; nextCursor: string | null } } = await json(
        `${restartedApi}/resources/${id}/history?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
        { token: token2 },
      );
      versions.push(...page.body.data.map((e) => e.version));
      cursor = page.body.nextCursor;
    } while (cursor);
    // Versions 1..n with no gap, and the last entry is exactly the resource's current version.
    expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => i + 1));
    expect(versions.at(-1)).toBe(current.body.version);
  }, 120_000);
});
