/**
 * A strict reader of the Prometheus text exposition format 0.0.4, for tests: every line must be
 * empty, a `# HELP`, a `# TYPE` or a sample of a declared family, or it throws naming the line.
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */
export type PromSample = { name: string; labels: Record<string, string>; value: number };
export type PromFamily = { name: string; type: string; help: string };
export type Exposition = {
  families: Map<string, PromFamily>;
  samples: PromSample[];
  /** The value of the one sample matching `name` and every label in `labels`; throws if not exactly one. */
  value(name: string, labels?: Record<string, string>): number;
  /** The samples of `name` whose labels include `labels`. */
  find(name: string, labels?: Record<string, string>): PromSample[];
};

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
const LABEL_VALUE = '"(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
// prom-client prints NaN as `Nan`; Prometheus reads values with Go's ParseFloat, which ignores case.
const VALUE = '(?:[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|[Nn][Aa][Nn]|[+-]Inf)';
const SAMPLE = new RegExp(
  `^(${NAME})(?:\\{((?:${LABEL}=${LABEL_VALUE})(?:,${LABEL}=${LABEL_VALUE})*,?)?\\})? (${VALUE})(?: -?\\d+)?$`,
);
const HELP = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const PAIR = new RegExp(`(${LABEL})=(${LABEL_VALUE})`, 'g');

const unquote = (quoted: string) =>
  quoted.slice(1, -1).replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));

const parseValue = (raw: string) =>
  raw.endsWith('Inf') ? (raw.startsWith('-') ? -1 : 1) * Infinity : Number(raw);

/** The family a sample belongs to: histograms and summaries add `_bucket`, `_sum`, `_count`. */
function familyOf(name: string, families: Map<string, PromFamily>): PromFamily | undefined {
  const direct = families.get(name);
  if (direct) return direct;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  const family = families.get(base);
  return family && (family.type === 'histogram' || family.type === 'summary') ? family : undefined;
}

const matches = (sample: PromSample, name: string, labels: Record<string, string>) =>
  sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value);

export function parseExposition(text: string): Exposition {
  const families = new Map<string, PromFamily>();
  const samples: PromSample[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    // The format ignores empty lines (prom-client puts one between families).
    if (line === '') continue;
    const where = `line ${index + 1}: ${JSON.stringify(line)}`;
    const help = HELP.exec(line);
    if (help) {
      const family = families.get(help[1]!) ?? { name: help[1]!, type: 'untyped', help: '' };
      families.set(family.name, { ...family, help: help[2]! });
      continue;
    }
    const type = TYPE.exec(line);
    if (type) {
      const family = families.get(type[1]!) ?? { name: type[1]!, type: 'untyped', help: '' };
      families.set(family.name, { ...family, type: type[2]! });
      continue;
    }
    if (line.startsWith('#')) throw new Error(`unexpected comment, ${where}`);
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`not a sample line, ${where}`);
    const name = sample[1]!;
    if (!familyOf(name, families)) throw new Error(`sample of an undeclared family, ${where}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (sample[2] ?? '').matchAll(PAIR)) {
      if (key! in labels) throw new Error(`label ${key} repeated, ${where}`);
      labels[key!] = unquote(value!);
    }
    samples.push({ name, labels, value: parseValue(sample[3]!) });
  }
  const find = (name: string, labels: Record<string, string> = {}) =>
    samples.filter((sample) => matches(sample, name, labels));
  return {
    families,
    samples,
    find,
    value(name, labels = {}) {
      const found = find(name, labels);
      if (found.length !== 1) {
        throw new Error(`expected one sample ${name}${JSON.stringify(labels)}, found ${found.length}`);
      }
      return found[0]!.value;
    },
  };
}

/** Every name a scrape exposes, with the `_bucket`/`_sum`/`_count` series of its histograms. */
export function exposedNames(exposition: Exposition): Set<string> {
  const names = new Set<string>();
  for (const family of exposition.families.values()) {
    names.add(family.name);
    if (family.type === 'histogram' || family.type === 'summary') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(family.name + suffix);
    }
  }
  for (const sample of exposition.samples) names.add(sample.name);
  return names;
}
