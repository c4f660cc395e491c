// Resource list (paging, search, sort, metadata filter), delete and undo, silent token refresh and
// keyboard entry. Live updates are part of the core journey; phone widths of the accessibility one.
import type { Browser, Page } from 'playwright-core';
import { type Account, DESKTOP, type Harness, journey, withContext } from './harness.ts';

const count = (page: Page, n: number, atLeast = false) =>
  page.waitForFunction(
    ([want, min]) => {
      const have = document.querySelectorAll('.resource-card').length;
      return min ? have >= want : have === want;
    },
    [n, atLeast] as const,
  );

export async function listJourney(h: Harness, browser: Browser): Promise<void> {
  const { email, password, token } = await h.member('Bob Builder');
  for (let i = 1; i <= 25; i++) {
    const metadata = { n: i, even: i % 2 === 0, status: i % 3 === 0 ? 'paid' : 'open' };
    await h.api('POST', '/resources', { name: `Item ${String(i).padStart(2, '0')}`, metadata }, token);
  }
  await h.api('POST', '/resources', { name: '100% off_sale', metadata: { n: '1' } }, token);

  await withContext(browser, DESKTOP, async (context) => {
    const page = await context.newPage();
    await journey(h, 'list', page, () => steps(h, page, { email, password }, token));
  });
}

async function steps(h: Harness, page: Page, { email, password }: Account, token: string): Promise<void> {
  await page.goto(`${h.base}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor();
  h.check(
    'a failed sign-in shows the API message',
    ((await page.getByRole('alert').textContent()) ?? '').length > 0,
  );
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await count(page, 20);
  await page.getByRole('button', { name: 'Load more' }).click();
  await count(page, 26);
  h.check(
    'cursor paging loads the rest',
    (await page.getByRole('button', { name: 'Load more' }).count()) === 0,
  );
  await h.shot(page, 'desktop-list');

  await page.getByLabel('Search by name').fill('100%');
  await count(page, 1);
  h.check(
    'search treats % literally',
    (await page.locator('.resource-name').first().textContent()) === '100% off_sale',
  );
  await page.getByLabel('Search by name').fill('');
  await count(page, 20, true);
  await page.getByLabel('Sort').selectOption('-name');
  await page.waitForFunction(() => document.querySelector('.resource-name')?.textContent === 'Item 25');
  const sorted = await page.locator('.resource-name').allTextContents();
  h.check(
    'sort by name descending',
    sorted.slice(0, 3).join() === 'Item 25,Item 24,Item 23',
    sorted.slice(0, 3).join(),
  );
  const filter = page.getByLabel('Metadata contains (JSON)');
  await filter.fill('{"status": "paid", "even": true}');
  await filter.press('Enter');
  await count(page, 4);
  await filter.fill('{"n": "1"}');
  await filter.press('Enter');
  await count(page, 1);
  h.check(
    'metadata filter is typed containment ("1" matches the string, not the number)',
    (await page.locator('.resource-name').first().textContent()) === '100% off_sale',
  );
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await count(page, 20, true);

  await page.getByRole('link', { name: 'Item 25' }).click();
  await page.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('button', { name: 'Delete it' }).click();
  await page.getByRole('heading', { name: 'Recently deleted' }).waitFor();
  h.check(
    'deleted resource leaves the list',
    (await page.getByRole('link', { name: 'Item 25' }).count()) === 0,
  );
  await page.locator('.recently-deleted').getByRole('button', { name: 'Restore' }).click();
  await page.getByRole('link', { name: 'Item 25' }).waitFor();
  const back = await h.api<{ data: { name: string }[] }>('GET', '/resources?q=Item%2025', undefined, token);
  h.check('restore brings it back', back.body.data.length === 1, JSON.stringify(back.body));

  await silentRefresh(h, page);

  await page.goto(`${h.base}/resources`);
  await page.getByRole('heading', { name: 'Resources' }).waitFor();
  await page.keyboard.press('Tab');
  const first = await page.evaluate(() => document.activeElement?.textContent);
  h.check('the first Tab reaches "Skip to content"', first === 'Skip to content');
}

async function silentRefresh(h: Harness, page: Page): Promise<void> {
  // Load first: a page load itself trades the stored refresh token for an access token.
  await page.goto(`${h.base}/resources`);
  await count(page, 20, true);
  let refreshes = 0;
  let rejected = false;
  page.on('request', (request) => {
    if (request.url().endsWith('/auth/refresh')) refreshes++;
  });
  await page.route('**/api/v1/resources?*', (route) => {
    if (rejected) return route.continue();
    rejected = true;
    const body = '{"error":{"code":"UNAUTHENTICATED","message":"expired"}}';
    return route.fulfill({ status: 401, contentType: 'application/json', body });
  });
  await page.getByLabel('Search by name').fill('Item 0');
  await count(page, 9);
  h.check('a 401 refreshes silently once and retries', refreshes === 1 && rejected, String(refreshes));
  await page.unroute('**/api/v1/resources?*');
  h.check('nothing is kept in localStorage', (await page.evaluate(() => localStorage.length)) === 0);
}
