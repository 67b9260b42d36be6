import { test, expect, Page } from '@playwright/test';
import { go, hydrated, openPublishedDashboard, shot, signIn } from './helpers';

// The seeds on QlikView CALs: an admin assigns a Named CAL and its holder opens the app; a second
// person, with no CAL free, is refused and reads why for each kind; the admin allocates one from
// the week's denials and the person gets in.

const MEI = { email: 'mei@demo.sightline.dev', password: 'sightline-demo', name: 'Mei Chen' };
const GRACE = { email: 'grace@demo.sightline.dev', password: 'sightline-demo', name: 'Grace Okafor' };

// The sales dashboard's sheets: opening them is what takes a licence.
async function openSheets(page: Page) {
  await openPublishedDashboard(page);
  await page.getByRole('link', { name: 'Open app' }).click();
  await hydrated(page);
}

async function setCals(page: Page, named: string, dynamic: boolean, session: string, usage: string) {
  const settings = page.locator('section.card', { has: page.getByRole('heading', { name: 'Settings' }) });
  await settings.getByLabel('Scheme').selectOption('cals');
  await settings.getByLabel('Named User CALs').fill(named);
  await settings.getByLabel('Give Named CALs on first use (dynamic)').setChecked(dynamic);
  await settings.getByLabel('Session CALs').fill(session);
  await settings.getByLabel('Usage CALs').fill(usage);
  await settings.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByText(`of ${named}`).first()).toBeVisible();
}

test('a Named CAL opens the app, a refusal says why, and one click from the denials lets the person in', async ({ page, browser }) => {
  await signIn(page);
  await go(page, 'Licences');
  await expect(page.getByRole('heading', { name: 'CALs', exact: true })).toBeVisible();
  // Only Named CALs, given by an admin: no dynamic assignment, no Session or Usage CALs.
  await setCals(page, '4', false, '0', '0');

  // Dana gives Mei a Named CAL.
  const allocations = page.locator('section.card', { has: page.getByRole('heading', { name: 'Allocations' }) });
  await allocations.getByRole('searchbox', { name: 'Person' }).fill('Mei');
  await allocations.getByRole('option', { name: /Mei Chen/ }).click();
  await allocations.getByLabel('Licence').selectOption('named_cal');
  await allocations.getByRole('button', { name: 'Give' }).click();
  await expect(allocations.getByRole('cell', { name: /Mei Chen/ })).toBeVisible();
  await shot(page, '40-licences-assigned');

  // Mei opens the dashboard.
  const mei = await (await browser.newContext()).newPage();
  await signIn(mei, MEI);
  await openSheets(mei);
  await expect(mei.getByRole('heading', { name: 'Sales dashboard' })).toBeVisible();
  await expect(mei.getByText('No licence available')).toHaveCount(0);

  // Grace holds no CAL and none is given out by itself: refused, with every kind tried.
  const grace = await (await browser.newContext()).newPage();
  await signIn(grace, GRACE);
  await openSheets(grace);
  const refusal = grace.getByRole('alert');
  await expect(refusal).toContainText('No licence available');
  await expect(refusal).toContainText('you hold no Named User CAL, and they are not assigned on first use');
  await expect(refusal).toContainText('no Session CAL free: 0 of 0 in use');
  await expect(refusal).toContainText('Ask a tenant admin');
  await shot(grace, '41-licence-denied');

  // Dana sees the denial and gives Grace a Named CAL from it.
  await page.reload();
  await hydrated(page);
  const denials = page.locator('section.card', { has: page.getByRole('heading', { name: 'Denied in the last 7 days' }) });
  const row = denials.getByRole('row', { name: /Grace Okafor/ }).first();
  await expect(row).toContainText('none given on first use');
  await row.getByRole('button', { name: 'Give a Named User CAL' }).click();
  await expect(allocations.getByRole('cell', { name: /Grace Okafor/ })).toBeVisible();
  await shot(page, '42-licence-from-denials');

  // Grace gets in.
  await grace.reload();
  await hydrated(grace);
  await expect(grace.getByRole('heading', { name: 'Sales dashboard' })).toBeVisible();
  await expect(grace.getByText('No licence available')).toHaveCount(0);

  // The demo's CALs again (dynamic Named CALs, a Session CAL and two Usage CALs).
  await setCals(page, '4', true, '1', '2');
});
