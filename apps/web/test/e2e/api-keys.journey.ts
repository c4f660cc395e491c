// API keys as a user meets them: create one in the console, copy the secret (shown once), use it
// against the API, come back later (no secret any more), revoke it (the API then answers 401).
import type { Browser, Page } from 'playwright-core';
import { DESKTOP, type Harness, journey, type Member, signIn, withContext } from './harness.ts';

const withKey =
  (h: Harness, key: string, init: RequestInit = {}) =>
  (route: string) =>
    fetch(`${h.base}/api/v1${route}`, {
      ...init,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    });

export async function apiKeysJourney(h: Harness, browser: Browser): Promise<void> {
  const user = await h.member('Kim Keys');
  await withContext(browser, DESKTOP, async (context) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: h.base });
    const page = await context.newPage();
    await journey(h, 'api keys', page, () => steps(h, page, user));
  });
}

async function steps(h: Harness, page: Page, user: Member): Promise<void> {
  await page.goto(`${h.base}/login`);
  await signIn(page, user);
  await page.getByRole('link', { name: 'API keys' }).click();
  await page.getByText('No API keys yet.').waitFor();
  h.check(
    'members are not offered the admin scope',
    (await page.getByRole('checkbox').count()) === 3 &&
      (await page.getByRole('checkbox', { name: /^admin/ }).count()) === 0,
  );
  await page.getByLabel('Name').fill('CI pipeline');
  await page.getByRole('button', { name: 'Create key' }).click();
  await page.getByText('Copy it now').waitFor();
  const key = await page.getByLabel('New API key').inputValue();
  h.check('the new key is shown in full', key.length >= 32, key);

  await page.getByRole('button', { name: 'Copy key' }).click();
  await page.getByRole('button', { name: 'Copied' }).waitFor();
  const clipboard = await page.evaluate(() => navigator.clipboard.readText());
  h.check('the copy button puts the key on the clipboard', clipboard === key, clipboard);
  await h.audit(page, 'API keys, key shown');
  await h.shot(page, 'desktop-api-keys');

  const read = await withKey(h, key)('/resources');
  h.check('the key reads resources (resources:read)', read.status === 200, String(read.status));
  const write = await withKey(h, key, { method: 'POST', body: JSON.stringify({ name: 'by key' }) })(
    '/resources',
  );
  h.check('the key cannot write without resources:write (403)', write.status === 403, String(write.status));

  // Leave the page and come back: the list shows the key, never its secret.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Resources' }).click();
  await page.getByRole('heading', { name: 'Resources', level: 1 }).waitFor();
  await page.getByRole('link', { name: 'API keys' }).click();
  await page.getByText('CI pipeline').waitFor();
  const values = await page
    .locator('input')
    .evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).value));
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
  h.check(
    'after leaving the page the secret is not shown again, nor kept in storage',
    (await page.getByLabel('New API key').count()) === 0 &&
      !((await page.locator('body').textContent()) ?? '').includes(key) &&
      !values.some((value) => value.includes(key)) &&
      !stored.includes(key),
  );

  await page.getByRole('button', { name: 'Revoke', exact: true }).click();
  await page.getByRole('button', { name: 'Revoke key' }).click();
  await page.getByText('No API keys yet.').waitFor();
  const revoked = await withKey(h, key)('/resources');
  h.check(
    'a revoked key gets 401 with WWW-Authenticate: Bearer',
    revoked.status === 401 && /^Bearer/.test(revoked.headers.get('www-authenticate') ?? ''),
    String(revoked.status),
  );
}
