/**
 * Counters and gauges the service keeps about itself (outbox backlog, deliveries, failures), readable
 * by whatever exposes them: `collect()` is what a `/metrics` endpoint would print.
 */
export type Labels = Readonly<Record<string, string>>;
export type Sample = Readonly<{
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  labels: Labels;
  value: number;
}>;

export type Counter = { inc(labels?: Labels, by?: number): void; value(labels?: Labels): number };

export interface Metrics {
  counter(name: string, help: string): Counter;
  /** A value read when collected (a query, a size). */
  gauge(name: string, help: string, read: () => number | Promise<number>): void;
  collect(): Promise<Sample[]>;
}

const keyOf = (labels: Labels) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));

export function createMetrics(): Metrics {
  const counters = new Map<
    string,
    { help: string; values: Map<string, { labels: Labels; value: number }> }
  >();
  const gauges = new Map<string, { help: string; read: () => number | Promise<number> }>();
  return {
    counter(name, help) {
      let counter = counters.get(name);
      if (!counter) {
        counter = { help, values: new Map() };
        counters.set(name, counter);
      }
      const values = counter.values;
      return {
        inc(labels = {}, by = 1) {
          const key = keyOf(labels);
          const current = values.get(key);
          if (current) current.value += by;
          else values.set(key, { labels, value: by });
        },
        value: (labels = {}) => values.get(keyOf(labels))?.value ?? 0,
      };
    },
    gauge(name, help, read) {
      gauges.set(name, { help, read });
    },
    async collect() {
      const samples: Sample[] = [];
      for (const [name, { help, values }] of counters) {
        for (const { labels, value } of values.values())
          samples.push({ name, help, type: 'counter', labels, value });
      }
      for (const [name, { help, read }] of gauges) {
        try {
          samples.push({ name, help, type: 'gauge', labels: {}, value: await read() });
        } catch {
          // A gauge that cannot be read right now (database down) is left out, not reported as 0.
        }
      }
      return samples;
    },
  };
}
