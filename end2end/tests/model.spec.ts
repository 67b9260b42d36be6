import { test, expect } from '@playwright/test';
import { go, hydrated, shot, signIn } from './helpers';

// The correct-answers issue's data-model step: three files whose `year` means two things (the
// flight's year in one, the year a plane was built in another) link the wrong tables. The data
// model page warns about it with a one-click fix; the fix loads the app again from its files;
// the sheet's numbers count every flight.

const EVENTS = 'id,carrier,plane,year,delay\n1,AA,P1,2013,10\n2,AA,P2,2013,NA\n3,UA,P1,2013,30\n4,UA,P3,2013,-\n';
const CARRIERS = 'carrier,name\nAA,American\nUA,United\n';
const PLANES = 'plane,year,seats\nP1,1999,150\nP2,2004,180\nP3,2010,200\n';

test('a clashing field is warned about, renamed in the data-model step, and the app is made right', async ({ page }) => {
  await signIn(page);
  await go(page, 'Spaces');
  await page.getByRole('link', { name: 'Analytics workshop' }).click();
  await hydrated(page);
  const form = page.locator('form.upload-form');
  await form.getByLabel('App name').fill('Flights');
  await form.getByLabel('CSV or Excel files').setInputFiles([
    { name: 'events.csv', mimeType: 'text/csv', buffer: Buffer.from(EVENTS) },
    { name: 'carriers.csv', mimeType: 'text/csv', buffer: Buffer.from(CARRIERS) },
    { name: 'planes.csv', mimeType: 'text/csv', buffer: Buffer.from(PLANES) },
  ]);
  await form.getByLabel(/Review the data model before making the app/).check();
  await form.getByRole('button', { name: 'Upload and review' }).click();

  // The data-model step: each file previewed, `NA` and `-` found missing, the delays numbers.
  const step = page.getByRole('region', { name: 'Data model of the new app' });
  await expect(step).toBeVisible({ timeout: 30_000 });
  const planes = step.getByRole('region', { name: 'Table planes' });
  await expect(planes).toContainText('3 rows');
  const events = step.getByRole('region', { name: 'Table events' });
  await expect(events.getByRole('row', { name: /^delay/ })).toContainText('2 (-, NA)');
  await expect(events.getByLabel('Type of delay').locator('option:checked')).toHaveText('integer (found)');

  // The warning: `plane` and `year` both link events to planes (a synthetic key), and its fix.
  const warning = step.getByRole('note').filter({ hasText: 'share the fields' });
  await expect(warning).toContainText('"plane" and "year"');
  // The graph draws the synthetic key's table, dashed, between events and planes.
  const graph = step.locator('svg.model-graph');
  await expect(graph).toHaveAttribute('aria-label', /3 tables and 1 synthetic key table;/);
  await expect(graph.locator('.table-box.synthetic')).toContainText('combinations ($Syn 1 Table)');
  await shot(page, '70-data-model-step-warning');
  await warning.getByRole('button', { name: /^Rename year in planes to/ }).click();
  await expect(planes.getByLabel('Field name of year')).not.toHaveValue('year');
  await step.getByRole('button', { name: 'Check these changes' }).click();
  await expect(step.getByRole('note').filter({ hasText: 'share the fields' })).toHaveCount(0);
  await expect(graph.locator('.table-box.synthetic')).toHaveCount(0);
  // `plane` alone links them now, every value on both sides.
  const links = step.getByRole('table').filter({ hasText: 'Key field' });
  await expect(links.getByRole('row').filter({ hasText: 'planes' }).filter({ hasText: 'plane' })).toContainText('3 (100%)');
  await shot(page, '71-data-model-step-fixed');
  await step.getByRole('button', { name: 'Make the app' }).click();

  // The app opens on its first sheet: four flights, 40 minutes of delay.
  await page.waitForURL(/\/apps\/[0-9a-f]+\/sheets$/, { timeout: 30_000 });
  await hydrated(page);
  const kpis = page.locator('.chart-kpi .kpi-value');
  await expect(kpis.first()).toHaveText('40');
  await expect(kpis.nth(1)).toHaveText('4');
  const app = new URL(page.url()).pathname.replace(/\/sheets$/, '');

  // The app keeps the plan: its data-model page shows the rename and no warning, and loads
  // again from the stored files when a column is dropped.
  await page.goto(app);
  await hydrated(page);
  await page.getByRole('link', { name: 'Data model' }).click();
  await page.waitForURL(/\/model$/);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Data model' })).toBeVisible();
  const kept = page.getByRole('region', { name: 'Table planes' });
  await expect(kept.getByLabel('Field name of year')).toHaveValue('planes year');
  await expect(page.getByRole('note').filter({ hasText: 'share the fields' })).toHaveCount(0);
  await kept.getByLabel('Keep seats').uncheck();
  await page.getByRole('button', { name: 'Load again with these changes' }).click();
  await expect(page.getByRole('button', { name: 'Load again with these changes' })).toBeDisabled();
  await expect(kept.getByRole('row', { name: /^seats/ })).toHaveClass(/dropped/);
  await shot(page, '72-data-model-page');
  await page.getByRole('link', { name: 'Open app' }).click();
  await hydrated(page);
  await expect(page.locator('.chart-kpi .kpi-value').first()).toHaveText('40');
});
