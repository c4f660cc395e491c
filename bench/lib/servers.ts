// Starting, seeding and describing the two servers under test. Both listen on 127.0.0.1 only and
// share the run's database, so they see the same PostgreSQL, the same total row count and the
// same cache state.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { BenchConfig } from './config.ts';
import { type Child, freePort, logTail, startChild, waitReady } from './process.ts';
import {
  type BenchUser,
  createResources,
  ledgerbaseAccounts,
  loginAll,
  registerAll,
  seedFloor,
} from './seed.ts';

export interface Target {
  /** Column label in the table: `floor`, `ledgerbase`, or `floor-2` in a dry run. */
  label: string;
  baseUrl: string;
  /** Prefix of the resource routes: the floor has none, Ledgerbase has `/api/v1`. */
  prefix: string;
  users: BenchUser[];
  /** Called before each measured run; renews tokens that could expire mid-run. */
  ensureFreshTokens(): Promise<void>;
}

export interface StartContext {
  config: BenchConfig;
  databaseUrl: string;
  tempDir: string;
  log: (line: string) => void;
  /** Registers a spawned child for the run's cleanup at once, so even Ctrl-C mid-seed stops it. */
  track: (child: Child) => void;
}

export async function startFloor(ctx: StartContext, label: string): Promise<Target> {
  const { config } = ctx;
  if (!existsSync(config.floorServer))
    throw new Error(`floor server not found at ${config.floorServer} (FLOOR_SERVER)`);
  const port = await freePort();
  const env = {
    ...process.env,
    // The floor is plain CommonJS outside the repo; NODE_PATH lends it the repo's fastify, pg, jose.
    NODE_PATH: path.join(config.repoRoot, 'node_modules'),
    DATABASE_URL: ctx.databaseUrl,
    PORT: String(port),
  };
  const child = startChild(label, [config.floorServer], { cwd: config.repoRoot, env, logDir: ctx.tempDir });
  ctx.track(child);
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitReady(child, `${baseUrl}/healthz`, 30_000);
  ctx.log(`${label}: up on ${baseUrl}, seeding ${config.users} x ${config.perUser} rows`);
  const users = await guarded(child, () => seedFloor(baseUrl, config.users, config.perUser));
  return { label, baseUrl, prefix: '', users, ensureFreshTokens: async () => {} };
}

// Ledgerbase access tokens live 15 minutes by default (CONTRACT "Authentication"); renewing at
// 10 keeps a long run (large BENCH_DURATION) from turning into a wall of 401s.
const TOKEN_RENEW_MS = 10 * 60_000;

export async function startLedgerbase(ctx: StartContext): Promise<Target> {
  const { config } = ctx;
  const entry = path.join(config.repoRoot, 'apps/api/src/main.ts');
  if (!existsSync(entry)) {
    throw new Error(
      `Ledgerbase entry ${entry} not found (BENCH_TARGET=floor dry-runs the harness without it)`,
    );
  }
  const port = await freePort();
  const child = startChild('ledgerbase', ['--import', 'tsx', entry], {
    cwd: config.repoRoot,
    env: ledgerbaseEnv(ctx, port),
    logDir: ctx.tempDir,
  });
  ctx.track(child);
  const baseUrl = `http://127.0.0.1:${port}`;
  const apiBase = `${baseUrl}/api/v1`;
  await waitReady(child, `${baseUrl}/readyz`, 120_000);
  ctx.log(`ledgerbase: up on ${baseUrl}, seeding ${config.users} x ${config.perUser} rows through the API`);

  const accounts = ledgerbaseAccounts(config.users);
  const users = await guarded(child, async () => {
    await registerAll(apiBase, accounts);
    const tokens = await loginAll(apiBase, accounts);
    return createResources(apiBase, tokens, config.perUser, (done, total) =>
      ctx.log(`ledgerbase: created ${done}/${total}`),
    );
  });
  let loggedInAt = Date.now();
  const ensureFreshTokens = async (): Promise<void> => {
    if (Date.now() - loggedInAt < TOKEN_RENEW_MS) return;
    const tokens = await loginAll(apiBase, accounts);
    tokens.forEach((token, i) => {
      (users[i] as BenchUser).token = token;
    });
    loggedInAt = Date.now();
  };
  return { label: 'ledgerbase', baseUrl, prefix: '/api/v1', users, ensureFreshTokens };
}

function ledgerbaseEnv(ctx: StartContext, port: number): NodeJS.ProcessEnv {
  const dataDir = path.join(ctx.tempDir, 'ledgerbase-data');
  mkdirSync(dataDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: ctx.databaseUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    // The bench measures the request path, not the limiter's verdicts: keep it on but out of reach.
    RATE_LIMIT_PER_MINUTE: '100000000',
    RATE_LIMIT_AUTH_PER_MINUTE: '100000000',
    DATA_DIR: dataDir,
  };
  // With DATABASE_URL set, signing keys come from JWT_PRIVATE_KEY(_FILE) rather than DATA_DIR
  // (issue 2, item 3); supply a fresh Ed25519 key unless the caller brought one.
  if (!env.JWT_PRIVATE_KEY && !env.JWT_PRIVATE_KEY_FILE) {
    const { privateKey } = generateKeyPairSync('ed25519');
    env.JWT_PRIVATE_KEY = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }
  return env;
}

/** Adds the child's log tail to a seeding failure: the cause is usually in the server's log. */
async function guarded<T>(child: Child, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${logTail(child)}`);
  }
}
