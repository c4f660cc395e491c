// Issue 6: an automated accessibility pass (axe-core) on each main page with no serious
// violations, at desktop width (1280) and phone width (390), and once more in the dark colour
// scheme (styles.css has one, so its contrast needs checking too). Every page is visited in a
// state with content: the list empty and filled, a resource with history, a key just created, a
// webhook with its deliveries, the admin's users and audit log.
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { type Account, DESKTOP, type Harness, journey, PHONE, signIn, withContext } from './harness.ts';
import { type Receiver, startReceiver } from './receiver.ts';

// The functional journeys already take these desktop screenshots in richer states.
const DESKTOP_SHOTS = new Set(['users', 'audit-log']);

const PASSES = [
  ['desktop', DESKTOP],
  ['phone', PHONE],
  ['dark', { ...DESKTOP, colorScheme: 'dark' }],
] as const satisfies [string, BrowserContextOptions][];

interface Tour {
  h: Harness;
  page: Page;
  device: (typeof PASSES)[number][0];
}

async function check(tour: Tour, label: string, shot: string): Promise<void> {
  await tour.h.audit(tour.page, tour.device === 'dark' ? `${label}, dark scheme` : label);
  if (tour.device === 'phone' || (tour.device === 'desktop' && DESKTOP_SHOTS.has(shot))) {
    await tour.h.shot(tour.page, `${tour.device}-${shot}`);
  }
}

export async function accessibilityJourney(h: Harness, browser: Browser): Promise<void> {
  const adminToken = await h.login(h.admin);
  let receiver: Receiver | null = null;
  let webhookId = '';
  try {
    // The admin's webhook gets a delivery, so the webhooks page has a deliveries table to check.
    receiver = await startReceiver();
    const hook = await h.api<{ id: string }>(
      'POST',
      '/webhooks',
      { url: receiver.url, events: ['resource.created'], description: 'Accessibility tour' },
      adminToken,
    );
    if (hook.status !== 201) throw new Error(`POST /webhooks answered ${hook.status}`);
    webhookId = hook.body.id;
    const seed = await h.api<{ id: string }>('POST', '/resources', { name: 'Tour seed' }, adminToken);
    await receiver.waitFor((delivery) => delivery.body.includes(seed.body.id));

    for (const [device, options] of PASSES) {
      await withContext(browser, options, async (context) => {
        const page = await context.newPage();
        await journey(h, `accessibility ${device}`, page, () => visit({ h, page, device }));
      });
    }
  } finally {
    if (webhookId) await h.api('DELETE', `/webhooks/${webhookId}`, undefined, adminToken);
    const keys = await h.api<{ data: { id: string; name: string }[] }>(
      'GET',
      '/api-keys',
      undefined,
      adminToken,
    );
    for (const key of keys.body?.data ?? []) {
      if (key.name.startsWith('Tour key'))
        await h.api('DELETE', `/api-keys/${key.id}`, undefined, adminToken);
    }
    await receiver?.close();
  }
}

async function visit(tour: Tour): Promise<void> {
  const { h, page } = tour;
  await page.goto(`${h.base}/`);
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
  await check(tour, 'sign in', 'sign-in');

  const account = { email: `tour.${tour.device}.${Date.now()}@example.com`, password: 'short' };
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByLabel('Name').fill('Tess Tour');
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByText('more characters needed').waitFor();
  await check(tour, 'register (password hint showing)', 'register');
  account.password = 'a long enough passphrase';
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByText('No resources yet.').waitFor();
  await check(tour, 'resource list, empty', 'list-empty');

  await page.getByRole('link', { name: 'New resource' }).click();
  await page.getByLabel('Name').fill('Tour invoice');
  await page.getByLabel('Metadata (JSON object)').fill('{"status": "draft",');
  await page.getByText(/Not valid JSON/).waitFor();
  await check(tour, 'new resource (invalid JSON shown)', 'new-resource');
  await page.getByLabel('Metadata (JSON object)').fill('{"status": "draft", "amount": 100}');
  await page.getByRole('button', { name: 'Create resource' }).click();
  await page.getByRole('heading', { name: 'Tour invoice', level: 1 }).waitFor();
  await check(tour, 'resource detail', 'detail');

  const token = await h.login(account);
  const id = page.url().split('/').pop() ?? '';
  await h.api('PUT', `/resources/${id}`, { name: 'Tour invoice', metadata: { status: 'paid' } }, token);
  await page.getByRole('link', { name: 'History' }).click();
  await page.locator('.timeline-entry').nth(1).waitFor();
  await check(tour, 'resource history', 'history');

  await signOut(page);
  await adminPages(tour, h.admin);
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
}

/** The navigation sits in the header at every width; a phone scrolls it sideways inside itself. */
async function open(page: Page, link: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true }).click();
  await page.getByRole('heading', { name: link, level: 1 }).waitFor();
}

async function adminPages(tour: Tour, admin: Account): Promise<void> {
  const { h, page } = tour;
  // Signing out keeps the address; from /login, signing in lands on the list.
  await page.goto(`${h.base}/login`);
  await signIn(page, admin);
  await page.locator('.resource-card').first().waitFor();
  await check(tour, 'resource list, filled', 'list');

  await open(page, 'API keys');
  await page.getByLabel('Name').fill(`Tour key ${tour.device}`);
  await page.getByRole('button', { name: 'Create key' }).click();
  await page.getByText('Copy it now').waitFor();
  await check(tour, 'API keys, new key shown', 'api-keys');

  await open(page, 'Webhooks');
  await page.getByRole('button', { name: 'Deliveries' }).click();
  await page.getByRole('row').filter({ hasText: 'resource.created' }).first().waitFor();
  await check(tour, 'webhooks with deliveries', 'webhooks');

  await open(page, 'Users');
  await page.getByRole('cell', { name: new RegExp(admin.email) }).waitFor();
  await check(tour, 'admin users', 'users');

  await open(page, 'Audit log');
  await page.locator('tbody tr').first().waitFor();
  await check(tour, 'audit log', 'audit-log');
  await signOut(page);
}
