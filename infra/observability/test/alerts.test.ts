import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from '@ledgerbase/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startEmbeddedWorker } from '../../../apps/api/src/embedded-worker.ts';
import { FAST_WORKER } from '../../../apps/api/test/events-helpers.ts';
import {
  as,
  createResource,
  createTestApp,
  registerAndLogin,
  type TestApp,
} from '../../../apps/api/test/helpers.ts';
import {
  type Exposition,
  exposedNames,
  parseExposition,
} from '../../../packages/platform/test/prometheus-text.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

type Rule = {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
};
const rules: Rule[] = (
  parse(read('alerts.yml')) as { groups: Array<{ name: string; rules: Rule[] }> }
).groups.flatMap((group) => group.rules);
const alerts = rules.filter((rule) => rule.alert);
const recorded = new Set(rules.flatMap((rule) => (rule.record ? [rule.record] : [])));

/** Series Prometheus makes itself rather than scraping them. */
const PROMETHEUS_OWN = new Set(['up', 'ALERTS']);
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression reads, with the label names its selectors use. Strings,
 * grouping clauses, ranges and numbers are dropped; an identifier followed by `(` is a function
 * or an aggregation.
 */
function selectorsOf(expr: string): Array<{ name: string; labels: string[] }> {
  const cleaned = expr
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b\d+(\.\d+)?([eE][+-]?\d+)?\b/g, ' ');
  const found: Array<{ name: string; labels: string[] }> = [];
  const token = /([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{((?:[^}"]|"(?:[^"\\]|\\.)*")*)\})?\s*(\()?/g;
  // Label values are strings: skip them so their contents are not read as names.
  const withoutStrings = cleaned.replace(/"(?:[^"\\]|\\.)*"/g, (s) => `"${'_'.repeat(s.length - 2)}"`);
  for (const match of withoutStrings.matchAll(token)) {
    const [, name, , matchers, call] = match;
    if (call || KEYWORDS.has(name!.toLowerCase())) continue;
    const labels = [...(matchers ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)].map(
      (m) => m[1]!,
    );
    found.push({ name: name!, labels });
  }
  return found;
}

function labelsSeen(exposition: Exposition, name: string): Set<string> | undefined {
  const samples = exposition.find(name);
  if (samples.length === 0) return undefined;
  return new Set(samples.flatMap((sample) => Object.keys(sample.labels)));
}

describe('observability: alert rules, dashboard and scrape config', () => {
  let t: TestApp;
  let worker: Worker;
  let scraped: Exposition;
  let exported: Set<string>;

  beforeAll(async () => {
    // The embedded worker registers the relay and webhook metrics into the API's registry.
    t = await createTestApp();
    worker = await startEmbeddedWorker(t.container, FAST_WORKER);
    const session = await registerAndLogin(t.app);
    await createResource(as(t.app, session), { name: 'for the scrape' });
    await t.app.inject({ method: 'GET', url: '/no-such-route' });
    const response = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    scraped = parseExposition(response.body);
    exported = exposedNames(scraped);
  });
  afterAll(async () => {
    await worker.drain();
    await t.close();
  });

  it('reads PromQL selectors the way Prometheus does (the checks below depend on it)', () => {
    expect(
      selectorsOf(
        'sum by (le) (rate(a_bucket{route!="x{y}", le=~"0.5"}[5m])) / on() b > (14.4 * 0.001) and c:d:e',
      ),
    ).toEqual([
      { name: 'a_bucket', labels: ['route', 'le'] },
      { name: 'b', labels: [] },
      { name: 'c:d:e', labels: [] },
    ]);
  });

  it('has alerting rules, each with a severity, a summary, a description and a valid `for`', () => {
    expect(alerts.length).toBeGreaterThanOrEqual(10);
    expect(new Set(alerts.map((rule) => rule.alert)).size).toBe(alerts.length);
    for (const rule of alerts) {
      expect(['critical', 'warning'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toMatch(/\w/);
      expect(rule.annotations?.description, rule.alert).toMatch(/\w/);
      if (rule.for !== undefined) expect(rule.for, rule.alert).toMatch(/^\d+[smhd]$/);
      expect(rule.expr, rule.alert).toMatch(/\S/);
    }
    for (const rule of rules.filter((r) => r.record)) {
      // level:metric:operations (Prometheus recording rule naming).
      expect(rule.record).toMatch(/^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$/);
    }
  });

  it('names, in every rule, only metrics the service exports (from a real /metrics scrape) or rules record', () => {
    for (const rule of rules) {
      const where = rule.alert ?? rule.record;
      const selectors = selectorsOf(rule.expr);
      expect(selectors.length, where).toBeGreaterThan(0);
      for (const { name, labels } of selectors) {
        const known = exported.has(name) || recorded.has(name) || PROMETHEUS_OWN.has(name);
        expect(known, `${where} uses ${name}, which nothing exports`).toBe(true);
        // Selector labels must exist on the series (job and instance are added by Prometheus).
        const seen = labelsSeen(scraped, name);
        for (const label of labels) {
          if (label === 'job' || label === 'instance' || !seen) continue;
          expect([...seen], `${where}: ${name} has no label ${label}`).toContain(label);
        }
      }
    }
    // A recorded series is only useful if some rule reads it, and every series read is recorded.
    const read = new Set(rules.flatMap((rule) => selectorsOf(rule.expr).map((s) => s.name)));
    for (const name of recorded) expect(read, `${name} is recorded but never used`).toContain(name);
  });

  it('alerts on what the SLOs and the contract name: burn rates, latency, backlog, lag, dead letters, instances', () => {
    const exprOf = (name: string) => alerts.find((rule) => rule.alert === name)?.expr ?? '';
    const fast = exprOf('LedgerbaseErrorBudgetBurnFast');
    expect(fast).toContain('ratio_rate1h > (14.4 * 0.001)');
    expect(fast).toContain('ratio_rate5m > (14.4 * 0.001)');
    expect(fast).toContain('ratio_rate6h > (6 * 0.001)');
    expect(fast).toContain('ratio_rate30m > (6 * 0.001)');
    const slow = exprOf('LedgerbaseErrorBudgetBurnSlow');
    expect(slow).toContain('ratio_rate1d > (3 * 0.001)');
    expect(slow).toContain('ratio_rate3d > (1 * 0.001)');
    expect(exprOf('LedgerbaseLatencyP99High')).toMatch(/p99_rate10m > 0\.5$/);
    expect(exprOf('LedgerbaseLatencyP50High')).toMatch(/p50_rate10m > 0\.1$/);
    const quantiles = rules.filter((rule) => rule.record?.includes('http_request_duration_seconds'));
    expect(quantiles.map((rule) => rule.expr.match(/histogram_quantile\((0\.\d+),/)?.[1])).toEqual([
      '0.5',
      '0.99',
    ]);
    for (const rule of quantiles) expect(rule.expr).toContain('[10m]');
    for (const name of [
      'ledgerbase_outbox_backlog',
      'ledgerbase_outbox_lag_seconds',
      'ledgerbase_webhook_dead_letters_total',
      'up',
    ]) {
      expect(
        alerts.some((rule) => selectorsOf(rule.expr).some((s) => s.name === name)),
        name,
      ).toBe(true);
    }
  });

  it('links every alert to a runbook section that exists in docs/operations.md', () => {
    // GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
    const slug = (heading: string) =>
      heading
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-');
    const operations = readFileSync(path.resolve(root, '../../docs/operations.md'), 'utf8');
    const anchors = new Set([...operations.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1]!.trim())));
    expect(anchors).toContain('metrics-and-alerts');
    for (const rule of alerts) {
      const [file, anchor] = (rule.annotations?.runbook ?? '').split('#');
      expect(file, rule.alert).toBe('docs/operations.md');
      expect([...anchors], `${rule.alert} -> #${anchor}`).toContain(anchor);
    }
  });

  it('builds the dashboard only from exported or recorded metrics', () => {
    type Panel = { title: string; type: string; targets?: Array<{ expr: string }> };
    const dashboard = JSON.parse(read('grafana/dashboards/ledgerbase.json')) as {
      panels: Panel[];
      annotations: { list: Array<{ expr?: string }> };
    };
    const exprs = [
      ...dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr)),
      ...dashboard.annotations.list.flatMap((annotation) => (annotation.expr ? [annotation.expr] : [])),
    ];
    expect(exprs.length).toBeGreaterThanOrEqual(20);
    const used = new Set<string>();
    for (const expr of exprs) {
      for (const { name } of selectorsOf(expr.replaceAll('$__rate_interval', '5m'))) {
        used.add(name);
        expect(
          exported.has(name) || recorded.has(name) || PROMETHEUS_OWN.has(name),
          `${name} in ${expr}`,
        ).toBe(true);
      }
    }
    // Requests, errors, latency by route, the pool and the backlog are all on it.
    for (const name of [
      'ledgerbase_http_requests_total',
      'ledgerbase_http_request_duration_seconds_bucket',
      'ledgerbase_db_pool_waiting_clients',
      'ledgerbase_outbox_backlog',
      'ledgerbase_outbox_lag_seconds',
    ])
      expect(used).toContain(name);
  });

  it('scrapes the jobs the alerts name, at the ports the Compose services listen on', () => {
    const prometheus = parse(read('prometheus.yml')) as {
      rule_files: string[];
      scrape_configs: Array<{
        job_name: string;
        metrics_path: string;
        static_configs: Array<{ targets: string[] }>;
      }>;
    };
    const jobs = Object.fromEntries(
      prometheus.scrape_configs.map((job) => [job.job_name, job.static_configs.flatMap((c) => c.targets)]),
    );
    expect(jobs).toEqual({ 'ledgerbase-api': ['api:3000'], 'ledgerbase-worker': ['worker:9464'] });
    for (const job of prometheus.scrape_configs) expect(job.metrics_path).toBe('/metrics');
    expect(alerts.find((rule) => rule.alert === 'LedgerbaseInstanceDown')?.expr).toContain(
      'job=~"ledgerbase-api|ledgerbase-worker"',
    );

    const compose = parse(read('../compose/docker-compose.yml'), { merge: true }) as {
      services: Record<
        string,
        { profiles?: string[]; environment?: Record<string, string>; volumes?: string[]; image?: string }
      >;
    };
    expect(compose.services.worker?.environment?.WORKER_METRICS_PORT).toBe('9464');
    expect(compose.services.worker?.profiles).toBeUndefined();
    for (const name of ['prometheus', 'grafana']) {
      const service = compose.services[name]!;
      expect(service.profiles, name).toEqual(['observability']);
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (source.startsWith('.'))
          expect(existsSync(path.resolve(root, '../compose', source)), volume).toBe(true);
      }
    }
    const mounted = compose.services.prometheus!.volumes!.map((volume) => volume.split(':')[1]);
    for (const file of prometheus.rule_files) expect(mounted).toContain(file);
  });
});
