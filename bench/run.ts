// `npm run bench`: Ledgerbase side by side with the performance floor
// (../shared/reference/floor-server.cjs) on one throwaway PostgreSQL database, same rows, same
// load, same run; prints Ledgerbase's figures as ratios to the floor's. See bench/README.md.
//
// Exit codes: 0 the bar is met, 1 the bar is missed, 2 the harness itself failed or was stopped.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BenchConfig, loadConfig } from './lib/config.ts';
import { createBenchDatabase, dropBenchDatabase } from './lib/db.ts';
import { type LoadResult, runLoad, SCENARIOS, type Scenario } from './lib/load.ts';
import { stopChild } from './lib/process.ts';
import {
  evaluate,
  makeRow,
  type Row,
  renderChecks,
  renderTable,
  rowsForJson,
  writeJson,
} from './lib/report.ts';
import { type StartContext, startFloor, startLedgerbase, type Target } from './lib/servers.ts';

const log = (line: string): void => {
  process.stderr.write(`[bench] ${line}\n`);
};

/** Cleanup steps run once, newest first (servers stop before their database is dropped). */
class Cleanup {
  private readonly steps: Array<{ label: string; fn: () => Promise<void> }> = [];
  private running: Promise<void> | undefined;

  add(label: string, fn: () => Promise<void>): void {
    this.steps.push({ label, fn });
  }

  run(): Promise<void> {
    this.running ??= this.runSteps();
    return this.running;
  }

  private async runSteps(): Promise<void> {
    for (const { label, fn } of [...this.steps].reverse()) {
      try {
        await fn();
      } catch (err) {
        log(`cleanup: ${label} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}

function onInterrupt(cleanup: Cleanup): void {
  let interrupted = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (interrupted) process.exit(2); // a second Ctrl-C means "now"
    interrupted = true;
    log(`${signal}: stopping servers and dropping the database`);
    void cleanup.run().finally(() => process.exit(2));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** Hard upper bound on the whole run: the measured time plus generous start and seed time. */
function startWatchdog(config: BenchConfig, cleanup: Cleanup): NodeJS.Timeout {
  const runs = config.scenarios.length * config.connections.length * 2;
  const loadSec = runs * (config.durationSec + 1) + config.scenarios.length * 2 * config.warmupSec;
  const limitSec = Math.ceil(loadSec + 900);
  const timer = setTimeout(() => {
    log(`watchdog: run exceeded ${limitSec} s, aborting`);
    void cleanup.run().finally(() => process.exit(2));
  }, limitSec * 1000);
  timer.unref();
  return timer;
}

async function startServers(ctx: StartContext): Promise<{ floor: Target; other: Target }> {
  const floor = await startFloor(ctx, 'floor');
  // Sequential on purpose: a dry-run second floor must not race the first on CREATE TABLE.
  const other = ctx.config.target === 'floor' ? await startFloor(ctx, 'floor-2') : await startLedgerbase(ctx);
  return { floor, other };
}

async function measure(
  target: Target,
  scenario: Scenario,
  connections: number,
  sec: number,
): Promise<LoadResult> {
  await target.ensureFreshTokens();
  const result = await runLoad(target, scenario, connections, sec);
  log(
    `${target.label.padEnd(10)} ${scenario.label.padEnd(24)} c=${String(connections).padStart(3)}  ` +
      `${Math.round(result.rps)} req/s  p50 ${result.p50} ms  p99 ${result.p99} ms  errors ${result.errors}`,
  );
  // Let the last responses drain and connections close so runs do not overlap.
  await sleep(500);
  return result;
}

async function warmUp(target: Target, scenario: Scenario, config: BenchConfig): Promise<void> {
  if (config.warmupSec === 0) return;
  const connections = config.connections[0] ?? 16;
  const result = await runLoad(target, scenario, connections, config.warmupSec);
  if (result.errors > 0)
    log(`warning: ${target.label} warm-up of ${scenario.label} had ${result.errors} errors`);
  await sleep(500);
}

/** Floor first, then Ledgerbase, for each scenario and connection count, as the issue asks. */
async function measureAll(config: BenchConfig, floor: Target, other: Target): Promise<Row[]> {
  const rows: Row[] = [];
  for (const key of config.scenarios) {
    const scenario = SCENARIOS[key];
    for (const [i, connections] of config.connections.entries()) {
      const results: LoadResult[] = [];
      for (const target of [floor, other]) {
        if (i === 0) await warmUp(target, scenario, config);
        results.push(await measure(target, scenario, connections, config.durationSec));
      }
      rows.push(makeRow(scenario, connections, results[0] as LoadResult, results[1] as LoadResult));
    }
  }
  return rows;
}

async function main(): Promise<number> {
  const config = loadConfig();
  const cleanup = new Cleanup();
  onInterrupt(cleanup);
  const watchdog = startWatchdog(config, cleanup);
  const startedAt = new Date().toISOString();
  try {
    const db = await createBenchDatabase(config.pgAdminUrl);
    cleanup.add(`drop database ${db.name}`, () => dropBenchDatabase(config.pgAdminUrl, db.name));
    const tempDir = await mkdtemp(path.join(os.tmpdir(), 'lb-bench-'));
    cleanup.add(`remove ${tempDir}`, () => rm(tempDir, { recursive: true, force: true }));
    log(`database ${db.name} (PostgreSQL ${db.serverVersion}); server logs in ${tempDir}`);

    const ctx: StartContext = {
      config,
      databaseUrl: db.url,
      tempDir,
      log,
      track: (child) => cleanup.add(`stop ${child.name}`, () => stopChild(child)),
    };
    const { floor, other } = await startServers(ctx);
    const rows = await measureAll(config, floor, other);

    const checks = evaluate(rows, other.label);
    process.stdout.write(`\n${renderTable(rows, other.label)}\n\n${renderChecks(checks)}\n`);
    const pass = checks.every((c) => c.pass);
    await writeJson(config.outFile, {
      startedAt,
      finishedAt: new Date().toISOString(),
      pass,
      settings: {
        target: config.target,
        durationSec: config.durationSec,
        warmupSec: config.warmupSec,
        connections: config.connections,
        scenarios: config.scenarios,
        users: config.users,
        perUser: config.perUser,
      },
      environment: {
        node: process.version,
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? 'unknown',
        postgres: db.serverVersion,
        loadavg: os.loadavg(),
      },
      rows: rowsForJson(rows),
      checks,
    });
    log(`results written to ${path.relative(process.cwd(), config.outFile)}`);
    return pass ? 0 : 1;
  } finally {
    clearTimeout(watchdog);
    await cleanup.run();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
