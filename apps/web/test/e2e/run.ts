// Browser journeys over the real built console and a real API server, in Debian's Chromium via
// playwright-core (never a downloaded browser). Usage, from the repository root, after
// `npm run build -w apps/web`:
//   npx tsx apps/web/test/e2e/run.ts            starts its own API on a free 127.0.0.1 port
//   E2E_BASE_URL=http://127.0.0.1:3000 ...      uses a running server instead (needs ADMIN_* below)
// Screenshots go to E2E_SCREENSHOTS (default: a temporary folder, printed at the end).
// E2E_ONLY=<part of a journey's name> runs one journey (accessibility, core, list, apiKeys, webhooks).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { preview } from 'vite';
import { accessibilityJourney } from './a11y.journey.ts';
import { apiKeysJourney } from './api-keys.journey.ts';
import { coreJourney } from './core.journey.ts';
import { createHarness, type Harness } from './harness.ts';
import { listJourney } from './list.journey.ts';
import { webhooksJourney } from './webhooks.journey.ts';

const webRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const repoRoot = path.resolve(webRoot, '../..');
const admin = {
  email: process.env.ADMIN_EMAIL ?? 'admin@example.com',
  password: process.env.ADMIN_PASSWORD ?? 'e2e admin passphrase',
};

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) throw new Error(`API exited with ${child.exitCode}`);
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer`);
}

interface Api {
  url: string;
  stop(): Promise<void>;
}

async function startApi(): Promise<Api> {
  const port = await freePort();
  // Its own temporary data folder: the journeys never touch ./data of the checkout.
  const dataDir = mkdtempSync(path.join(tmpdir(), 'ledgerbase-e2e-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/api/src/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
      RATE_LIMIT_AUTH_PER_MINUTE: '1000',
      LOG_LEVEL: 'warn',
      // The journeys run the one-process embedded mode, whatever services CI exported.
      DATABASE_URL: '',
      REDIS_URL: '',
      AMQP_URL: '',
      // The network is closed here: webhooks can only point at this machine.
      WEBHOOK_ALLOW_PRIVATE: 'true',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      // A graceful stop should take a moment; never leave a server behind if it does not.
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`${url}/healthz`, child);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}

/** The API serves dist/ at `/` in production; until it does, Vite's preview serves it with a proxy. */
async function consoleUrl(apiUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  const page = await fetch(`${apiUrl}/resources`).then(
    (r) => r.text(),
    () => '',
  );
  if (page.includes('<div id="root">')) return { url: apiUrl, close: async () => {} };
  console.log('note: the API does not serve the console at / yet; using vite preview with a proxy');
  const target = { target: apiUrl };
  const server = await preview({
    root: webRoot,
    logLevel: 'warn',
    preview: {
      host: '127.0.0.1',
      port: await freePort(),
      strictPort: true,
      proxy: { '/api': target, '/healthz': target },
    },
  });
  const url = server.resolvedUrls?.local[0]?.replace(/\/$/, '') ?? '';
  return { url, close: () => server.close() };
}

const JOURNEYS: ((h: Harness, browser: Browser) => Promise<void>)[] = [
  coreJourney,
  listJourney,
  apiKeysJourney,
  webhooksJourney,
  accessibilityJourney,
];

function summarizeNotes(h: Harness): void {
  if (h.notes.size === 0) return;
  console.log('accessibility notes (moderate/minor violations and what axe left for review; not failed on):');
  for (const [rule, pages] of h.notes) console.log(`  ${rule}: ${[...pages].join(', ')}`);
}

async function main(): Promise<number> {
  if (!existsSync(path.join(webRoot, 'dist/index.html')))
    throw new Error('build first: npm run build -w apps/web');
  const api = process.env.E2E_BASE_URL ? null : await startApi();
  let site: { url: string; close(): Promise<void> } | null = null;
  let browser: Browser | null = null;
  try {
    site = await consoleUrl(process.env.E2E_BASE_URL ?? api?.url ?? '');
    const screenshots = process.env.E2E_SCREENSHOTS ?? mkdtempSync(path.join(tmpdir(), 'ledgerbase-shots-'));
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const h = createHarness(site.url, screenshots, admin);
    // E2E_ONLY=webhooks (a part of a journey's function name) runs just that one, while working on it.
    const only = process.env.E2E_ONLY?.toLowerCase();
    for (const run of JOURNEYS) if (!only || run.name.toLowerCase().includes(only)) await run(h, browser);
    summarizeNotes(h);
    console.log(`screenshots: ${screenshots}`);
    console.log(`${h.passed} passed, ${h.failed} failed`);
    return h.failed === 0 ? 0 : 1;
  } finally {
    await browser?.close();
    await site?.close();
    await api?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
