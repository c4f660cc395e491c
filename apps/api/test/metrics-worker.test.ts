import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '@ledgerbase/platform';
import { buildWorkerContainer } from '@ledgerbase/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exposedNames, parseExposition } from '../../../packages/platform/test/prometheus-text.ts';
import { createTestDatabase, TEST_DB_MODE } from '../../../test/database.ts';
import { eventually, type LiveApp, startLiveApp, startReceiver } from './events-helpers.ts';
import { as, createResource, RESOURCES, registerAndLogin } from './helpers.ts';

const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

async function scrapeUrl(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe(PROMETHEUS_TEXT);
  return parseExposition(await response.text());
}

describe('worker metrics in the API process (embedded worker)', () => {
  let live: LiveApp;
  beforeAll(async () => {
    live = await startLiveApp();
  });
  afterAll(() => live.close());

  it('counts published events, webhook failures and dead letters; the backlog drains to 0', async () => {
    const receiver = await startReceiver();
    try {
      // 410 Gone dead-letters the delivery on its first attempt (Standard Webhooks; CONTRACT "Events").
      receiver.respond = () => 410;
      const session = await registerAndLogin(live.app);
      const call = as(live.app, session);
      const hook = await call({
        method: 'POST',
        url: '/api/v1/webhooks',
        payload: { url: receiver.url, events: ['resource.created'] },
      });
      expect(hook.statusCode, hook.body).toBe(201);
      const before = await scrapeUrl(`${live.baseUrl}/metrics`);
      expect(before.value('ledgerbase_webhook_dead_letters_total')).toBe(0);
      expect(before.value('ledgerbase_webhook_failures_total')).toBe(0);

      await createResource(call, { name: 'to a gone receiver' });
      await receiver.waitFor(1);
      const after = await eventually(async () => {
        const exposition = await scrapeUrl(`${live.baseUrl}/metrics`);
        return exposition.value('ledgerbase_webhook_dead_letters_total') === 1 && exposition;
      });
      expect(after.value('ledgerbase_webhook_failures_total')).toBe(1);
      expect(after.value('ledgerbase_webhook_deliveries_total', { outcome: 'failed' })).toBe(1);
      expect(after.find('ledgerbase_webhook_deliveries_total', { outcome: 'delivered' })).toEqual([]);
      expect(after.value('ledgerbase_events_published_total')).toBeGreaterThanOrEqual(1);
      const drained = await eventually(async () => {
        const exposition = await scrapeUrl(`${live.baseUrl}/metrics`);
        return exposition.value('ledgerbase_outbox_backlog') === 0 && exposition;
      });
      expect(drained.value('ledgerbase_outbox_lag_seconds')).toBe(0);
      // The relay, the requests and the gauges share this process's one registry.
      expect(
        drained.value('ledgerbase_http_requests_total', {
          method: 'POST',
          route: RESOURCES,
          status_code: '201',
        }),
      ).toBe(1);
    } finally {
      await receiver.close();
    }
  });
});

describe('the separate worker on WORKER_METRICS_PORT', () => {
  it('serves its own registry over HTTP, behind METRICS_TOKEN, and stops with the worker', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'lb-worker-metrics-'));
    const database = await createTestDatabase();
    const token = 'worker-scrape-token-0123456789';
    const config = loadConfig({
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      WORKER_METRICS_PORT: '0',
      METRICS_TOKEN: token,
    });
    const container = await buildWorkerContainer(config, { database: database.handle });
    try {
      expect(container.metricsPort()).toBeUndefined();
      await container.start();
      const port = container.metricsPort();
      expect(port).toBeGreaterThan(0);
      const url = `http://127.0.0.1:${port}/metrics`;

      const refused = await fetch(url);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer');
      expect((await fetch(url, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);

      const exposition = await scrapeUrl(url, { authorization: `Bearer ${token}` });
      const names = exposedNames(exposition);
      for (const name of [
        'ledgerbase_outbox_backlog',
        'ledgerbase_outbox_lag_seconds',
        'ledgerbase_events_published_total',
        'ledgerbase_webhook_deliveries_total',
        'ledgerbase_webhook_failures_total',
        'ledgerbase_webhook_dead_letters_total',
        'ledgerbase_db_pool_connections',
        'process_cpu_seconds_total',
      ]) {
        expect(names, name).toContain(name);
      }
      // No HTTP API in this process, so no request metrics.
      expect(names).not.toContain('ledgerbase_http_requests_total');
      expect(exposition.value('ledgerbase_outbox_backlog')).toBe(0);
      const total = exposition.value('ledgerbase_db_pool_connections');
      if (TEST_DB_MODE === 'pglite') expect(total).toBe(1);
      else expect(total).toBeGreaterThanOrEqual(1);
    } finally {
      await container.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
    await expect(fetch(`http://127.0.0.1:${container.metricsPort()}/metrics`)).rejects.toThrow();
  });
});
