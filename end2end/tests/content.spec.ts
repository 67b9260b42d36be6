import { test, expect, Page } from '@playwright/test';
import { go, hydrated, shot, signIn } from './helpers';

// The engine issue's "what a user sees": an editor uploads two CSV files with a progress bar and
// gets an app laid out from its fields; a click selects everywhere; the editor adds a sheet with
// a line chart and a table; a user whose section access allows one region sees only that one.

const ALI = { email: 'ali@demo.sightline.dev', password: 'sightline-demo', name: 'Ali Hassan' };

const REGIONS = ['North', 'South', 'East', 'West'];
const PRODUCTS = ['Bike', 'Helmet', 'Lamp', 'Lock', 'Bottle'];

function customersCsv(): string {
  const lines = ['CustomerId,Region,Segment'];
  for (let id = 1; id <= 400; id++) lines.push(`${id},${REGIONS[id % 4]},${id % 3 === 0 ? 'Retail' : 'Wholesale'}`);
  return lines.join('\n') + '\n';
}

// Big enough that the upload shows its progress.
function ordersCsv(rows: number): string {
  const lines = ['OrderId,CustomerId,Product,Month,Amount'];
  for (let id = 1; id <= rows; id++) {
    const month = `2026-${String((id % 12) + 1).padStart(2, '0')}`;
    lines.push(`${id},${(id * 7) % 400 + 1},${PRODUCTS[id % 5]},${month},${((id * 37) % 500) + 0.5}`);
  }
  return lines.join('\n') + '\n';
}

async function openWorkshop(page: Page) {
  await go(page, 'Spaces');
  await page.getByRole('link', { name: 'Analytics workshop' }).click();
  await hydrated(page);
}

function pane(page: Page, field: string) {
  return page.locator('.chart-filter_pane', { has: page.locator('figcaption', { hasText: new RegExp(`^${field}$`) }) });
}

