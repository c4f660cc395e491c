import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';
import { createMetrics, isScrapeAllowed, registerPoolGauges, sharedRead } from '../src/metrics.ts';
import { exposedNames, parseExposition } from './prometheus-text.ts';

const scrape = async (metrics: ReturnType<typeof createMetrics>) => parseExposition(await metrics.text());

describe('metrics registry (prom-client)', () => {
  it('counts by label set, lists declared counters before their first increment, one counter per name', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const outcomes = metrics.counter('test_outcomes_total', 'Outcomes', ['outcome']);
    const before = await scrape(metrics);
    expect(before.families.get('test_outcomes_total')).toEqual({
      name: 'test_outcomes_total',
      type: 'counter',
      help: 'Outcomes',
    });
    expect(before.find('test_outcomes_total')).toEqual([]);

    outcomes.inc({ outcome: 'delivered' });
    outcomes.inc({ outcome: 'delivered' }, 2);
    metrics.counter('test_outcomes_total', 'Outcomes', ['outcome']).inc({ outcome: 'failed' });
    const after = await scrape(metrics);
    expect(after.value('test_outcomes_total', { outcome: 'delivered' })).toBe(3);
    expect(after.value('test_outcomes_total', { outcome: 'failed' })).toBe(1);

    const plain = metrics.counter('test_plain_total', 'No labels', []);
    expect((await scrape(metrics)).value('test_plain_total')).toBe(0);
    plain.inc();
    expect((await scrape(metrics)).value('test_plain_total')).toBe(1);
  });

  it('an undeclared counter takes the label names of its first increment; unknown labels are refused', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const dropped = metrics.counter('test_dropped_total', 'Dropped');
    dropped.inc({ reason: 'slow' });
    dropped.inc({ reason: 'slow' });
    expect((await scrape(metrics)).value('test_dropped_total', { reason: 'slow' })).toBe(2);
    expect(() => dropped.inc({ other: 'x' })).toThrow(/label/i);
  });

  it('gauges read at scrape time; a failing or hanging reader reports NaN without failing the scrape', async () => {
    const metrics = createMetrics({ processMetrics: false, readTimeoutMs: 50 });
    let size = 3;
    metrics.gauge('test_size', 'A size', () => size);
    metrics.gauge('test_query', 'A query', async () => 7);
    metrics.gauge('test_down', 'A query against a database that is down', async () => {
      throw new Error('connection refused');
    });
    metrics.gauge('test_hanging', 'A query that never answers', () => new Promise<number>(() => {}));
    const first = await scrape(metrics);
    expect(first.value('test_size')).toBe(3);
    expect(first.value('test_query')).toBe(7);
    expect(first.value('test_down')).toBeNaN();
    expect(first.value('test_hanging')).toBeNaN();
    size = 5;
    expect((await scrape(metrics)).value('test_size')).toBe(5);
    // Registering the name again replaces the reader (the API and its embedded worker share a registry).
    metrics.gauge('test_size', 'A size', () => 11);
    expect((await scrape(metrics)).value('test_size')).toBe(11);
  });

  it('histograms count observations into cumulative buckets', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const duration = metrics.histogram('test_duration_seconds', 'Durations', {
      labelNames: ['route'],
      buckets: [0.1, 0.5],
    });
    for (const seconds of [0.05, 0.2, 0.3, 2]) duration.observe({ route: '/a/:id' }, seconds);
    const exposition = await scrape(metrics);
    const at = (le: string) => exposition.value('test_duration_seconds_bucket', { route: '/a/:id', le });
    expect([at('0.1'), at('0.5'), at('+Inf')]).toEqual([1, 3, 4]);
    expect(exposition.value('test_duration_seconds_count', { route: '/a/:id' })).toBe(4);
    expect(exposition.value('test_duration_seconds_sum', { route: '/a/:id' })).toBeCloseTo(2.55);
  });

  it('keeps one registry per instance: two apps in one process do not collide or mix figures', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.counter('test_shared_total', 'Shared', []).inc();
    b.counter('test_shared_total', 'Shared', []);
    expect((await scrape(a)).value('test_shared_total')).toBe(1);
    expect((await scrape(b)).value('test_shared_total')).toBe(0);
  });

  it('includes the process metrics unless asked not to', async () => {
    const names = exposedNames(await scrape(createMetrics()));
    for (const name of [
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
    ])
      expect(names).toContain(name);
    expect(exposedNames(await scrape(createMetrics({ processMetrics: false })))).not.toContain(
      'process_cpu_seconds_total',
    );
  });

  it('reports the pool figures', async () => {
    const metrics = createMetrics({ processMetrics: false });
    registerPoolGauges(metrics, () => ({ total: 8, idle: 3, waiting: 2 }));
    const exposition = await scrape(metrics);
    expect(exposition.value('ledgerbase_db_pool_connections')).toBe(8);
    expect(exposition.value('ledgerbase_db_pool_idle_connections')).toBe(3);
    expect(exposition.value('ledgerbase_db_pool_waiting_clients')).toBe(2);
  });

  it('prints the content type Prometheus expects', () => {
    expect(createMetrics({ processMetrics: false }).contentType).toBe(
      'text/plain; version=0.0.4; charset=utf-8',
    );
  });
});

