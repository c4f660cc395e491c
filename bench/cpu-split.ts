// Where the CPU goes per request: PostgreSQL's backends, the server process and the load generator,
// for the floor and Ledgerbase on the same database. On a 2-core machine every server is CPU-bound
// under 64 connections, so CPU milliseconds per request say far more steadily than req/s which
// side of the database a change helps (req/s swings 20-30 % between runs, these figures by ~5 %).
//
//   npx tsx bench/cpu-split.ts            (BENCH_ONLY, BENCH_DURATION, BENCH_USERS... as for run.ts)
//
// Linux only: it reads utime + stime from /proc/<pid>/stat before and after each measured run.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from './lib/config.ts';
import { createBenchDatabase, dropBenchDatabase } from './lib/db.ts';
import { runLoad, SCENARIOS } from './lib/load.ts';
import { type Child, stopChild } from './lib/process.ts';
import { type StartContext, startFloor, startLedgerbase, type Target } from './lib/servers.ts';

const TICKS_PER_MS = 100 / 1000; // USER_HZ is 100 on Linux

type CpuSample = { postgres: number; byPid: Map<number, number> };

function sampleCpu(): CpuSample {
  let postgres = 0;
  const byPid = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited between readdir and read
    }
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    byPid.set(Number(entry), ticks);
    // Backends that exited are gone from /proc; the postmaster's cutime + cstime holds their share.
    if (comm === 'postgres') postgres += ticks + Number(fields[13]) + Number(fields[14]);
  }
  return { postgres, byPid };
}

const spent = (before: CpuSample, after: CpuSample, pid: number | undefined): number =>
  pid === undefined ? 0 : (after.byPid.get(pid) ?? 0) - (before.byPid.get(pid) ?? 0);

async function main(): Promise<void> {
  const config = loadConfig();
  const db = await createBenchDatabase(config.pgAdminUrl);
  const tempDir = await mkdtemp(path.join(os.tmpdir(), 'lb-cpu-'));
  const children: Child[] = [];
  const ctx: StartContext = {
    config,
    databaseUrl: db.url,
    tempDir,
    log: (line) => process.stderr.write(`[cpu-split] ${line}\n`),
    track: (child) => children.push(child),
  };
  const connections = Math.max(...config.connections);
  try {
    const targets: Array<{ target: Target; pid: () => number | undefined }> = [];
    for (const start of [() => startFloor(ctx, 'floor'), () => startLedgerbase(ctx)]) {
      const target = await start();
      const child = children.at(-1);
      targets.push({ target, pid: () => child?.proc.pid });
    }
    const lines = [
      'scenario                 server       req/s  postgres ms/req  server ms/req  load ms/req',
    ];
    for (const key of config.scenarios) {
      const scenario = SCENARIOS[key];
      for (const { target, pid } of targets) {
        await target.ensureFreshTokens();
        if (config.warmupSec > 0) await runLoad(target, scenario, connections, config.warmupSec);
        const before = sampleCpu();
        const result = await runLoad(target, scenario, connections, config.durationSec);
        const after = sampleCpu();
        const perRequest = (ticks: number) => (ticks / TICKS_PER_MS / Math.max(result.total, 1)).toFixed(3);
        lines.push(
          [
            scenario.label.padEnd(24),
            target.label.padEnd(10),
            String(Math.round(result.rps)).padStart(7),
            perRequest(after.postgres - before.postgres).padStart(16),
            perRequest(spent(before, after, pid())).padStart(14),
            perRequest(spent(before, after, process.pid)).padStart(12),
          ].join(' '),
        );
      }
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const child of children) await stopChild(child);
    await dropBenchDatabase(config.pgAdminUrl, db.name);
    await rm(tempDir, { recursive: true, force: true });
  }
}

await main();
