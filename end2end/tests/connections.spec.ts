import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { hydrated, shot, signIn } from './helpers';

// The data-connections issue, as an analyst meets it: the company's PostgreSQL (the tests' own
// server, a database made for this run) becomes a connection of a shared space, tested before
// it is kept; two of its tables are picked, previewed, reviewed in the data-model step and made
// into an app, whose numbers PostgreSQL's own sum confirms; rows are added at the source and a
// reload shows them.

const admin = process.env.SIGHTLINE_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const source = new URL(admin);
const database = `sl_e2e_src_${process.pid}`;
const base = admin.slice(0, admin.lastIndexOf('/'));

function psql(url: string, sql: string): string {
  return execFileSync('psql', [url, '-qAtc', sql], { encoding: 'utf8' }).trim();
}

test.beforeAll(() => {
  psql(admin, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  psql(admin, `CREATE DATABASE ${database}`);
  psql(`${base}/${database}`, `
    CREATE TABLE regions (region_id integer PRIMARY KEY, region text);
    INSERT INTO regions VALUES (1, 'North'), (2, 'South');
    CREATE TABLE deals (deal_id integer, region_id integer, amount numeric(10,2), closed date);
    INSERT INTO deals VALUES (1, 1, 100.00, '2026-11-01'), (2, 1, 250.50, '2026-11-02'), (3, 2, 49.50, '2026-11-03');`);
});

test.afterAll(() => {
  psql(admin, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
});

test('an analyst connects to PostgreSQL, picks two tables, makes an app and reloads it after rows were added', async ({ page }) => {
  await signIn(page);
  await page.goto('/spaces');
  await hydrated(page);
  await page.getByRole('link', { name: 'Analytics workshop' }).click();
  await hydrated(page);
  await page.getByRole('navigation', { name: 'Space' }).getByRole('link', { name: 'Data connections' }).click();
  await hydrated(page);
  await expect(page.getByText('No data connections')).toBeVisible();

  // The form: PostgreSQL on the test machine, refused until the tenant allows its host.
  const form = page.getByRole('form', { name: 'New data connection' });
  await form.getByLabel('Reaches').selectOption('postgres');
  await form.getByLabel('Name').fill('Sales warehouse');
  await form.getByLabel('Host').fill(source.hostname);
  await form.getByLabel('Port').fill(source.port || '5432');
  await form.getByLabel('Database').fill(database);
  await form.getByLabel('User').fill(decodeURIComponent(source.username));
  await form.getByLabel('Password').fill(decodeURIComponent(source.password) || 'not-needed-with-trust');
  await form.getByRole('button', { name: 'Test', exact: true }).click();
  await expect(form.getByRole('alert')).toContainText("server's own network");
  await shot(page, '90-connection-refused');

  const hosts = page.getByRole('form', { name: 'Hosts connections may reach' });
  await hosts.getByLabel('Hosts, one a line').fill(source.hostname);
  await hosts.getByRole('button', { name: 'Save the hosts' }).click();
  await expect(hosts.getByRole('status')).toContainText('Saved');

  await form.getByRole('button', { name: 'Test', exact: true }).click();
  await expect(form.getByRole('status')).toContainText('Connected to PostgreSQL');
  await form.getByRole('button', { name: 'Test and save' }).click();
  const row = page.locator('li[data-connection="Sales warehouse"]');
  await expect(row).toContainText(`${source.hostname}:${source.port || '5432'}/${database}`);
  await shot(page, '91-connection-kept');

  // Two tables picked, one previewed, the model reviewed, the app made.
  await row.getByRole('button', { name: 'Load tables' }).click();
  const picker = page.getByRole('region', { name: 'Tables of Sales warehouse' });
  await picker.getByLabel('deals').check();
  await picker.getByLabel('regions').check();
  await picker.locator('li').filter({ hasText: 'deals' }).getByRole('button', { name: 'Preview' }).click();
  const preview = page.getByRole('region', { name: 'First rows of deals' });
  await expect(preview.getByRole('row')).toHaveCount(4);
  await expect(preview).toContainText('250.50');
  await picker.getByLabel('App name').fill('Deals by region');
  await picker.getByRole('button', { name: 'Review the data model' }).click();
  const step = page.getByRole('region', { name: 'Data model of the new app' });
  await expect(step).toContainText('region_id');
  await shot(page, '92-connection-model-step');
  await step.getByRole('button', { name: 'Make the app' }).click();
  await page.waitForURL(/\/apps\/[^/]+\/sheets/);
  await hydrated(page);
  const total = psql(`${base}/${database}`, 'SELECT SUM(amount) FROM deals');
  await expect(page.locator('.chart-kpi .kpi-value').first()).toHaveAttribute('title', '400');
  expect(Number(total)).toBe(400);
  await shot(page, '93-connection-app');

  // Rows added at the source; a reload reads the same tables again.
  psql(`${base}/${database}`, "INSERT INTO deals VALUES (4, 2, 600.00, '2026-11-04')");
  await page.goto(page.url().replace(/\/sheets.*/, ''));
  await hydrated(page);
  const panel = page.getByRole('region', { name: 'Reload data' });
  await panel.getByRole('button', { name: 'Reload now' }).click();
  const newest = panel.getByRole('table').getByRole('row').nth(1);
  await expect(newest).toContainText('Succeeded', { timeout: 30_000 });
  await expect(newest).toContainText('deals 4');
  await page.goto(page.url() + '/sheets');
  await hydrated(page);
  await expect(page.locator('.chart-kpi .kpi-value').first()).toHaveAttribute('title', '1,000');
  await shot(page, '94-connection-reloaded');
});
