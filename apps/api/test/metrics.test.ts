import { pendingEventStats } from '@ledgerbase/core';
import { sql } from '@ledgerbase/db';
import { createMetrics } from '@ledgerbase/platform';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Exposition, parseExposition } from '../../../packages/platform/test/prometheus-text.ts';
import { TEST_DB_MODE } from '../../../test/database.ts';
import { DURATION_BUCKETS, installMetrics, UNMATCHED_ROUTE } from '../src/plugins/metrics.ts';
import {
  API,
  as,
  createResource,
  createTestApp,
  expectError,
  RESOURCES,
  registerAndLogin,
  type Session,
  type TestApp,
} from './helpers.ts';

const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

async function scrape(app: FastifyInstance, headers: Record<string, string> = {}): Promise<Exposition> {
  const response = await app.inject({ method: 'GET', url: '/metrics', headers });
  expect(response.statusCode, response.body).toBe(200);
  expect(response.headers['content-type']).toBe(PROMETHEUS_TEXT);
  return parseExposition(response.body);
}

/** A counter or histogram series that has not been touched yet reads 0. */
const valueOr0 = (exposition: Exposition, name: string, labels: Record<string, string>) =>
  exposition.find(name, labels).reduce((sum, sample) => sum + sample.value, 0);

const REQUESTS = 'ledgerbase_http_requests_total';
const DURATION = 'ledgerbase_http_request_duration_seconds';

