import { test, expect, Browser } from '@playwright/test';
import * as http from 'http';
import { hydrated, openPublishedDashboard, shot, signIn } from './helpers';

// The anonymous access issue's "what a user sees": the owner of an app in a managed space copies
// its link and embed code; a visitor with no account opens the link and explores; another site
// (an allowed origin) embeds a chart by iframe and a field by <sightline-embed>, and a selection
// works inside; a site not on the list is refused by the browser; resetting the access code
// ends the embedded session at once.

const ALLOWED = 'http://localhost:8080';
const REFUSED = 'http://127.0.0.2:8081';

// Another site: a real HTTP server on its own origin, serving one page.
async function serveSite(origin: string, body: string): Promise<http.Server> {
  const url = new URL(origin);
  const page = `<!doctype html><html><head><title>Partner site</title></head><body><h1>Partner site</h1>${body}</body></html>`;
  const server = http.createServer((_, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(page);
  });
  await new Promise<void>((resolve) => server.listen(Number(url.port), url.hostname === 'localhost' ? '127.0.0.1' : url.hostname, resolve));
  return server;
}

async function visitor(browser: Browser) {
  const context = await browser.newContext();
  return { context, page: await context.newPage() };
}

test('a visitor opens the link and explores; other sites embed by iframe and by <sightline-embed>; a reset ends it', async ({ page, browser, baseURL }) => {
  await signIn(page);
  await openPublishedDashboard(page);
  const card = page.locator('#anonymous-access');
  await expect(card.getByRole('heading', { name: 'Public: North region' })).toBeVisible();
  await expect(card.locator('.badge-ok', { hasText: 'Live' })).toBeVisible();
  await expect(page.locator('.badge-public').first()).toBeVisible();
  const link = await card.locator('.copy-field input').first().inputValue();
  expect(link).toMatch(/\/a\/[0-9a-f]{24}\?eac=[0-9a-f]{64}$/);
  await card.getByText('Embed code', { exact: true }).click();
  const iframeSnippet = await card.getByLabel('iframe').inputValue();
  expect(iframeSnippet).toContain('/embed/');
  await shot(page, '30-anonymous-access-card');

  // A visitor with no account: charts at once, a timer, and their own selections; the page
  // runs the visitors' small script and no WASM at all.
  const v = await visitor(browser);
  const downloads: string[] = [];
  v.page.on('request', (r) => downloads.push(new URL(r.url()).pathname));
  await v.page.goto(link);
  await expect(v.page.locator('.visitor figure.chart').first()).toBeVisible();
  await expect(v.page.locator('.timer')).toContainText(/1[45]:\d\d left/);
  await hydrated(v.page);
  await v.page.locator('.chart-filter_pane li.value[data-value="Bikes"]').first().click();
  await expect(v.page.locator('.selections-bar .chip[data-field="Category"]')).toContainText('Bikes');
  // The toolbar's buttons and a tab work too: back undoes the selection, forward redoes it.
  await v.page.getByRole('button', { name: 'Back' }).click();
  await expect(v.page.locator('.selections-bar .chip[data-field="Category"]')).toHaveCount(0);
  await v.page.getByRole('button', { name: 'Forward' }).click();
  await expect(v.page.locator('.selections-bar .chip[data-field="Category"]')).toContainText('Bikes');
  expect(downloads).toContain('/visitor.js');
  expect(downloads.filter((d) => d.endsWith('.wasm'))).toEqual([]);
  expect(downloads.filter((d) => d.startsWith('/pkg/sightline.') && !d.endsWith('.css'))).toEqual([]);
  await shot(v.page, '31-anonymous-visitor');

  // An allowed site embeds one chart by iframe, and a field through the web component.
  const appId = link.match(/\/a\/([0-9a-f]+)/)![1];
  const code = link.match(/eac=([0-9a-f]+)/)![1];
  const iframeSrc = iframeSnippet.match(/src="([^"]+)"/)![1].replace(/&amp;/g, '&');
  // The embedded chart paints from the server's HTML while its script is held back.
  const held = await visitor(browser);
  await held.context.route('**/visitor.js', () => { /* never answered */ });
  await held.page.goto(new URL(iframeSrc, baseURL).toString(), { waitUntil: 'domcontentloaded' });
  await expect(held.page.locator('figure.chart')).toBeVisible();
  await expect(held.page.locator('figure.chart')).toContainText(/\d/);
  await shot(held.page, '31b-embedded-chart-without-wasm');
  await held.context.close();

  const site = await visitor(browser);
  const allowedSite = await serveSite(ALLOWED, `
    <iframe id="chart" src="${iframeSrc}" title="Sales" width="600" height="360"></iframe>
    <script src="${baseURL}/embed.js"></script>
    <sightline-embed id="field" host="${baseURL}" app="${appId}" ui="field" field="Category" access-code="${code}"></sightline-embed>
    <pre id="events"></pre>
    <script>
      const log = (text) => { document.getElementById('events').textContent += text + '\\n'; };
      document.getElementById('field').addEventListener('selectionchange', (e) => log('selections ' + JSON.stringify(e.detail.selections)));
      document.getElementById('field').addEventListener('sessionended', () => log('session ended'));
    </script>`);
  await site.page.goto(`${ALLOWED}/dashboard.html`);
  const chart = site.page.frameLocator('#chart');
  await expect(chart.locator('figure.chart')).toBeVisible();
  const field = site.page.frameLocator('sightline-embed iframe');
  await expect(field.locator('.chart-filter_pane')).toBeVisible();
  await field.locator('body[data-hydrated]').waitFor({ state: 'attached' });
  await field.locator('li.value[data-value="Protection"]').click();
  await expect(field.locator('li.value[data-value="Protection"]')).toHaveAttribute('data-state', 'selected');
  await expect(site.page.locator('#events')).toContainText('"field":"Category"');
  await shot(site.page, '32-embedded-on-allowed-site');


  // A site not on the list: the browser refuses to show the frame.
  const stranger = await visitor(browser);
  const refusals: string[] = [];
  stranger.page.on('console', (m) => refusals.push(m.text()));
  const refusedSite = await serveSite(REFUSED, `<iframe id="chart" src="${iframeSrc}" title="Sales" width="600" height="360"></iframe>`);
  await stranger.page.goto(`${REFUSED}/copy.html`);
  await stranger.page.waitForTimeout(1500);
  await expect(stranger.page.frameLocator('#chart').locator('figure.chart')).toHaveCount(0);
  expect(refusals.join('\n')).toContain('frame-ancestors');
  await shot(stranger.page, '33-refused-on-other-site');

  // The owner resets the access code: the embed's session ends at its next step.
  await page.getByRole('button', { name: 'Reset access code…' }).click();
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await expect.poll(async () => (await card.locator('.copy-field input').first().inputValue())).not.toBe(link);
  await field.locator('li.value[data-value="Parts"]').click();
  await expect(field.getByRole('alertdialog')).toContainText('Your session has ended');
  await expect(site.page.locator('#events')).toContainText('session ended');
  await shot(site.page, '34-embed-after-reset');

  // The old link now answers like a wrong one.
  const old = await v.page.goto(link);
  expect(old!.status()).toBe(404);
  await expect(v.page.getByRole('heading', { name: 'This link does not work' })).toBeVisible();
  await shot(v.page, '35-old-link');
  for (const c of [v.context, site.context, stranger.context]) await c.close();
  allowedSite.close();
  refusedSite.close();
});

