// Shared plumbing for the browser journeys: results, screenshots, the a11y pass, API calls.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { a11yAudit } from './a11y.ts';

export interface Harness {
  base: string;
  check(name: string, ok: boolean, detail?: string): void;
  audit(page: Page, label: string): Promise<void>;
  shot(page: Page, name: string): Promise<void>;
  api<T = unknown>(
    method: string,
    route: string,
    body?: unknown,
    token?: string,
  ): Promise<{ status: number; body: T }>;
  passed: number;
  failed: number;
}

export function createHarness(base: string, screenshots: string): Harness {
  mkdirSync(screenshots, { recursive: true });
  const harness: Harness = {
    base,
    passed: 0,
    failed: 0,
    check(name, ok, detail = '') {
      if (ok) harness.passed++;
      else harness.failed++;
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail && !ok ? `: ${detail}` : ''}`);
    },
    async audit(page, label) {
      // Sent as source text: tsx (esbuild) wraps named functions in a `__name` helper that does
      // not exist in the page, so define a stand-in next to the function.
      const source = `(() => { const __name = (f) => f; return (${a11yAudit.toString()})(); })()`;
      const problems = (await page.evaluate(source)) as string[];
      harness.check(`accessibility: ${label}`, problems.length === 0, problems.join(' | '));
    },
    async shot(page, name) {
      await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
    },
    async api<T>(method: string, route: string, body?: unknown, token?: string) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      const init: RequestInit = { method, headers };
      if (body !== undefined) init.body = JSON.stringify(body);
      const response = await fetch(`${base}/api/v1${route}`, init);
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
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