describe('GET /metrics', () => {
  let t: TestApp;
  let a: Session;

  beforeAll(async () => {
    t = await createTestApp();
    a = await registerAndLogin(t.app);
  });
  afterAll(() => t.close());

  it('serves the Prometheus text format with the metrics the contract lists', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe(PROMETHEUS_TEXT);
    expect(response.headers['cache-control']).toBe('no-store');
    // parseExposition throws on any line that is not a HELP, a TYPE or a sample of a declared family.
    const exposition = parseExposition(response.body);
    const types = Object.fromEntries([...exposition.families.values()].map((f) => [f.name, f.type]));
    expect(types).toMatchObject({
      [REQUESTS]: 'counter',
      [DURATION]: 'histogram',
      ledgerbase_rate_limit_rejections_total: 'counter',
      ledgerbase_db_pool_connections: 'gauge',
      ledgerbase_db_pool_idle_connections: 'gauge',
      ledgerbase_db_pool_waiting_clients: 'gauge',
      ledgerbase_outbox_backlog: 'gauge',
      ledgerbase_outbox_lag_seconds: 'gauge',
      ledgerbase_realtime_clients: 'gauge',
      process_cpu_seconds_total: 'counter',
      process_resident_memory_bytes: 'gauge',
      nodejs_eventloop_lag_seconds: 'gauge',
    });
    for (const family of exposition.families.values()) expect(family.help, family.name).not.toBe('');
    // The requests made so far (register, login) are there.
    expect(
      exposition.value(REQUESTS, { method: 'POST', route: `${API}/auth/register`, status_code: '201' }),
    ).toBe(1);
  });

  it('labels requests with the route pattern, never the raw URL', async () => {
    const call = as(t.app, a);
    const first = await createResource(call, { name: 'one' });
    const second = await createResource(call, { name: 'two' });
    const labels = { method: 'GET', route: `${RESOURCES}/:id`, status_code: '200' };
    const before = await scrape(t.app);
    for (const id of [first.id, second.id, first.id]) {
      expect((await call({ method: 'GET', url: `${RESOURCES}/${id}` })).statusCode).toBe(200);
    }
    const after = await scrape(t.app);
    expect(after.value(REQUESTS, labels) - valueOr0(before, REQUESTS, labels)).toBe(3);
    expect(after.value(`${DURATION}_count`, labels) - valueOr0(before, `${DURATION}_count`, labels)).toBe(3);
    expect(after.value(REQUESTS, { method: 'POST', route: RESOURCES, status_code: '201' })).toBe(2);
    const labelValues = after.samples.flatMap((sample) => Object.values(sample.labels));
    expect(labelValues.some((value) => value.includes(first.id) || value.includes(second.id))).toBe(false);
  });

  it(`counts URLs no route matches under "${UNMATCHED_ROUTE}", not their path`, async () => {
    const labels = { method: 'GET', route: UNMATCHED_ROUTE, status_code: '404' };
    const before = valueOr0(await scrape(t.app), REQUESTS, labels);
    expect((await t.app.inject({ method: 'GET', url: `${API}/no-such-thing/12345` })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: '/nowhere-at-all?x=1' })).statusCode).toBe(404);
    const after = await scrape(t.app);
    expect(after.value(REQUESTS, labels) - before).toBe(2);
    const labelValues = after.samples.flatMap((sample) => Object.values(sample.labels));
    expect(labelValues.some((value) => /no-such-thing|nowhere|12345/.test(value))).toBe(false);
  });

  it('counts client errors with their status code under the route pattern', async () => {
    const route = `${RESOURCES}/:id`;
    const missing = '01900000-0000-7000-8000-000000000000';
    const before = await scrape(t.app);
    const anonymous = await t.app.inject({ method: 'GET', url: `${RESOURCES}/${missing}` });
    expect(anonymous.statusCode).toBe(401);
    const notFound = await as(t.app, a)({ method: 'GET', url: `${RESOURCES}/${missing}` });
    expect(notFound.statusCode).toBe(404);
    const invalid = await as(t.app, a)({ method: 'POST', url: RESOURCES, payload: { name: 42 } });
    expect(invalid.statusCode).toBe(400);
    const after = await scrape(t.app);
    const delta = (labels: Record<string, string>) =>
      after.value(REQUESTS, labels) - valueOr0(before, REQUESTS, labels);
    expect(delta({ method: 'GET', route, status_code: '401' })).toBe(1);
    // A known route answering 404 for a missing row keeps its pattern: only unknown URLs are unmatched.
    expect(delta({ method: 'GET', route, status_code: '404' })).toBe(1);
    expect(delta({ method: 'POST', route: RESOURCES, status_code: '400' })).toBe(1);
  });

  it('moves the duration histogram: every bucket the SLOs need, cumulative, +Inf equal to the count', async () => {
    const labels = { method: 'GET', route: '/healthz', status_code: '200' };
    const before = await scrape(t.app);
    for (let i = 0; i < 5; i++) await t.app.inject({ method: 'GET', url: '/healthz' });
    const after = await scrape(t.app);
    const buckets = after.find(`${DURATION}_bucket`, labels);
    expect(buckets.map((bucket) => bucket.labels.le)).toEqual([
      ...DURATION_BUCKETS.map((le) => String(le)),
      '+Inf',
    ]);
    expect(buckets.map((b) => b.labels.le)).toEqual(expect.arrayContaining(['0.1', '0.5']));
    const counts = buckets.map((bucket) => bucket.value);
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1]!);
    const count = after.value(`${DURATION}_count`, labels);
    expect(count - valueOr0(before, `${DURATION}_count`, labels)).toBe(5);
    expect(after.value(`${DURATION}_bucket`, { ...labels, le: '+Inf' })).toBe(count);
    const infBefore = valueOr0(before, `${DURATION}_bucket`, { ...labels, le: '+Inf' });
    expect(after.value(`${DURATION}_bucket`, { ...labels, le: '+Inf' }) - infBefore).toBe(5);
    expect(after.value(`${DURATION}_sum`, labels)).toBeGreaterThan(
      valueOr0(before, `${DURATION}_sum`, labels),
    );
    // A health check is fast: all five fall in the 2.5 s bucket.
    const slowBefore = valueOr0(before, `${DURATION}_bucket`, { ...labels, le: '2.5' });
    expect(after.value(`${DURATION}_bucket`, { ...labels, le: '2.5' }) - slowBefore).toBe(5);
  });

  it('does not count the scrapes themselves', async () => {
    await scrape(t.app);
    await scrape(t.app);
    const exposition = await scrape(t.app);
    expect(exposition.samples.filter((sample) => sample.labels.route === '/metrics')).toEqual([]);
  });

  it('reports the database pool', async () => {
    const exposition = await scrape(t.app);
    const total = exposition.value('ledgerbase_db_pool_connections');
    const idle = exposition.value('ledgerbase_db_pool_idle_connections');
    const waiting = exposition.value('ledgerbase_db_pool_waiting_clients');
    if (TEST_DB_MODE === 'pglite') {
      expect([total, idle, waiting]).toEqual([1, 1, 0]);
    } else {
      // The requests above opened connections; the scrape's own outbox query has given its back.
      expect(total).toBeGreaterThanOrEqual(1);
      expect(total).toBeLessThanOrEqual(8);
      expect(idle).toBeLessThanOrEqual(total);
      expect(waiting).toBe(0);
    }
  });

  it('shows the outbox backlog growing with writes when no relay runs, and the age of the oldest', async () => {
    const db = t.container.database.db;
    const before = await scrape(t.app);
    const backlog = before.value('ledgerbase_outbox_backlog');
    expect(backlog).toBe((await pendingEventStats(db)).count);
    expect(backlog).toBeGreaterThanOrEqual(2); // the resources created above, never published
    const call = as(t.app, a);
    const made = await createResource(call, { name: 'three' });
    await createResource(call, { name: 'four' });
    await call({ method: 'PUT', url: `${RESOURCES}/${made.id}`, payload: { name: 'three, again' } });
    const after = await scrape(t.app);
    expect(after.value('ledgerbase_outbox_backlog')).toBe(backlog + 3);
    const lag = after.value('ledgerbase_outbox_lag_seconds');
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(120);

    // Queue lag is the age of the oldest unpublished event.
    await sql`UPDATE events SET occurred_at = now() - interval '90 seconds'
              WHERE seq = (SELECT min(seq) FROM events WHERE position IS NULL)`.execute(db);
    const aged = (await scrape(t.app)).value('ledgerbase_outbox_lag_seconds');
    expect(aged).toBeGreaterThanOrEqual(90);
    expect(aged).toBeLessThan(120);
  });

  it('is not part of the /api/v1 OpenAPI document', async () => {
    const spec = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(spec.paths)).not.toContain('/metrics');
    expect(Object.keys(spec.paths)).toContain('/healthz');
  });
});