// The Qlik drop-in issue: a page written for Qlik Cloud's anonymous embed (the script tag with
// data-host and data-access-code, <qlik-embed> elements, <qlik-initial-selections>), with its
// script and host pointed at Sightline, shows the demo's chart and sheet; a selection works;
// what Sightline cannot honour is reported once by name; a reset of the access code ends it.
test('a page with qlik-embed markup shows a chart and a sheet on one session, selects, and ends with a reset', async ({ page, browser, baseURL }) => {
  await signIn(page);
  await openPublishedDashboard(page);
  const card = page.locator('#anonymous-access');
  await card.getByText('Embed code', { exact: true }).click();
  const snippet = card.getByLabel('qlik-embed (pages written for Qlik Cloud)');
  await card.getByLabel('Show').selectOption('chart');
  const chartMarkup = await snippet.inputValue();
  expect(chartMarkup).toContain('ui="analytics/chart"');
  await card.getByLabel('Show').selectOption('sheet');
  const sheetMarkup = await snippet.inputValue();
  expect(sheetMarkup).toContain('ui="analytics/sheet"');
  await shot(page, '37-qlik-embed-snippet');
  const attr = (markup: string, name: string) => markup.match(new RegExp(`${name}="([^"]+)"`))![1];
  const appId = attr(chartMarkup, 'app-id');
  const chartId = attr(chartMarkup, 'object-id');
  const sheetId = attr(sheetMarkup, 'object-id');
  const code = attr(chartMarkup, 'data-access-code');

  // The markup of Qlik's anonymous-embed documentation, with src and data-host changed. The
  // client id and the token storage mean nothing here: the second is reported, the first is not.
  const site = await visitor(browser);
  const warnings: string[] = [];
  site.page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
  const server = await serveSite(ALLOWED, `
    <script crossorigin="anonymous" type="application/javascript" src="${baseURL}/embed.js"
      data-host="${baseURL}" data-client-id="0f3c9a1b2d" data-auth-type="anonymous"
      data-access-token-storage="session" data-access-code="${code}"></script>
    <qlik-embed id="chart" ui="analytics/chart" app-id="${appId}" object-id="${chartId}"></qlik-embed>
    <qlik-embed id="sheet" ui="analytics/sheet" app-id="${appId}" object-id="${sheetId}" theme="horizon" context='{"interactions":{"select":true}}'></qlik-embed>
    <qlik-initial-selections app-id="${appId}">
      <field name="Category" values="Bikes;Parts"></field>
    </qlik-initial-selections>`);
  await site.page.goto(`${ALLOWED}/qlik.html`);
  const chart = site.page.frameLocator('#chart iframe');
  await expect(chart.locator('figure.chart')).toHaveCount(1);
  const sheet = site.page.frameLocator('#sheet iframe');
  await expect(sheet.locator('figure.chart').first()).toBeVisible();
  // Waited for, not counted at a moment: a second chart appears.
  await expect(sheet.locator('figure.chart').nth(1)).toBeVisible();
  await expect(sheet.locator('.selections-bar .chip[data-field="Category"]')).toContainText('Bikes');
  // The page's two embeds are one session, as a Qlik mashup's objects are: one seat.
  const tokens = await Promise.all([chart, sheet].map((f) => f.locator('.visitor-session').getAttribute('data-token')));
  expect(tokens[0]).toBeTruthy();
  expect(tokens[1]).toBe(tokens[0]);
  await sheet.locator('body[data-hydrated]').waitFor({ state: 'attached' });
  await sheet.locator('.chart-filter_pane li.value[data-value="Protection"]').first().click();
  await expect(sheet.locator('.chart-filter_pane li.value[data-value="Protection"]').first()).toHaveAttribute('data-state', 'selected');
  await shot(site.page, '38-qlik-embed-on-allowed-site');
  expect(warnings.filter((w) => w.includes('data-access-token-storage'))).toHaveLength(1);
  expect(warnings.filter((w) => w.includes('qlik-embed attribute context'))).toHaveLength(1);
  expect(warnings.join('\n')).not.toContain('data-client-id');

  // The owner resets the access code: the page's session ends at its next step.
  await page.getByRole('button', { name: 'Reset access code…' }).click();
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await expect.poll(async () => attr(await snippet.inputValue(), 'data-access-code')).not.toBe(code);
  await sheet.locator('.chart-filter_pane li.value[data-value="Parts"]').first().click();
  await expect(sheet.getByRole('alertdialog')).toContainText('Your session has ended');
  await shot(site.page, '39-qlik-embed-after-reset');
  await site.context.close();
  server.close();
});

