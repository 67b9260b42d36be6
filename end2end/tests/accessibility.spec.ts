import { test, expect } from '@playwright/test';
import { hydrated, openPublishedDashboard, signIn } from './helpers';
import { axeFindings, keep } from './a11y';

// Every visitor can read and use a dashboard: axe (WCAG 2 A and AA) finds nothing on the pages
// people open, the portal's, a visitor's and an embed's. Each page's figure is printed.
test('axe finds no WCAG 2 A or AA violation on the portal, a sheet, the licence center, a visitor page and an embed; a selection is said in words', async ({ page, browser }) => {
  const checked: Record<string, string[]> = {};
  const check = async (name: string, p = page) => {
    const findings = await axeFindings(p);
    keep(name, findings);
    checked[name] = findings.map((f) => `${f.id} (${f.impact}, ${f.nodes}): ${f.help} at ${f.targets.join('; ')}`);
  };
  await signIn(page);
  await check('home');
  await openPublishedDashboard(page);
  const card = page.locator('#anonymous-access');
  const link = await card.locator('.copy-field input').first().inputValue();
  await card.getByText('Embed code', { exact: true }).click();
  const snippet = await card.getByLabel('iframe').inputValue();
  const embed = snippet.match(/src="([^"]+)"/)![1].replace(/&amp;/g, '&');
  await check('app page');
  await page.getByRole('link', { name: 'Open app' }).first().click();
  await hydrated(page);
  await page.locator('figure.chart').first().waitFor();
  await check('sheet');
  // A selection is said in words and announced: the value's state, and the chips' live region.
  const value = page.locator('.chart-filter_pane li.value').first();
  await value.click();
  await expect(value).toHaveAttribute('data-state', 'selected');
  await expect(value.locator('.sr-only')).toHaveText(', selected');
  await expect(page.locator('.selections-bar .chips')).toHaveAttribute('aria-live', 'polite');
  await expect(page.locator('.selections-bar .chip')).toHaveCount(1);
  await page.getByRole('button', { name: 'Clear all' }).click();
  await expect(page.locator('.selections-bar .chip')).toHaveCount(0);
  await page.goto('/admin/licences');
  await hydrated(page);
  await check('licence center');
  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto(link);
  await visitor.locator('.visitor figure.chart').first().waitFor();
  await check('visitor page', visitor);
  await visitor.goto(embed);
  await visitor.locator('figure.chart').first().waitFor();
  await check('embed', visitor);
  for (const [name, findings] of Object.entries(checked)) {
    expect(findings, `axe on the ${name}`).toEqual([]);
  }
});