describe('sharedRead', () => {
  it('runs one read for concurrent callers, and a new one once it settled', async () => {
    let calls = 0;
    let release: (value: number) => void = () => {};
    const read = sharedRead(() => {
      calls++;
      return new Promise<number>((resolve) => {
        release = resolve;
      });
    });
    const both = Promise.all([read(), read()]);
    release(42);
    expect(await both).toEqual([42, 42]);
    expect(calls).toBe(1);
    const again = read();
    release(43);
    expect(await again).toBe(43);
    expect(calls).toBe(2);
  });

  it('passes a failure to every caller and tries again next time', async () => {
    let fail = true;
    const read = sharedRead(async () => {
      if (fail) throw new Error('down');
      return 1;
    });
    await expect(Promise.all([read(), read()])).rejects.toThrow('down');
    fail = false;
    expect(await read()).toBe(1);
  });
});

describe('scrape access', () => {
  it('is open without a token, and needs the exact bearer token with one', () => {
    expect(isScrapeAllowed(undefined, undefined)).toBe(true);
    expect(isScrapeAllowed('Bearer anything', undefined)).toBe(true);
    expect(isScrapeAllowed(undefined, 's3cret-token')).toBe(false);
    expect(isScrapeAllowed('Bearer wrong', 's3cret-token')).toBe(false);
    expect(isScrapeAllowed('Basic s3cret-token', 's3cret-token')).toBe(false);
    expect(isScrapeAllowed('Bearer s3cret-token-and-more', 's3cret-token')).toBe(false);
    expect(isScrapeAllowed('Bearer s3cret-token', 's3cret-token')).toBe(true);
    expect(isScrapeAllowed('bearer s3cret-token ', 's3cret-token')).toBe(true);
  });
});

describe('metrics settings', () => {
  it('reads METRICS_TOKEN (or its _FILE) and WORKER_METRICS_PORT, off by default', () => {
    const defaults = loadConfig({});
    expect(defaults.metricsToken).toBeUndefined();
    expect(defaults.workerMetricsPort).toBeUndefined();
    expect(loadConfig({ METRICS_TOKEN: 'abc', WORKER_METRICS_PORT: '9464' })).toMatchObject({
      metricsToken: 'abc',
      workerMetricsPort: 9464,
    });
    const dir = mkdtempSync(path.join(tmpdir(), 'lb-metrics-'));
    try {
      const file = path.join(dir, 'token');
      writeFileSync(file, 'from-file\n');
      expect(loadConfig({ METRICS_TOKEN_FILE: file }).metricsToken).toBe('from-file');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() => loadConfig({ WORKER_METRICS_PORT: 'http' })).toThrow(ConfigError);
    expect(() => loadConfig({ WORKER_METRICS_PORT: '70000' })).toThrow(/WORKER_METRICS_PORT/);
  });
});

describe('the exposition reader used by the tests', () => {
  it('refuses lines that are not the text format', () => {
    const head = '# HELP a_total A\n# TYPE a_total counter\n';
    expect(parseExposition(`${head}a_total{x="1"} 2\n`).value('a_total', { x: '1' })).toBe(2);
    expect(() => parseExposition(`${head}a_total{x=1} 2\n`)).toThrow(/not a sample/);
    expect(() => parseExposition(`${head}a_total 2 3 4\n`)).toThrow(/not a sample/);
    expect(() => parseExposition(`${head}b_total 1\n`)).toThrow(/undeclared/);
    expect(() => parseExposition('# TYPE a_total countr\n')).toThrow(/comment/);
  });
});