describe('/metrics beside the rate limits, with METRICS_TOKEN', () => {
  const token = 'metrics-scrape-token-0123456789';
  const bearer = { authorization: `Bearer ${token}` };
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_PER_MINUTE: '2',
      RATE_LIMIT_AUTH_PER_MINUTE: '1',
      METRICS_TOKEN: token,
    });
  });
  afterAll(() => t.close());

  it('answers 401 in the error shape without the bearer token, and the metrics with it', async () => {
    expectError(await t.app.inject({ method: 'GET', url: '/metrics' }), 401, 'UNAUTHENTICATED');
    const wrong = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer not-the-token' },
    });
    expectError(wrong, 401, 'UNAUTHENTICATED');
    expect(wrong.headers['www-authenticate']).toMatch(/^Bearer/);
    const exposition = await scrape(t.app, bearer);
    expect(exposition.families.has(REQUESTS)).toBe(true);
    // Refused scrapes are not counted either.
    expect(exposition.find(REQUESTS, { route: '/metrics' })).toEqual([]);
  });

  it('is never rate limited, and counts the requests that are', async () => {
    for (let i = 0; i < 6; i++) {
      const response = await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer });
      expect(response.statusCode).toBe(200);
      expect(response.headers.ratelimit).toBeUndefined();
    }
    const login = {
      method: 'POST' as const,
      url: `${API}/auth/login`,
      payload: { email: 'x@example.com', password: 'wrong password!' },
    };
    expect((await t.app.inject(login)).statusCode).toBe(401);
    expectError(await t.app.inject(login), 429, 'RATE_LIMITED');
    expectError(await t.app.inject(login), 429, 'RATE_LIMITED');
    const exposition = await scrape(t.app, bearer);
    const route = `${API}/auth/login`;
    expect(exposition.value('ledgerbase_rate_limit_rejections_total', { route })).toBe(2);
    expect(exposition.value(REQUESTS, { method: 'POST', route, status_code: '429' })).toBe(2);
    expect(exposition.value(REQUESTS, { method: 'POST', route, status_code: '401' })).toBe(1);
  });
});

describe('/metrics while the database is down', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('still answers: the outbox gauges read NaN, the pool is reported, the failures are counted as 5xx', async () => {
    expect((await scrape(t.app)).value('ledgerbase_outbox_backlog')).toBe(0);
    // Closing the handle makes every query fail, as an unreachable server does.
    await t.container.database.close();
    const login = await t.app.inject({
      method: 'POST',
      url: `${API}/auth/login`,
      payload: { email: 'nobody@example.com', password: 'whatever password' },
    });
    expect(login.statusCode).toBeGreaterThanOrEqual(500);
    const started = Date.now();
    const exposition = await scrape(t.app);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(exposition.value('ledgerbase_outbox_backlog')).toBeNaN();
    expect(exposition.value('ledgerbase_outbox_lag_seconds')).toBeNaN();
    expect(Number.isFinite(exposition.value('ledgerbase_db_pool_connections'))).toBe(true);
    expect(
      exposition.value(REQUESTS, {
        method: 'POST',
        route: `${API}/auth/login`,
        status_code: String(login.statusCode),
      }),
    ).toBe(1);
  });
});

describe('request metrics of event streams', () => {
  it('counts an SSE response but keeps its length out of the latency histogram', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const app = Fastify();
    installMetrics(app, { metrics, token: undefined });
    const sse = {
      200: { description: 'stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
    };
    app.get('/stream', { schema: { response: sse } }, async (_request, reply) => {
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
      reply.raw.end('data: 1\n\n');
    });
    app.get('/plain', async () => ({ ok: true }));
    try {
      expect((await app.inject({ method: 'GET', url: '/stream' })).body).toBe('data: 1\n\n');
      expect((await app.inject({ method: 'GET', url: '/plain' })).statusCode).toBe(200);
      const exposition = await scrape(app);
      const stream = { method: 'GET', route: '/stream', status_code: '200' };
      expect(exposition.value(REQUESTS, stream)).toBe(1);
      expect(exposition.find(`${DURATION}_count`, stream)).toEqual([]);
      expect(
        exposition.value(`${DURATION}_count`, { method: 'GET', route: '/plain', status_code: '200' }),
      ).toBe(1);
    } finally {
      await app.close();
    }
  });
});
