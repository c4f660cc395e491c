import { mkdtempSync, rmSync } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type DatabaseHandle, openDatabase } from '@ledgerbase/db';
import { type Clock, loadConfig } from '@ledgerbase/platform';
import type { Worker, WorkerDeps } from '@ledgerbase/worker';
import type { FastifyInstance } from 'fastify';
import { createTestDatabase, type TestDatabase } from '../../../test/database.ts';
import { buildApp } from '../src/app.ts';
import { buildContainer, type Container } from '../src/container.ts';
import { startEmbeddedWorker } from '../src/embedded-worker.ts';

/** Time that tests move forward instead of sleeping (ARCHITECTURE.md "Tests"). */
export type TestClock = Clock & { advance(ms: number): void };
export function testClock(): TestClock {
  let offset = 0;
  return {
    now: () => new Date(Date.now() + offset),
    advance: (ms) => {
      offset += ms;
    },
  };
}

export type LiveApp = {
  app: FastifyInstance;
  container: Container;
  worker: Worker | undefined;
  database: TestDatabase;
  baseUrl: string;
  dataDir: string;
  close(): Promise<void>;
};

export const FAST_WORKER: Pick<WorkerDeps, 'tuning' | 'random'> = {
  tuning: { relayIdleMs: 25, dispatchPollMs: 25 },
  random: () => 0.5,
};

/**
 * The real app listening on 127.0.0.1 (SSE needs a socket), optionally with the embedded worker.
 * Several instances can share one test database (`database`) and data directory (keys).
 */
export async function startLiveApp(
  options: {
    env?: Record<string, string>;
    clock?: Clock;
    worker?: false | Partial<Pick<WorkerDeps, 'tuning' | 'random' | 'sender' | 'clock'>>;
    database?: TestDatabase;
    dataDir?: string;
    /** On PostgreSQL, a pool of its own like a separate process (PGlite can only be shared). */
    ownPool?: boolean;
  } = {},
): Promise<LiveApp> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'lb-events-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_ENABLED: 'false',
    WEB_DIST_DIR: path.join(dataDir, 'no-web'),
    WEBHOOK_ALLOW_PRIVATE: 'true',
    ...options.env,
  });
  const database = options.database ?? (await createTestDatabase());
  // Instances sharing a database must not close it for each other: the test drops it at the end.
  const own =
    options.ownPool && database.url
      ? await openDatabase({ databaseUrl: database.url, embeddedDir: undefined, poolMax: 4 })
      : undefined;
  const shared: DatabaseHandle = { ...(own ?? database.handle), close: async () => {} };
  const container = await buildContainer(config, {
    database: shared,
    ...(options.clock && { clock: options.clock }),
  });
  const app = await buildApp(container);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  const worker =
    options.worker === false
      ? undefined
      : await startEmbeddedWorker(container, { ...FAST_WORKER, ...options.worker });
  return {
    app,
    container,
    worker,
    database,
    baseUrl: address,
    dataDir,
    async close() {
      await app.close();
      await worker?.drain();
      await container.close();
      await own?.close();
      if (!options.database) await database.drop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type SseData = {
  type: string;
  resourceId: string;
  version: number;
  actorId: string | null;
  occurredAt: string;
  resource: { id: string; name: string; ownerId: string; version: number } & Record<string, unknown>;
};

export type SseEvent = { id: string | undefined; event: string; data: SseData };

export type EventStream = {
  status: number;
  headers: IncomingHttpHeaders;
  events: SseEvent[];
  comments: string[];
  ended: Promise<void>;
  isEnded(): boolean;
  close(): void;
  /** Waits until `count` events arrived (or fails after `ms`). */
  waitForEvents(count: number, ms?: number): Promise<SseEvent[]>;
};

/** A minimal EventSource over HTTP with an Authorization header (EventSource cannot send one). */
export function openEventStream(
  baseUrl: string,
  token: string,
  headers: Record<string, string> = {},
): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      `${baseUrl}/api/v1/events`,
      { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...headers } },
      (response) => {
        const events: SseEvent[] = [];
        const comments: string[] = [];
        let buffer = '';
        let ended = false;
        let body = '';
        const endedPromise = new Promise<void>((done) =>
          response.on('close', () => {
            ended = true;
            done();
          }),
        );
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (response.statusCode !== 200) {
            body += chunk;
            return;
          }
          buffer += chunk;
          let end = buffer.indexOf('\n\n');
          while (end >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf('\n\n');
            let id: string | undefined;
            let event = 'message';
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith(':')) comments.push(line.slice(1).trim());
              else if (line.startsWith('id: ')) id = line.slice(4);
              else if (line.startsWith('event: ')) event = line.slice(7);
              else if (line.startsWith('data: ')) data.push(line.slice(6));
            }
            if (data.length > 0) events.push({ id, event, data: JSON.parse(data.join('\n')) });
          }
        });
        const stream: EventStream = {
          status: response.statusCode ?? 0,
          headers: response.headers,
          events,
          comments,
          ended: endedPromise,
          isEnded: () => ended,
          close: () => request.destroy(),
          async waitForEvents(count, ms = 10_000) {
            const until = Date.now() + ms;
            while (events.length < count) {
              if (Date.now() > until) {
                throw new Error(`expected ${count} events, got ${events.length}: ${JSON.stringify(events)}`);
              }
              if (ended) throw new Error(`stream ended after ${events.length} events ${body}`);
              await new Promise((r) => setTimeout(r, 20));
            }
            return events.slice(0, count);
          },
        };
        if (response.statusCode !== 200) {
          response.on('end', () => resolve(Object.assign(stream, { events: [], body })));
          return;
        }
        resolve(stream);
      },
    );
    request.on('error', (error) => {
      if ((error as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(error);
    });
  });
}