test('an editor makes an app from two CSV files and explores it; a bad file is refused by line', async ({ page }) => {
  await signIn(page);
  await openWorkshop(page);
  const form = page.locator('form.upload-form');
  await form.getByLabel('App name').fill('Bike orders');
  await form.getByLabel('CSV or Excel files').setInputFiles([
    { name: 'orders.csv', mimeType: 'text/csv', buffer: Buffer.from(ordersCsv(60000)) },
    { name: 'customers.csv', mimeType: 'text/csv', buffer: Buffer.from(customersCsv()) },
  ]);
  // Every status the form shows, as it shows it: on a fast machine the upload and the loading
  // can be over within a tenth of a second, quicker than polling for the bar would see.
  await form.evaluate((element) => {
    const seen: string[] = [];
    (window as any).uploadStatuses = seen;
    new MutationObserver(() => {
      const status = element.querySelector('.progress[role=status]');
      if (status?.querySelector('progress') && status.textContent && seen.at(-1) !== status.textContent) seen.push(status.textContent);
    }).observe(element, { subtree: true, childList: true, characterData: true });
  });
  await form.getByRole('button', { name: 'Upload and create app' }).click();

  // The app opens on its first sheet, laid out from the fields.
  await page.waitForURL(/\/apps\/[0-9a-f]+\/sheets$/, { timeout: 30_000 });
  const statuses: string[] = await page.evaluate(() => (window as any).uploadStatuses);
  expect(statuses.some((s) => /^Uploading orders\.csv \(1 of 2\)/.test(s)), statuses.join(' | ')).toBe(true);
  expect(statuses.some((s) => /^Uploading customers\.csv \(2 of 2\)/.test(s)), statuses.join(' | ')).toBe(true);
  expect(statuses.some((s) => s.startsWith('Loading 2 files')), statuses.join(' | ')).toBe(true);
  expect(statuses.some((s) => s.includes('-0%') || s.includes('NaN')), statuses.join(' | ')).toBe(false);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Bike orders' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Overview' })).toBeVisible();
  for (const kind of ['kpi', 'bar', 'pie', 'line', 'table', 'filter_pane']) {
    await expect(page.locator(`.chart-${kind}`).first()).toBeVisible();
  }
  const kpi = page.locator('.chart-kpi .kpi-value').first();
  const before = await kpi.textContent();
  await shot(page, '21-first-sheet');

  // Click a bar: every chart follows, the panes show selected, possible and excluded values.
  await page.locator('.chart-bar li.bar[data-value="Retail"]').click();
  await expect(page.locator('.selections-bar .chip[data-field="Segment"]')).toContainText('Retail');
  await expect(kpi).not.toHaveText(before!);
  await expect(pane(page, 'Segment').locator('[data-value="Retail"]')).toHaveAttribute('data-state', 'selected');
  await expect(pane(page, 'Segment').locator('[data-value="Wholesale"]')).toHaveAttribute('data-state', 'excluded');
  await pane(page, 'Region').locator('[data-value="North"]').click();
  await expect(page.locator('.selections-bar .chip')).toHaveCount(2);
  await expect(pane(page, 'Region').locator('[data-value="South"]')).toHaveAttribute('data-state', 'excluded');
  await shot(page, '22-selections');
  await page.getByRole('button', { name: 'Back' }).click();
  await expect(page.locator('.selections-bar .chip')).toHaveCount(1);
  await page.getByRole('button', { name: 'Clear all' }).click();
  await expect(page.locator('.selections-bar .chip')).toHaveCount(0);
  await expect(kpi).toHaveText(before!);

  // A new sheet with a line chart and a table.
  await page.getByRole('button', { name: '+ Sheet' }).click();
  await page.getByLabel('New sheet title').fill('Trends');
  await page.getByRole('button', { name: 'Add sheet' }).click();
  await expect(page.getByRole('link', { name: 'Trends' })).toHaveAttribute('aria-current', 'page');
  await hydrated(page);
  await page.getByRole('button', { name: 'Edit sheet' }).click();
  await page.getByRole('button', { name: 'Add chart' }).click();
  let editor = page.getByRole('dialog', { name: 'Add chart' });
  await editor.getByLabel('Type').selectOption('line');
  await editor.getByLabel('Dimension 1').selectOption('Month');
  await editor.getByLabel('Measure field 1').selectOption('Amount');
  await editor.getByRole('button', { name: 'Save chart' }).click();
  await expect(page.locator('.chart-line')).toBeVisible();
  await page.getByRole('button', { name: 'Add chart' }).click();
  editor = page.getByRole('dialog', { name: 'Add chart' });
  await editor.getByLabel('Type').selectOption('table');
  await editor.getByLabel('Title').fill('Orders by product');
  await editor.getByLabel('Dimension 1').selectOption('Product');
  await editor.getByLabel('Aggregation 1').selectOption('count');
  await editor.getByLabel('Measure field 1').selectOption('OrderId');
  await editor.getByRole('button', { name: 'Save chart' }).click();
  await expect(page.locator('.chart-table[data-chart="Orders by product"]')).toContainText('60,000');
  await shot(page, '23-new-sheet');
  // Reorder: the table first.
  await page.getByRole('button', { name: '↑' }).last().click();
  await expect(page.locator('.chart').first()).toHaveAttribute('data-chart', 'Orders by product');

  // A bad file: the error names the file and the line, and no app is made.
  await openWorkshop(page);
  // Counted once the list has loaded: it holds at least the app made above.
  await expect(page.locator('li[data-app]', { hasText: 'Bike orders' })).toBeVisible();
  const appsBefore = await page.locator('li[data-app]').count();
  await form.getByLabel('App name').fill('Broken');
  await form.getByLabel('CSV or Excel files').setInputFiles([{ name: 'ragged.csv', mimeType: 'text/csv', buffer: Buffer.from('a,b,c\n1,2,3\n4,5\n') }]);
  await form.getByRole('button', { name: 'Upload and create app' }).click();
  await expect(form.getByRole('alert')).toContainText('ragged.csv: line 3: this row has 2 fields; the header has 3.');
  await shot(page, '24-bad-file');
  await page.reload();
  await hydrated(page);
  await expect(page.locator('li[data-app]')).toHaveCount(appsBefore);
});

test('section access: Ali sees only the North in every chart, and charts paint before the WASM loads', async ({ page, browser }) => {
  await signIn(page, ALI);
  await go(page, 'Spaces');
  await page.getByRole('link', { name: 'Sales analytics' }).click();
  await hydrated(page);
  await page.locator('li[data-app="Sales dashboard"]').getByRole('link', { name: 'Open' }).click();
  await hydrated(page);
  await expect(page.getByText('Section access: you see part of the data')).toBeVisible();
  await expect(pane(page, 'Region').locator('li.value')).toHaveCount(1);
  await expect(pane(page, 'Region').locator('li.value')).toHaveText('North');
  await shot(page, '25-section-access');

  // Without JavaScript the server's first paint already holds the charts.
  const url = page.url();
  const cookies = await page.context().cookies();
  const plain = await browser.newContext({ javaScriptEnabled: false });
  await plain.addCookies(cookies);
  const noScript = await plain.newPage();
  await noScript.goto(url);
  await expect(noScript.locator('.chart-kpi .kpi-value').first()).toBeVisible();
  await expect(noScript.locator('.chart-bar li.bar').first()).toBeVisible();
  await shot(noScript, '26-first-paint-without-wasm');
  await plain.close();
});
