// The session issue 6 describes, as a new user would live it: open the URL, register, create a
// resource with metadata, edit it in two tabs to provoke a conflict, read its history, restore an
// old version, watch a change made through the API appear live, sign out.
import type { Browser, Page } from 'playwright-core';
import { type Account, DESKTOP, type Harness, journey, withContext } from './harness.ts';

export async function coreJourney(h: Harness, browser: Browser): Promise<void> {
  const account = { email: `ada.${Date.now()}@example.com`, password: 'a long enough passphrase' };
  await withContext(browser, DESKTOP, async (context) => {
    const page = await context.newPage();
    await journey(h, 'core', page, async () => {
      const id = await registerAndCreate(h, page, account);
      await conflict(h, page, id);
      await history(h, page, id);
      await live(h, page, account);
      await signOut(h, page);
    });
  });
}

async function registerAndCreate(h: Harness, page: Page, account: Account): Promise<string> {
  await page.goto(`${h.base}/`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await h.shot(page, 'desktop-sign-in');
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByLabel('Name').fill('Ada Lovelace');
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByText('No resources yet.').waitFor();
  h.check('register signs in and shows the empty state', page.url().endsWith('/resources'), page.url());

  await page.getByRole('link', { name: 'New resource' }).click();
  await page.getByLabel('Name').fill('Invoice 42');
  const metadata = page.getByLabel('Metadata (JSON object)');
  await metadata.fill('{"status": "draft",');
  h.check(
    'metadata editor flags invalid JSON as you type',
    (await page.getByText(/Not valid JSON/).count()) === 1,
  );
  h.check(
    'create is disabled while invalid',
    await page.getByRole('button', { name: 'Create resource' }).isDisabled(),
  );
  await metadata.fill('[1]');
  h.check('metadata must be an object', (await page.getByText(/must be a JSON object/).count()) === 1);
  await metadata.fill('{"status": "draft", "amount": 100}');
  await h.shot(page, 'desktop-new-resource');
  await page.getByRole('button', { name: 'Create resource' }).click();
  await page.getByRole('heading', { name: 'Invoice 42' }).waitFor();
  const shown = (await page.locator('pre.code-block').textContent()) ?? '';
  h.check('the new resource shows its metadata', shown.includes('"amount": 100'), shown);
  await h.shot(page, 'desktop-detail');
  return page.url().split('/').pop() ?? '';
}

/** A second tab joins the session, both edit version 1, the second save gets 412. */
async function conflict(h: Harness, page: Page, id: string): Promise<void> {
  const second = await page.context().newPage();
  try {
    await second.goto(`${h.base}/resources/${id}/edit`);
    await second.getByRole('heading', { name: /^Edit/ }).waitFor();
    h.check(
      'a second tab joins the session without signing in again',
      (await second.getByLabel('Name').inputValue()) === 'Invoice 42',
    );
    await page.goto(`${h.base}/resources/${id}/edit`);
    await page.getByLabel('Name').fill('Invoice 42 (paid)');
    await page.getByLabel('Metadata (JSON object)').fill('{"status": "paid", "amount": 100}');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Invoice 42 (paid)' }).waitFor();
    await second.getByLabel('Metadata (JSON object)').fill('{"status": "draft", "amount": 120}');
    await h.audit(second, 'edit resource');
    await second.getByRole('button', { name: 'Save changes' }).click();
    await second.getByText('Someone else saved this resource while you were editing.').waitFor();
    const panel = (await second.locator('.conflict').textContent()) ?? '';
    h.check(
      '412 shows what changed meanwhile',
      panel.includes('"Invoice 42 (paid)"') && panel.includes('"paid"'),
      panel.slice(0, 200),
    );
    await second.getByText('Compare the full documents').click();
    await h.audit(second, 'edit conflict');
    await h.shot(second, 'desktop-conflict');
    await second.getByRole('button', { name: /Reapply my changes to version 2/ }).click();
    await second.getByRole('heading', { name: 'Invoice 42 (paid)' }).waitFor();
    const merged = (await second.locator('pre.code-block').textContent()) ?? '';
    h.check(
      'reapply keeps both edits (their status and name, my amount)',
      merged.includes('"amount": 120') && merged.includes('"paid"'),
      merged,
    );
  } finally {
    await second.close();
  }
}

async function history(h: Harness, page: Page, id: string): Promise<void> {
  await page.goto(`${h.base}/resources/${id}`);
  await page.getByRole('link', { name: 'History' }).click();
  await page.locator('.timeline-entry').nth(2).waitFor();
  const timeline = (await page.locator('.timeline').textContent()) ?? '';
  h.check(
    'history reads as diffs',
    timeline.includes('Changed') && timeline.includes('"draft"'),
    timeline.slice(0, 200),
  );
  await h.shot(page, 'desktop-history');
  await page.getByRole('button', { name: 'Restore version 1' }).click();
  await page.getByRole('button', { name: 'Restore', exact: true }).click();
  await page.locator('.timeline-entry').nth(3).waitFor();
  h.check('restore to version 1 adds version 4', (await page.locator('.timeline-entry').count()) === 4);
  await page
    .getByRole('navigation', { name: 'Breadcrumb' })
    .getByRole('link', { name: 'Invoice 42', exact: true })
    .click();
  await page.getByRole('heading', { name: 'Invoice 42', exact: true }).waitFor();
  const restored = (await page.locator('pre.code-block').textContent()) ?? '';
  h.check(
    'the restored resource has version 1’s name and metadata',
    restored.includes('"draft"') && restored.includes('"amount": 100'),
    restored,
  );
}

/**
 * The list is open; the same user creates and then renames a resource through the HTTP API. Both
 * must reach the page over /events, with no reload (a marker on window would not survive one).
 */
async function live(h: Harness, page: Page, account: Account): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Resources' }).click();
  await page.getByRole('heading', { name: 'Resources', level: 1 }).waitFor();
  await page.locator('.live-live').waitFor({ timeout: 10_000 });
  await page.evaluate(() => Object.assign(window, { e2eSamePage: true }));
  const token = await h.login(account);
  const created = await h.api<{ id: string; version: number }>(
    'POST',
    '/resources',
    { name: 'Made through the API', metadata: { source: 'curl' } },
    token,
  );
  if (created.status !== 201) throw new Error(`POST /resources answered ${created.status}`);
  const row = page.getByRole('link', { name: 'Made through the API' });
  await row.waitFor({ timeout: 10_000 });
  h.check(
    'a resource created through the API appears in the open list',
    (await row.getAttribute('href')) === `/resources/${created.body.id}`,
  );
  const renamed = await h.api(
    'PUT',
    `/resources/${created.body.id}`,
    { name: 'Renamed through the API', metadata: { source: 'curl' } },
    token,
  );
  if (renamed.status !== 200) throw new Error(`PUT answered ${renamed.status}`);
  await page.getByRole('link', { name: 'Renamed through the API' }).waitFor({ timeout: 10_000 });
  h.check(
    'its new name replaces the old one, without a reload',
    (await page.getByRole('link', { name: 'Made through the API' }).count()) === 0 &&
      (await page.evaluate(() => 'e2eSamePage' in window)),
  );
  const notice = page.getByRole('region', { name: 'Notifications' });
  await notice.getByText('“Renamed through the API” was updated elsewhere').waitFor({ timeout: 5_000 });
  h.check(
    'the change from elsewhere is announced in a polite live region',
    (await notice.getAttribute('aria-live')) === 'polite',
  );
}

async function signOut(h: Harness, page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('You have signed out.').waitFor();
  await page.reload();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  h.check(
    'sign out ends the session, also after reload',
    (await page.getByRole('button', { name: 'Sign out' }).count()) === 0,
  );
}