export type ReceivedHook = { headers: IncomingHttpHeaders; body: string; at: number };

export type Receiver = {
  url: string;
  requests: ReceivedHook[];
  /** Status for the nth request (0-based); default 200. */
  respond: (n: number) => number | { status: number; headers?: Record<string, string> } | 'hang';
  waitFor(count: number, ms?: number): Promise<ReceivedHook[]>;
  close(): Promise<void>;
};

/** A webhook receiver on 127.0.0.1 that records every request and answers as told. */
export async function startReceiver(): Promise<Receiver> {
  const hanging = new Set<http.ServerResponse>();
  const receiver: Receiver = {
    url: '',
    requests: [],
    respond: () => 200,
    async waitFor(count, ms = 10_000) {
      const until = Date.now() + ms;
      while (receiver.requests.length < count) {
        if (Date.now() > until)
          throw new Error(`expected ${count} webhook requests, got ${receiver.requests.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return receiver.requests.slice(0, count);
    },
    close: async () => {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = http.createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const n = receiver.requests.length;
      receiver.requests.push({ headers: request.headers, body, at: Date.now() });
      const answer = receiver.respond(n);
      if (answer === 'hang') {
        hanging.add(response);
        return;
      }
      const { status, headers = {} } = typeof answer === 'number' ? { status: answer } : answer;
      response.writeHead(status, headers).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return receiver;
}

export async function eventually<T>(check: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the tests' assertions
type JsonBody = any;

/** JSON over real HTTP (instances other than the one injected into). */
export async function httpJson(
  baseUrl: string,
  method: string,
  url: string,
  token?: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: JsonBody; headers: Headers }> {
  const response = await fetch(`${baseUrl}${url}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

/**
 * What a browser's EventSource does: reconnects when the stream ends (server restart, broker gap,
 * slow-client cut) and resumes with Last-Event-ID; collects every event it ever got.
 */
export function followEvents(baseUrl: string, token: string) {
  const events: SseEvent[] = [];
  let current: EventStream | undefined;
  let stopped = false;
  let reconnects = 0;
  const run = async () => {
    while (!stopped) {
      const last = events.at(-1)?.id;
      try {
        current = await openEventStream(baseUrl, token, last ? { 'last-event-id': last } : {});
        const stream = current;
        let seen = 0;
        const copy = setInterval(() => {
          while (seen < stream.events.length) events.push(stream.events[seen++]!);
        }, 10);
        await stream.ended;
        clearInterval(copy);
        while (seen < stream.events.length) events.push(stream.events[seen++]!);
      } catch {}
      if (!stopped) {
        reconnects++;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const done = run();
  return {
    events,
    get reconnects() {
      return reconnects;
    },
    async waitFor(check: (events: SseEvent[]) => boolean, ms = 15_000) {
      await eventually(async () => check(events), ms);
    },
    async stop() {
      stopped = true;
      current?.close();
      await done;
    },
  };
}
