import { test, expect, Page } from '@playwright/test';
import { hydrated, openPublishedDashboard, shot, signIn } from '../tests/helpers';

// The scale-out issue's "what an operator sees": three processes behind nginx in round robin,
// without sticky sessions, look like one Sightline. Every request may land on any process; one
// of them is killed (kill -9) in the middle, and the person in the browser notices nothing.

const victim = Number(process.env.SIGHTLINE_SCALE_VICTIM ?? 0);

const chips = (page: Page) => page.locator('.selections-bar .chip');
const pane = (page: Page, field: string) =>
  page.locator('.chart-filter_pane', { has: page.locator('figcaption', { hasText: new RegExp(`^${field}$`) }) });

test('sign in, select, go back and forward, share, open a link and join a session, while a process dies', async ({ page, browser }) => {
  await signIn(page);
  await openPublishedDashboard(page);
  const link = await page.locator('#anonymous-access .copy-field input').first().inputValue();
  await page.getByRole('link', { name: 'Open app' }).click();
  await hydrated(page);

  // Selections, each answered by whichever process nginx picks: they add up as one history.
  await pane(page, 'Category').locator('li.value[data-value="Bikes"]').click();
  await expect(chips(page)).toHaveCount(1);
  await pane(page, 'Segment').locator('li.value').first().click();
  await expect(chips(page)).toHaveCount(2);
  await page.getByRole('button', { name: 'Back' }).click();
  await expect(chips(page)).toHaveCount(1);
  await page.getByRole('button', { name: 'Forward' }).click();
  await expect(chips(page)).toHaveCount(2);
  await shot(page, '60-scale-out-selections');

  // One process dies without a word.
  if (victim > 0) process.kill(victim, 'SIGKILL');

  // A reload lands anywhere: the selections are still there, and back still works.
  await page.reload();
  await hydrated(page);
  await expect(chips(page)).toHaveCount(2);
  await page.getByRole('button', { name: 'Back' }).click();
  await expect(chips(page)).toHaveCount(1);
  await page.getByRole('button', { name: 'Clear all' }).click();
  await expect(chips(page)).toHaveCount(0);

  // Share an app with everyone in the tenant.
  await page.goto('/spaces');
  await hydrated(page);
  await page.getByRole('link', { name: 'Sales analytics' }).click();
  await hydrated(page);
  const churn = page.locator('li[data-app="Customer churn"]');
  await churn.getByRole('button', { name: 'Share' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('searchbox').fill('fina');
  await dialog.getByRole('option', { name: /Finance/ }).click();
  await dialog.getByRole('combobox', { name: 'Role for the new share' }).selectOption({ label: 'Can view' });
  await dialog.getByRole('button', { name: 'Share', exact: true }).click();
  await expect(dialog.locator('li[data-share="Finance"]')).toBeVisible();
  await dialog.getByRole('button', { name: 'Done' }).click();
  await page.reload();
  await hydrated(page);
  await page.locator('li[data-app="Customer churn"]').getByRole('button', { name: 'Share' }).click();
  await expect(page.getByRole('dialog').locator('li[data-share="Finance"]')).toBeVisible();
  await page.getByRole('dialog').getByRole('button', { name: 'Done' }).click();

  // A visitor opens the public link and selects.
  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto(link);
  await expect(visitor.locator('.visitor figure.chart').first()).toBeVisible();
  await hydrated(visitor);
  await visitor.locator('.chart-filter_pane li.value[data-value="Bikes"]').first().click();
  await expect(visitor.locator('.selections-bar .chip[data-field="Category"]')).toContainText('Bikes');
  await visitor.locator('.chart-filter_pane li.value[data-value="Parts"]').first().click();
  await expect(visitor.locator('.selections-bar .chip[data-field="Category"]')).toContainText('Parts');
  await shot(visitor, '61-scale-out-visitor');

  // A collaborative session: Dana starts it, Bob joins; their sockets may sit on different
  // processes, and Bob's selection reaches Dana. Sessions that people without an account join
  // are off until a tenant admin turns them on: Dana does, on whichever process answers.
  await page.goto('/admin/embedding');
  await hydrated(page);
  const outsiders = page.getByRole('checkbox', { name: /People without an account may join/ });
  if (!(await outsiders.isChecked())) await outsiders.check();
  await expect(page.getByText('People without an account may join: on')).toBeVisible();
  await openPublishedDashboard(page);
  await page.getByRole('link', { name: 'Open app' }).click();
  await hydrated(page);
  await page.getByRole('button', { name: 'Start collaborative session' }).click();
  await expect(page.getByLabel('Anyone with the link')).toBeChecked();
  await page.getByRole('button', { name: 'Start and get the invitation link' }).click();
  await page.waitForURL(/\/collab\/[0-9a-f]{24}#invite=/);
  await hydrated(page);
  const invitation = await page.getByLabel('Send this link').inputValue();
  const bob = await (await browser.newContext()).newPage();
  await bob.goto(invitation);
  await hydrated(bob);
  await bob.getByLabel('Your email').fill('bob@partner.example');
  await bob.getByRole('button', { name: 'Join the session' }).click();
  await bob.waitForURL(/\/collab\/[0-9a-f]{24}$/);
  await hydrated(bob);
  await expect(page.getByRole('complementary', { name: 'Participants' }).locator('li.person', { hasText: 'bob@partner.example' })).toBeVisible();
  await bob.locator('.chart-filter_pane li.value[data-value="Bikes"]').first().click();
  await expect(chips(page)).toContainText(`by bob@partner.example`);
  await shot(page, '62-scale-out-collab');
  await page.getByRole('button', { name: 'Stop the session for everyone' }).click();
  await expect(bob.getByRole('heading', { name: 'This collaborative session is over for you' })).toBeVisible();
});
