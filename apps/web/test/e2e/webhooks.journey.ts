// Webhooks for real: a receiver on this machine, a webhook added in the console, a change made
// through the API, a signed delivery (Standard Webhooks) arriving, and the console listing it.
import type { Browser, Page } from 'playwright-core';
import { DESKTOP, type Harness, journey, type Member, signIn, withContext } from './harness.ts';
import { hasValidSignature, type Receiver, startReceiver } from './receiver.ts';

interface DeliveryRow {
  eventType: string;
  status: string;
  responseStatus: number | null;
}

/** The delivery's status is written after the receiver answered: wait for it, within bounds. */
async function waitForDelivered(h: Harness, token: string, webhookId: string): Promise<DeliveryRow[]> {
  let rows: DeliveryRow[] = [];
  for (let i = 0; i < 50; i++) {
    const answer = await h.api<{ data: DeliveryRow[] }>(
      'GET',
      `/webhooks/${webhookId}/deliveries`,
      undefined,
      token,
    );
    rows = answer.body?.data ?? [];
    if (rows.some((row) => row.status === 'delivered')) return rows;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no delivered delivery after 10 s: ${JSON.stringify(rows)}`);
}

export async function webhooksJourney(h: Harness, browser: Browser): Promise<void> {
  const user = await h.member('Wanda Webhook');
  let receiver: Receiver | null = null;
  try {
    receiver = await startReceiver();
    const hooks = receiver;
    await withContext(browser, DESKTOP, async (context) => {
      const page = await context.newPage();
      await journey(h, 'webhooks', page, () => steps(h, page, user, hooks));
    });
  } finally {
    await receiver?.close();
  }
}

async function steps(h: Harness, page: Page, user: Member, receiver: Receiver): Promise<void> {
  await page.goto(`${h.base}/login`);
  await signIn(page, user);
  await page.getByRole('link', { name: 'Webhooks' }).click();
  await page.getByText('No webhooks yet.').waitFor();
  await page.getByLabel('Endpoint URL').fill(receiver.url);
  await page.getByLabel('Description (optional)').fill('Browser journey receiver');
  await page.getByRole('button', { name: 'Add webhook' }).click();
  await page.getByText('Copy its signing secret').waitFor();
  const secret = await page.getByLabel('Signing secret', { exact: true }).inputValue();
  h.check('a new webhook shows its signing secret once', /^whsec_[A-Za-z0-9+/=]{32,}$/.test(secret), secret);
  await h.audit(page, 'webhooks, secret shown');

  const listed = await h.api<{ data: { id: string; url: string }[] }>(
    'GET',
    '/webhooks',
    undefined,
    user.token,
  );
  const webhook = listed.body.data.find((item) => item.url === receiver.url);
  if (!webhook) throw new Error('the webhook made in the console is not in GET /webhooks');

  const created = await h.api<{ id: string }>(
    'POST',
    '/resources',
    { name: 'Hooked invoice', metadata: { amount: 7 } },
    user.token,
  );
  const delivery = await receiver.waitFor((item) => item.body.includes(created.body.id));
  const payload = JSON.parse(delivery.body) as {
    type: string;
    timestamp: string;
    data: { resourceId: string };
  };
  h.check(
    'the receiver gets the change as a POST with webhook-id, webhook-timestamp and webhook-signature',
    delivery.method === 'POST' &&
      ['webhook-id', 'webhook-timestamp', 'webhook-signature'].every((name) =>
        Boolean(delivery.headers[name]),
      ),
    JSON.stringify(delivery.headers),
  );
  h.check(
    'the payload is {type, timestamp, data} for that resource',
    payload.type === 'resource.created' &&
      payload.data.resourceId === created.body.id &&
      !Number.isNaN(Date.parse(payload.timestamp)),
    delivery.body.slice(0, 200),
  );
  h.check(
    'the signature verifies with the secret the console showed',
    hasValidSignature(delivery, secret),
    String(delivery.headers['webhook-signature']),
  );

  await waitForDelivered(h, user.token, webhook.id);
  await page.getByRole('button', { name: 'I have stored it' }).click();
  h.check(
    'the secret is gone once dismissed',
    (await page.getByLabel('Signing secret', { exact: true }).count()) === 0 &&
      !((await page.locator('body').textContent()) ?? '').includes(secret),
  );
  await page.getByRole('button', { name: 'Deliveries' }).click();
  const row = page.getByRole('row').filter({ hasText: 'resource.created' });
  await row.first().waitFor({ timeout: 10_000 });
  const cells = await row.first().getByRole('cell').allInnerTexts();
  h.check(
    'the deliveries view lists it as delivered, with the receiver’s 204',
    cells[1] === 'resource.created' && cells[2] === 'delivered' && cells[4] === '204',
    cells.join(' | '),
  );
  await h.audit(page, 'webhooks with deliveries');
  await h.shot(page, 'desktop-webhooks');

  await page.getByRole('button', { name: 'Delete', exact: true }).click();
  await page.getByRole('button', { name: 'Delete webhook' }).click();
  await page.getByText('No webhooks yet.').waitFor();
  const after = await h.api<{ data: unknown[] }>('GET', '/webhooks', undefined, user.token);
  h.check('deleting the webhook in the console removes it', after.body.data.length === 0);
}
