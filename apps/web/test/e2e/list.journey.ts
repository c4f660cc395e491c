// Resource list (paging, search, sort, metadata filter), delete and undo, live updates, silent
// token refresh, keyboard entry, and the main pages at phone width.
import type { Browser, Page } from 'playwright-core';
import { type Harness, journey } from './harness.ts';

const count = (page: Page, n: number, atLeast = false) =>
  page.waitForFunction(
    ([want, min]) => {
      const have = document.querySelectorAll('.resource-card').length;
      return min ? have >= want : have === want;
    },
    [n, atLeast] as const,
  );

export async function listJourney(h: Harness, browser: Browser): Promise<void> {
  const email = `bob${Date.now()}@example.com`;
  const password = 'another long passphrase';
  await h.api('POST', '/auth/register', { email, password, name: 'Bob Builder' });
  const login = await h.api<{ accessToken: string }>('POST', '/auth/login', { email, password });
  const token = login.body.accessToken;
  for (let i = 1; i <= 25; i++) {
    const metadata = { n: i, even: i % 2 === 0, status: i % 3 === 0 ? 'paid' : 'open' };
    await h.api('POST', '/resources', { name: `Item ${String(i).padStart(2, '0')}`, metadata }, token);
  }
  await h.api('POST', '/resources', { name: '100% off_sale', metadata: { n: '1' } }, token);

  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  await journey(h, 'list', page, async () => {
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
    await h.audit(page, 'resource list');
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
    h.check('sort by name descending', true);
    const filter = page.getByLabel('Metadata contains (JSON)');
    await filter.fill('{"status": "paid", "even": true}');
    await filter.press('Enter');
    await count(page, 4);
    await filter.fill('{"n": "1"}');
    await filter.press('Enter');
    await count(page, 1);
    h.check('metadata filter is typed containment', true);
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
    h.check('restore brings it back', true);

    await liveUpdates(h, page, token);
    await silentRefresh(h, page);

    await page.goto(`${h.base}/resources`);
    await page.getByRole('heading', { name: 'Resources' }).waitFor();
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => document.activeElement?.textContent);
    h.check('the first Tab reaches "Skip to content"', first === 'Skip to content');
  });
  await context.close();
  await phone(h, browser, email, password);
}

/** Uses the real /events when the server has it, else a scripted stream (parser, reconnect, Last-Event-ID). */
async function liveUpdates(h: Harness, page: Page, token: string): Promise<void> {
  const probe = await fetch(`${h.base}/api/v1/events`, { headers: { authorization: `Bearer ${token}` } });
  await probe.body?.cancel();
  const list = await h.api<{ data: { id: string; version: number }[] }>(
    'GET',
    '/resources?limit=1',
    undefined,
    token,
  );
  const target = list.body.data[0];
  if (!target) throw new Error('no resource to update');
  if (probe.status === 200) {
    await page.goto(`${h.base}/resources`);
    await page.locator('.live-live').waitFor();
    await h.api('PUT', `/resources/${target.id}`, { name: 'Renamed elsewhere', metadata: {} }, token);
    await page.getByRole('link', { name: 'Renamed elsewhere' }).waitFor({ timeout: 10_000 });
    h.check('a change made through the API appears live', true);
    return;
  }
  const lastIds: (string | null)[] = [];
  await page.route('**/api/v1/events', async (route) => {
    lastIds.push(route.request().headers()['last-event-id'] ?? null);
    if (lastIds.length > 1)
      return route.fulfill({ status: 404, contentType: 'application/json', body: '{}' });
    const resource = { ...target, name: 'Renamed live', version: target.version + 1 };
    const data = {
      type: 'resource.updated',
      resourceId: target.id,
      version: resource.version,
      actorId: 'other',
      occurredAt: new Date().toISOString(),
      resource,
    };
    const body = `: hi\r\n\r\nid: 42\r\nevent: resource.updated\r\ndata: ${JSON.stringify(data)}\r\n\r\n`;
    return route.fulfill({ status: 200, headers: { 'content-type': 'text/event-stream' }, body });
  });
  await page.reload();
  // The scripted change never happened on the server, so the list's refetch undoes it: the
  // notice is what proves the event was parsed and applied.
  await page.getByText('“Renamed live” was updated elsewhere').waitFor();
  h.check('an SSE event is parsed and announced (scripted stream)', true);
  await page.waitForTimeout(2500);
  h.check('reconnects with Last-Event-ID and goes quiet on 404', lastIds.join() === ',42', lastIds.join());
  await page.unroute('**/api/v1/events');
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

async function phone(h: Harness, browser: Browser, email: string, password: string): Promise<void> {
  const context = await browser.newContext({
    viewport: { width: 375, height: 812 },
    isMobile: true,
    hasTouch: true,
  });
  const page = await context.newPage();
  await journey(h, 'phone', page, async () => {
    await page.goto(`${h.base}/login`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.resource-card').first().waitFor();
    await h.audit(page, 'phone list');
    await h.shot(page, 'phone-list');
    await page.locator('.resource-name').first().click();
    await page.locator('.facts').waitFor();
    await h.audit(page, 'phone detail');
    await h.shot(page, 'phone-detail');
    await page.getByRole('link', { name: 'History' }).click();
    await page.locator('.timeline-entry').first().waitFor();
    await h.audit(page, 'phone history');
    await h.shot(page, 'phone-history');
  });
  await context.close();
}