test('the admin center shows anonymous use and keeps the allowed origins', async ({ page }) => {
  await signIn(page);
  await page.goto('/admin/embedding');
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Anonymous capacity' })).toBeVisible();
  await expect(page.locator('td.mono', { hasText: ALLOWED })).toBeVisible();
  await page.getByLabel('Name').fill('Bad site');
  await page.getByLabel('Origin').fill('https://example.com/path');
  await page.getByRole('button', { name: 'Add site' }).click();
  await expect(page.locator('.alert-error').first()).toContainText('https://example.com');
  await page.getByLabel('Origin').fill('https://www.example.com');
  await page.getByRole('button', { name: 'Add site' }).click();
  await expect(page.locator('td.mono', { hasText: 'https://www.example.com' })).toBeVisible();
  await shot(page, '36-admin-embedding');
});

test('a visitor who refreshes holds one seat, not one per refresh', async ({ page, browser }) => {
  await signIn(page);
  await openPublishedDashboard(page);
  const link = await page.locator('#anonymous-access .copy-field input').first().inputValue();
  const seatsTaken = async () => {
    await page.goto('/admin/embedding');
    await hydrated(page);
    const text = (await page.locator('.usage-current').textContent()) ?? '';
    return Number(text.split(' ')[0]);
  };
  const before = await seatsTaken();
  const v = await visitor(browser);
  await v.page.goto(link);
  await expect(v.page.locator('.visitor figure.chart').first()).toBeVisible();
  await hydrated(v.page);
  await expect.poll(seatsTaken).toBe(before + 1);
  for (let i = 0; i < 3; i++) {
    // The page that goes away gives its session's seat back (sendBeacon on pagehide).
    await v.page.reload();
    await expect(v.page.locator('.visitor figure.chart').first()).toBeVisible();
    await hydrated(v.page);
  }
  await expect.poll(seatsTaken).toBe(before + 1);
  await shot(page, '37-one-seat-after-refreshes');
  await v.context.close();
});
