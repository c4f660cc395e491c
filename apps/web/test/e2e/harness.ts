// Shared plumbing for the browser journeys: results, screenshots, the accessibility pass, API calls.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { auditPage, formatFindings } from './a11y.ts';

export interface ApiAnswer<T> {
  status: number;
  body: T;
}

export interface Account {
  email: string;
  password: string;
}

export interface Member extends Account {
  id: string;
  token: string;
}

export interface Harness {
  base: string;
  admin: Account;
  check(name: string, ok: boolean, detail?: string): void;
  /** axe-core pass plus the overflow check; fails on serious or critical findings only. */
  audit(page: Page, label: string): Promise<void>;
  shot(page: Page, name: string): Promise<void>;
  api<T = unknown>(method: string, route: string, body?: unknown, token?: string): Promise<ApiAnswer<T>>;
  /** Registers a member through the API and signs them in (for setup; journeys register in the UI). */
  member(name: string): Promise<Member>;
  login(account: Account): Promise<string>;
  passed: number;
  failed: number;
  /** moderate and minor axe findings and axe's "needs review" items: reported at the end, not failed on. */
  notes: Map<string, Set<string>>;
}

export function createHarness(base: string, screenshots: string, admin: Account): Harness {
  mkdirSync(screenshots, { recursive: true });
  let users = 0;
  const harness: Harness = {
    base,
    admin,
    passed: 0,
    failed: 0,
    notes: new Map(),
    check(name, ok, detail = '') {
      if (ok) harness.passed++;
      else harness.failed++;
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail && !ok ? `: ${detail}` : ''}`);
    },
    async audit(page, label) {
      const width = page.viewportSize()?.width ?? 0;
      const result = await auditPage(page);
      const problems = [...formatFindings(result.blocking), ...result.layout];
      harness.check(
        `axe (${width}px): ${label}`,
        problems.length === 0,
        `\n       ${problems.join('\n       ')}`,
      );
      for (const [kind, findings] of [
        ['note', result.notes],
        ['review', result.review],
      ] as const) {
        for (const finding of findings) {
          const [line] = formatFindings([finding]);
          console.log(`     ${kind}: ${line}`);
          const key = `${kind} [${finding.impact}] ${finding.rule}`;
          harness.notes.set(key, (harness.notes.get(key) ?? new Set()).add(`${label} (${width}px)`));
        }
      }
    },
    async shot(page, name) {
      await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
    },
    async api<T>(method: string, route: string, body?: unknown, token?: string) {
      const headers: Record<string, string> = {};
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (token) headers.authorization = `Bearer ${token}`;
      const init: RequestInit = { method, headers };
      if (body !== undefined) init.body = JSON.stringify(body);
      const response = await fetch(`${base}/api/v1${route}`, init);
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
    },
    async login(account) {
      const answer = await harness.api<{ accessToken: string }>('POST', '/auth/login', account);
      if (answer.status !== 200) throw new Error(`login as ${account.email} answered ${answer.status}`);
      return answer.body.accessToken;
    },
    async member(name) {
      const account = {
        email: `${name.split(' ')[0]?.toLowerCase()}.${Date.now()}.${++users}@example.com`,
        password: 'a long enough passphrase',
      };
      const created = await harness.api<{ user: { id: string } }>('POST', '/auth/register', {
        ...account,
        name,
      });
      if (created.status !== 201) throw new Error(`register ${account.email} answered ${created.status}`);
      return { ...account, id: created.body.user.id, token: await harness.login(account) };
    },
  };
  return harness;
}

/** Runs one journey; a thrown step fails it (with a screenshot) without stopping the others. */
export async function journey(
  h: Harness,
  name: string,
  page: Page,
  steps: () => Promise<void>,
): Promise<void> {
  try {
    await steps();
  } catch (error) {
    h.check(`${name} (stopped)`, false, String(error).split('\n')[0]);
    await h.shot(page, `failure-${name}`).catch(() => {});
  }
}

/** A fresh browser context (own cookies and storage) that is closed whatever happens inside. */
export async function withContext(
  browser: Browser,
  options: BrowserContextOptions,
  use: (context: BrowserContext) => Promise<void>,
): Promise<void> {
  const context = await browser.newContext(options);
  try {
    await use(context);
  } finally {
    await context.close();
  }
}

export const DESKTOP = { viewport: { width: 1280, height: 860 } } satisfies BrowserContextOptions;
export const PHONE = {
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true,
} satisfies BrowserContextOptions;

/** Signs in through the form and waits for the resource list. */
export async function signIn(page: Page, account: Account): Promise<void> {
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Resources', level: 1 }).waitFor();
}
