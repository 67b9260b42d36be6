import { test, expect } from '@playwright/test';
import { hydrated, openPublishedDashboard, shot, signIn } from './helpers';

// The data-that-stays-current issue: an editor appends a month of data to the demo's published
// sales dashboard while a visitor has its public link open in another browser. The reload runs
// in place: the visitor's next click shows the new month's order, their selection kept, and the
// sheet says the data was updated.

const ORDERS = 'OrderId,OrderDate,Month,CustomerId,Product,Category,Quantity,Amount\n'
  + '900001,2026-11-05,2026-11,9001,Trail bike,Bikes,1,1000000.00\n';
// A KPI's text as a number: "24.3M", "1,234.5", "812K".
function amount(text: string): number {
  const t = text.replace(/,/g, '').trim();
  const scale = t.endsWith('B') ? 1e9 : t.endsWith('M') ? 1e6 : t.endsWith('K') ? 1e3 : 1;
  return parseFloat(t) * scale;
}

const CUSTOMERS = 'CustomerId,Customer,Region,Country,Segment\n9001,Fjord Cycles 9001,North,Norway,Enterprise\n';

test('an editor appends a month; the visitor on the public link sees it at their next click, selection kept', async ({ page, browser }) => {
  await signIn(page);
  await openPublishedDashboard(page);
  const link = await page.locator('#anonymous-access .copy-field input').first().inputValue();

  // The visitor looks at the North's bikes.
  const context = await browser.newContext();
  const v = await context.newPage();
  await v.goto(link);
  await hydrated(v);
  await v.locator('.chart-filter_pane li.value[data-value="Bikes"]').first().click();
  const chip = v.locator('.selections-bar .chip[data-field="Category"]');
  await expect(chip).toContainText('Bikes');
  const kpi = v.locator('.chart-kpi .kpi-value').first();
  const before = await kpi.innerText();

  // The editor appends November's orders and a new northern customer.
  const panel = page.getByRole('region', { name: 'Reload data' });
  await expect(panel).toBeVisible();
  await panel.getByLabel(/New files/).setInputFiles([
    { name: 'orders-2026-11.csv', mimeType: 'text/csv', buffer: Buffer.from(ORDERS) },
    { name: 'customers-new.csv', mimeType: 'text/csv', buffer: Buffer.from(CUSTOMERS) },
  ]);
  await panel.getByRole('button', { name: 'Upload' }).click();
  await expect(panel.getByLabel('Where orders-2026-11.csv goes')).toHaveValue('append:orders');
  await expect(panel.getByLabel('Where customers-new.csv goes')).toHaveValue('append:customers');
  await panel.getByRole('button', { name: 'Reload with these files' }).click();
  const newest = panel.getByRole('table').getByRole('row').nth(1);
  await expect(newest).toContainText('Succeeded', { timeout: 30_000 });
  await expect(newest).toContainText('orders 120001');
  await shot(page, '80-reload-history');

  // The visitor's next click: the new data, Bikes still selected, and a word that it changed.
  await v.locator('.chart-filter_pane li.value[data-value="Protection"]').first().click();
  await expect(v.locator('.data-updated')).toContainText('Data updated');
  await expect(chip).toContainText('Bikes');
  await expect(chip).toContainText('Protection');
  await shot(v, '81-visitor-after-reload');
  // Bikes alone again: the North's bikes and November's million.
  await v.locator('.chart-filter_pane li.value[data-value="Protection"]').first().click();
  await expect(chip).not.toContainText('Protection');
  await expect.poll(async () => amount(await kpi.innerText()) - amount(before)).toBeGreaterThan(0.85e6);
  expect(amount(await kpi.innerText()) - amount(before)).toBeLessThan(1.15e6);
  await context.close();
});

test('an editor schedules the dashboard to reload every weekday morning, sees the next runs, turns it off and removes it', async ({ page }) => {
  await signIn(page);
  await openPublishedDashboard(page);
  const panel = page.getByRole('region', { name: 'Reload schedules' });
  await expect(panel).toBeVisible();
  await panel.getByLabel('Repeat').selectOption('weekly');
  await panel.getByLabel(/^At/).fill('06:30');
  await panel.getByLabel('Tuesday').check();
  await panel.getByLabel('Wednesday').check();
  await panel.getByLabel('Thursday').check();
  await panel.getByLabel('Friday').check();
  await panel.getByLabel('Time zone').fill('Europe/Stockholm');
  await panel.getByRole('button', { name: 'Add the schedule' }).click();
  const schedule = panel.locator('li.schedule').filter({ hasText: 'Every week on Monday, Tuesday, Wednesday, Thursday and Friday at 06:30 (Europe/Stockholm)' });
  await expect(schedule).toBeVisible();
  await expect(schedule).toContainText('Next run');
  await expect(schedule).toContainText('On');
  await shot(page, 'reload-schedule');
  // A time that is not one says so, and keeps the form as it was.
  await panel.getByLabel(/^At/).fill('6 o\'clock');
  await panel.getByRole('button', { name: 'Add the schedule' }).click();
  await expect(panel.getByRole('alert')).toContainText('is not a time such as 08:00');
  await schedule.getByRole('button', { name: 'Turn off' }).click();
  await expect(schedule).toContainText('Off');
  await expect(schedule).not.toContainText('Next run');
  await schedule.getByRole('button', { name: 'Remove' }).click();
  await expect(schedule).toHaveCount(0);
});
