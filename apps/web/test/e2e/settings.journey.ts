// API keys, webhooks, admin users and the audit log. Where the server does not offer an endpoint
// yet (404), the page must say so calmly; where it does, the same steps run for real.
import type { Browser, Page, Route } from 'playwright-core';
import { type Harness, journey } from './harness.ts';

const json = (route: Route, status: number, body: unknown) =>
  route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });

/** Stands in for endpoints the server answers with 404, shaped as CONTRACT.md describes them. */
async function scriptMissing(page: Page, h: Harness, token: string): Promise<string[]> {
  const scripted: string[] = [];
  const missing = async (route: string) => (await h.api('GET', route, undefined, token)).status === 404;
  const now = new Date().toISOString();
  if (await missing('/api-keys')) {
    scripted.push('api-keys');
    let keys: unknown[] = [];
    await page.route('**/api/v1/api-keys**', (route) => {
      const request = route.request();
      if (request.method() === 'POST') {
        const input = request.postDataJSON() as { name: string; scopes: string[] };
        const key = { id: 'k1', name: input.name, scopes: input.scopes, createdAt: now, expiresAt: null };
        keys = [key];
        return json(route, 201, { ...key, key: 'lbk_scripted_secret' });
      }
      if (request.method() === 'DELETE') {
        keys = [];
        return route.fulfill({ status: 204 });
      }
      return json(route, 200, { data: keys });
    });
  }
  if (await missing('/webhooks')) {
    scripted.push('webhooks');
    let hooks: unknown[] = [];
    await page.route('**/api/v1/webhooks**', (route) => {
      const request = route.request();
      if (request.url().endsWith('/deliveries')) return json(route, 200, { data: [], nextCursor: null });
      if (request.method() === 'POST') {
        const input = request.postDataJSON() as { url: string; events: string[] };
        const hook = { id: 'w1', url: input.url, events: input.events, description: null, createdAt: now };
        hooks = [hook];
        return json(route, 201, { ...hook, secret: 'whsec_c2NyaXB0ZWRzY3JpcHRlZHNjcmlwdGVk' });
      }
      return json(route, 200, { data: hooks });
    });
  }
  return scripted;
}

export async function settingsJourney(
  h: Harness,
  browser: Browser,
  admin: { email: string; password: string },
) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: h.base });
  const page = await context.newPage();
  await journey(h, 'settings', page, async () => {
    const login = await h.api<{ accessToken: string }>('POST', '/auth/login', admin);
    const scripted = await scriptMissing(page, h, login.body.accessToken);
    if (scripted.length) console.log(`     (scripted: ${scripted.join(', ')})`);
    await page.goto(`${h.base}/login`);
    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password').fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Resources' }).waitFor();
    h.check(
      'admins see the Users page in the navigation',
      (await page.getByRole('link', { name: 'Users' }).count()) === 1,
    );

    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('button', { name: 'Create key' }).waitFor();
    await page.getByLabel('Name').fill('CI pipeline');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByText('Copy it now').waitFor();
    const key = await page.getByLabel('New API key').inputValue();
    await page.getByRole('button', { name: 'Copy key' }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    h.check(
      'a new key is shown once, with a copy button',
      key.length > 0 && (await page.evaluate(() => navigator.clipboard.readText())) === key,
    );
    await h.audit(page, 'API keys');
    await h.shot(page, 'desktop-api-keys');

    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByLabel('Endpoint URL').fill('http://127.0.0.1:9/hooks/ledgerbase');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await page.getByText('Copy its signing secret').waitFor();
    h.check(
      'a new webhook shows its secret once',
      (await page.getByLabel('Signing secret', { exact: true }).inputValue()).startsWith('whsec_'),
    );
    await h.audit(page, 'webhooks');
    await h.shot(page, 'desktop-webhooks');

    for (const [link, label] of [
      ['Users', 'users'],
      ['Audit log', 'audit log'],
    ] as const) {
      await page.getByRole('link', { name: link, exact: true }).click();
      await page.getByRole('heading', { name: link, level: 1 }).waitFor();
      await page
        .locator('main [role="status"]')
        .first()
        .waitFor({ state: 'detached' })
        .catch(() => {});
      await h.audit(page, label);
      await h.shot(page, `desktop-${label.replace(' ', '-')}`);
    }
  });
  await context.close();
}
