import { createHash, timingSafeEqual } from 'node:crypto';
import {
  collectDefaultMetrics,
  Counter as PromCounter,
  Gauge as PromGauge,
  Histogram as PromHistogram,
  Registry,
} from 'prom-client';

/**
 * The metrics one process keeps about itself, in Prometheus text (CONTRACT "Operations", seed
 * section 8). Each container builds its own registry, never prom-client's global one, so several
 * apps and workers in one process (tests, the embedded worker) neither collide nor mix figures.
 * Names follow Prometheus conventions: `ledgerbase_` prefix, base units, `_total` on counters.
 */
export type Labels = Readonly<Record<string, string | number>>;

export type Counter = { inc(labels?: Labels, by?: number): void };
export type Histogram = { observe(labels: Labels, value: number): void };

export interface Metrics {
  /** `text/plain; version=0.0.4; charset=utf-8`: the exposition format Prometheus scrapes. */
  readonly contentType: string;
  /**
   * The counter of that name, created on first use. Declare `labelNames` when it has labels; an
   * undeclared counter takes the label names of its first increment.
   */
  counter(name: string, help: string, labelNames?: readonly string[]): Counter;
  /**
   * A value read at scrape time (a query, a size). Reading it again under the same name replaces
   * the reader. A reader that fails or takes longer than the read timeout reports NaN: the scrape
   * never fails because the database is down or slow.
   */
  gauge(name: string, help: string, read: () => number | Promise<number>): void;
  histogram(
    name: string,
    help: string,
    options: { labelNames: readonly string[]; buckets: readonly number[] },
  ): Histogram;
  /** Every metric in the exposition format. */
  text(): Promise<string>;
}

export type MetricsOptions = {
  /** prom-client's process metrics (`process_*`, `nodejs_*`: CPU, memory, event loop lag, GC). */
  processMetrics?: boolean;
  /** How long a gauge's reader may take before it reports NaN; Prometheus scrapes time out at 10 s. */
  readTimeoutMs?: number;
};

function withTimeout<T>(value: T | Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`metric read timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([Promise.resolve(value), timeout]).finally(() => clearTimeout(timer));
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const { processMetrics = true, readTimeoutMs = 2000 } = options;
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry });
  const counters = new Map<string, Counter>();
  const histograms = new Map<string, Histogram>();
  const readers = new Map<string, () => number | Promise<number>>();

  return {
    contentType: registry.contentType,
    counter(name, help, labelNames) {
      const existing = counters.get(name);
      if (existing) return existing;
      const make = (names: readonly string[]) =>
        new PromCounter({ name, help, labelNames: [...names], registers: [registry] });
      let metric = labelNames ? make(labelNames) : undefined;
      const counter: Counter = {
        inc(labels = {}, by = 1) {
          metric ??= make(Object.keys(labels));
          metric.inc(labels, by);
        },
      };
      counters.set(name, counter);
      return counter;
    },
    gauge(name, help, read) {
      const known = readers.has(name);
      readers.set(name, read);
      if (known) return;
      new PromGauge({
        name,
        help,
        registers: [registry],
        async collect() {
          try {
            const value = await withTimeout(readers.get(name)!(), readTimeoutMs);
            this.set(Number.isFinite(value) ? value : Number.NaN);
          } catch {
            // Unknown right now (database down or slow): NaN, not a misleading 0, and the scrape goes on.
            this.set(Number.NaN);
          }
        },
      });
    },
    histogram(name, help, { labelNames, buckets }) {
      const existing = histograms.get(name);
      if (existing) return existing;
      const metric = new PromHistogram({
        name,
        help,
        labelNames: [...labelNames],
        buckets: [...buckets],
        registers: [registry],
      });
      const histogram: Histogram = { observe: (labels, value) => metric.observe(labels, value) };
      histograms.set(name, histogram);
      return histogram;
    },
    text: () => registry.metrics(),
  };
}

/**
 * Shares one in-flight read between its callers: two gauges fed by one query (outbox backlog and
 * lag) run that query once per scrape, since prom-client collects every metric at the same time.
 */
export function sharedRead<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  return () => {
    inFlight ??= read().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}

export type PoolStats = () => { total: number; idle: number; waiting: number };

/** The database pool as seen by this process (`pg`; PGlite reports its one connection). */
export function registerPoolGauges(metrics: Metrics, stats: PoolStats): void {
  metrics.gauge(
    'ledgerbase_db_pool_connections',
    'Open database connections in the pool',
    () => stats().total,
  );
  metrics.gauge('ledgerbase_db_pool_idle_connections', 'Pool connections open and idle', () => stats().idle);
  metrics.gauge(
    'ledgerbase_db_pool_waiting_clients',
    'Queries waiting for a pool connection (saturation)',
    () => stats().waiting,
  );
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * Whether a scrape may read the metrics: always without METRICS_TOKEN, else only with
 * `Authorization: Bearer <token>` (RFC 6750), compared in constant time.
 */
export function isScrapeAllowed(authorization: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return true;
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  return presented !== undefined && timingSafeEqual(digest(presented), digest(token));
}
