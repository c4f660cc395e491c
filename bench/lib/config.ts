// Bench configuration, read once from the environment. The bench is a dev tool outside the apps,
// so it reads process.env here directly rather than through the API's config schema.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SCENARIO_KEYS = ['get-id', 'list', 'post', 'put'] as const;
export type ScenarioKey = (typeof SCENARIO_KEYS)[number];

export interface BenchConfig {
  repoRoot: string;
  /** Seconds measured per (scenario, connections, server). */
  durationSec: number;
  /** Seconds of unmeasured load per (scenario, server) so both run JIT-warm. */
  warmupSec: number;
  connections: number[];
  scenarios: ScenarioKey[];
  /** `ledgerbase` for the real comparison, `floor` for a dry run against a second floor. */
  target: 'ledgerbase' | 'floor';
  users: number;
  perUser: number;
  floorServer: string;
  /** Maintenance database used to CREATE/DROP the throwaway bench database. */
  pgAdminUrl: string;
  outFile: string;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function loadConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  return {
    repoRoot,
    durationSec: positiveNumber(env, 'BENCH_DURATION', 10),
    warmupSec: nonNegativeNumber(env, 'BENCH_WARMUP', 2),
    connections: intList(env, 'BENCH_CONNECTIONS', '16,64'),
    scenarios: scenarioList(env.BENCH_ONLY),
    target: targetOf(env.BENCH_TARGET),
    // Capped like the floor's /_bench/setup caps, so a typo cannot seed for hours.
    users: Math.min(positiveInt(env, 'BENCH_USERS', 50), 1000),
    perUser: Math.min(positiveInt(env, 'BENCH_PER_USER', 200), 10000),
    floorServer: env.FLOOR_SERVER ?? path.resolve(repoRoot, '../shared/reference/floor-server.cjs'),
    pgAdminUrl: env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    outFile: env.BENCH_OUT ?? path.join(repoRoot, 'bench/results/latest.json'),
  };
}

function fail(name: string, why: string): never {
  throw new Error(`${name}: ${why}`);
}

function positiveNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) fail(name, `expected a positive number, got "${raw}"`);
  return n;
}

function nonNegativeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) fail(name, `expected a number >= 0, got "${raw}"`);
  return n;
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const n = positiveNumber(env, name, fallback);
  if (!Number.isInteger(n)) fail(name, `expected an integer, got "${env[name]}"`);
  return n;
}

function intList(env: NodeJS.ProcessEnv, name: string, fallback: string): number[] {
  const raw = env[name] || fallback;
  const list = raw.split(',').map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isInteger(n) || n < 1 || n > 1024)) {
    fail(name, `expected a comma list of integers 1..1024, got "${raw}"`);
  }
  return list;
}

function scenarioList(raw: string | undefined): ScenarioKey[] {
  if (!raw) return [...SCENARIO_KEYS];
  const picked = raw.split(',').map((s) => s.trim());
  for (const key of picked) {
    if (!(SCENARIO_KEYS as readonly string[]).includes(key)) {
      fail('BENCH_ONLY', `unknown scenario "${key}" (known: ${SCENARIO_KEYS.join(', ')})`);
    }
  }
  // Keep the canonical order so tables from different runs line up.
  return SCENARIO_KEYS.filter((k) => picked.includes(k));
}

function targetOf(raw: string | undefined): BenchConfig['target'] {
  if (raw === undefined || raw === '' || raw === 'ledgerbase') return 'ledgerbase';
  if (raw === 'floor') return 'floor';
  return fail('BENCH_TARGET', `expected "ledgerbase" or "floor", got "${raw}"`);
}
