// The side-by-side table, the bar as explicit checks, and the JSON record of a run.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LoadResult, Scenario } from './load.ts';

export interface Row {
  scenario: Scenario;
  connections: number;
  floor: LoadResult;
  other: LoadResult;
  /** Ledgerbase req/s over the floor's: higher is better. */
  rpsRatio: number | null;
  /** Ledgerbase p99 over the floor's: lower is better. */
  p99Ratio: number | null;
}

export function makeRow(scenario: Scenario, connections: number, floor: LoadResult, other: LoadResult): Row {
  return {
    scenario,
    connections,
    floor,
    other,
    rpsRatio: floor.rps > 0 ? other.rps / floor.rps : null,
    p99Ratio: floor.p99 > 0 ? other.p99 / floor.p99 : null,
  };
}

// The bar from issue 2 ("How it will be checked").
export const BAR = {
  /** Throughput ratios are judged at this connection count. */
  connections: 64,
  readRatio: 0.7,
  writeRatio: 0.5,
  p99AbsoluteMs: 100,
  p99Ratio: 1.5,
} as const;

export interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

export function evaluate(rows: Row[], otherLabel: string): Check[] {
  const checks: Check[] = [];
  for (const row of rows.filter((r) => r.connections === BAR.connections)) checks.push(throughputCheck(row));
  if (!rows.some((r) => r.connections === BAR.connections)) {
    checks.push({
      name: 'throughput',
      pass: false,
      detail: `not judged: no run at ${BAR.connections} connections`,
    });
  }
  for (const row of rows) checks.push(latencyCheck(row));
  checks.push(errorCheck(rows, 'other', `${otherLabel} errors`));
  // The floor erring means the machine or the harness is broken: the comparison is void.
  checks.push(errorCheck(rows, 'floor', 'floor errors (run validity)'));
  return checks;
}

function throughputCheck(row: Row): Check {
  const min = row.scenario.kind === 'read' ? BAR.readRatio : BAR.writeRatio;
  const ratio = row.rpsRatio ?? 0;
  return {
    name: `throughput ${row.scenario.label} @${row.connections}`,
    pass: ratio >= min,
    detail: `${fmtRatio(row.rpsRatio)} of floor req/s (needs >= ${min.toFixed(2)}x)`,
  };
}

function latencyCheck(row: Row): Check {
  const { other, floor } = row;
  const pass = other.p99 < BAR.p99AbsoluteMs || other.p99 <= BAR.p99Ratio * floor.p99;
  return {
    name: `p99 ${row.scenario.label} @${row.connections}`,
    pass,
    detail: `${other.p99} ms vs floor ${floor.p99} ms (needs < ${BAR.p99AbsoluteMs} ms or <= ${BAR.p99Ratio}x floor)`,
  };
}

function errorCheck(rows: Row[], side: 'floor' | 'other', name: string): Check {
  const bad = rows.filter((r) => r[side].errors > 0);
  const detail = bad.length
    ? bad.map((r) => `${r.scenario.label} @${r.connections}: ${describeErrors(r[side])}`).join('; ')
    : 'none';
  return { name, pass: bad.length === 0, detail };
}

function describeErrors(r: LoadResult): string {
  const codes = Object.entries(r.statusCodes)
    .filter(([code]) => !code.startsWith('2'))
    .map(([code, count]) => `${count}x${code}`);
  if (r.connectionErrors) codes.push(`${r.connectionErrors} connection errors`);
  if (r.timeouts) codes.push(`${r.timeouts} timeouts`);
  return codes.join(', ') || `${r.errors} errors`;
}

const fmtRatio = (r: number | null): string => (r === null ? '-' : `${r.toFixed(2)}x`);
const fmtRps = (n: number): string => Math.round(n).toLocaleString('en-US');

export function renderTable(rows: Row[], otherLabel: string): string {
  const header = [
    'scenario',
    'conn',
    'floor req/s',
    'p50',
    'p99',
    'err',
    `${otherLabel} req/s`,
    'p50',
    'p99',
    'err',
    'req/s ratio',
    'p99 ratio',
  ];
  const body = rows.map((r) => [
    r.scenario.label,
    String(r.connections),
    ...sideCells(r.floor),
    ...sideCells(r.other),
    fmtRatio(r.rpsRatio),
    fmtRatio(r.p99Ratio),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => (cells[i] ?? '').length)));
  // First column left-aligned (labels), the rest right-aligned (numbers).
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...body.map(line)].join('\n');
}

function sideCells(r: LoadResult): string[] {
  return [fmtRps(r.rps), `${r.p50} ms`, `${r.p99} ms`, String(r.errors)];
}

export function renderChecks(checks: Check[]): string {
  const lines = checks.map((c) => `${c.pass ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}`);
  const failed = checks.filter((c) => !c.pass).length;
  const verdict = failed === 0 ? 'PASS' : `FAIL (${failed} of ${checks.length} checks failed)`;
  return [...lines, `bar: ${verdict}`].join('\n');
}

export async function writeJson(file: string, record: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(record, null, 2)}\n`);
}

/** Rows flattened for JSON: the scenario as its key and label, not its functions. */
export function rowsForJson(rows: Row[]): unknown[] {
  return rows.map(({ scenario, ...rest }) => ({ scenario: scenario.key, label: scenario.label, ...rest }));
}
