// The journey the issue describes: register, create with metadata, conflicting edits in two tabs,
// history with readable diffs, restore an old version, sign out.
import type { Browser } from 'playwright-core';
import { type Harness, journey } from './harness.ts';

export async function coreJourney(h: Harness, browser: Browser): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  const email = `ada${Date.now()}@example.com`;
  await journey(h, 'core', page, async () => {
    await page.goto(`${h.base}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await h.audit(page, 'sign in');
    await h.shot(page, 'desktop-sign-in');

    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Name').fill('Ada Lovelace');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('a long enough passphrase');
    await h.audit(page, 'register');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('No resources yet.').waitFor();
    h.check('register signs in and shows the empty state', page.url().endsWith('/resources'));
    await h.audit(page, 'empty resource list');

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
    await h.audit(page, 'new resource');
    await h.shot(page, 'desktop-new-resource');
    await page.getByRole('button', { name: 'Create resource' }).click();
    await page.getByRole('heading', { name: 'Invoice 42' }).waitFor();
    const id = page.url().split('/').pop() ?? '';
    await h.audit(page, 'resource detail');
    await h.shot(page, 'desktop-detail');

    // A second tab joins the session, both edit version 1, the second save gets 412.
    const second = await context.newPage();
    await second.goto(`${h.base}/resources/${id}/edit`);
    await second.getByRole('heading', { name: /^Edit/ }).waitFor();
    h.check('a second tab joins the session without signing in again', true);
    await page.goto(`${h.base}/resources/${id}/edit`);
    await page.getByLabel('Name').fill('Invoice 42 (paid)');
    await page.getByLabel('Metadata (JSON object)').fill('{"status": "paid", "amount": 100}');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Invoice 42 (paid)' }).waitFor();
    await second.getByLabel('Metadata (JSON object)').fill('{"status": "draft", "amount": 120}');
    await second.getByRole('button', { name: 'Save changes' }).click();
    await second.getByText('Someone else saved this resource while you were editing.').waitFor();
    const conflict = (await second.locator('.conflict').textContent()) ?? '';
    h.check(
      '412 shows what changed meanwhile',
      conflict.includes('"Invoice 42 (paid)"') && conflict.includes('"paid"'),
    );
    await second.locator('details summary').click();
    await h.audit(second, 'edit conflict');
    await h.shot(second, 'desktop-conflict');
    await second.getByRole('button', { name: /Reapply my changes to version 2/ }).click();
    await second.getByRole('heading', { name: 'Invoice 42 (paid)' }).waitFor();
    const merged = (await second.locator('pre.code-block').textContent()) ?? '';
    h.check(
      'reapply keeps both edits',
      merged.includes('"amount": 120') && merged.includes('"paid"'),
      merged,
    );

    await second.getByRole('link', { name: 'History' }).click();
    await second.locator('.timeline-entry').nth(2).waitFor();
    const timeline = (await second.locator('.timeline').textContent()) ?? '';
    h.check(
      'history reads as diffs',
      timeline.includes('Changed') && timeline.includes('"draft"'),
      timeline.slice(0, 200),
    );
    await h.audit(second, 'history');
    await h.shot(second, 'desktop-history');
    await second.getByRole('button', { name: 'Restore version 1' }).click();
    await second.getByRole('button', { name: 'Restore', exact: true }).click();
    await second.locator('.timeline-entry').nth(3).waitFor();
    h.check('restore to version 1 adds version 4', (await second.locator('.timeline-entry').count()) === 4);
    await second.close();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You have signed out.').waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    h.check('sign out ends the session, also after reload', true);
  });
  await context.close();
}
