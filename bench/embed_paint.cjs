// Opens an embedded chart in headless Chromium with every script and .wasm request held back,
// and prints how long until the chart is visible: it must show from the server's HTML alone.
const { chromium } = require('@playwright/test');

(async () => {
  const url = process.argv[2];
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  const times = [];
  let held = 0;
  for (let i = 0; i < 7; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    // Never answered: nothing but HTML and CSS ever arrives.
    await page.route(/\.(wasm|js)(\?|$)/, () => { held++; });
    const start = Date.now();
    await page.goto(url, { waitUntil: 'commit' });
    await page.locator('figure.chart svg, figure.chart table').first().waitFor({ state: 'visible' });
    times.push(Date.now() - start);
    const hydrated = await page.locator('body[data-hydrated]').count();
    if (hydrated) throw new Error('the page went live: its script was not held back');
    await context.close();
  }
  times.sort((a, b) => a - b);
  console.log(`figure embed_chart_visible_ms ${times[Math.floor(times.length / 2)]} median of ${times.length} (min ${times[0]}, max ${times[times.length - 1]}); script and WASM requests held back: ${held}`);
  await browser.close();
})();
