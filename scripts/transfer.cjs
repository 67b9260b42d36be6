// What a real browser transfers to show each kind of page, first visit (empty cache) and second
// (the same browser again): `node scripts/transfer.cjs <base URL> <anonymous link>`, run by
// scripts/size.sh (`make size`) against a release server of the demo. Bytes are Chromium's own
// count of what came over the network (DevTools' `encodedDataLength`: headers and compressed
// bodies); a file the cache answered counts nothing.
const path = require('path');
const { chromium } = require(path.join(__dirname, '../end2end/node_modules/@playwright/test'));

const [base, link] = process.argv.slice(2);
const ADMIN = { email: 'admin@demo.sightline.dev', password: 'sightline-demo' };

async function signedIn(browser) {
  const context = await browser.newContext({ baseURL: base });
  // Through the API, so that the browser's cache is still empty when the page is measured.
  const answer = await context.request.post('/api/sign_in', {
    form: ADMIN,
    headers: { origin: base },
  });
  if (!answer.ok()) throw new Error(`signing in: ${answer.status()} ${await answer.text()}`);
  return context;
}

// One visit: every response that finished, its bytes on the wire, and whether a cache answered.
async function visit(page, url, ready) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const requests = new Map();
  cdp.on('Network.responseReceived', (e) => {
    requests.set(e.requestId, { url: e.response.url, cached: e.response.fromDiskCache || e.response.fromMemoryCache || false, bytes: 0 });
  });
  cdp.on('Network.requestServedFromCache', (e) => {
    const r = requests.get(e.requestId);
    if (r) r.cached = true;
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = requests.get(e.requestId);
    if (r) r.bytes = e.encodedDataLength;
  });
  await page.goto(url);
  await ready(page);
  await page.waitForLoadState('networkidle');
  await cdp.detach();
  // The memory cache answers without saying so: nothing came over the network.
  const all = [...requests.values()].map((r) => ({ ...r, cached: r.cached || r.bytes === 0 }));
  const sum = (list) => list.reduce((total, r) => total + (r.cached ? 0 : r.bytes), 0);
  return {
    bytes: sum(all),
    files: sum(all.filter((r) => /\.(js|wasm|css)$/.test(new URL(r.url).pathname))),
    fetched: all.filter((r) => !r.cached).length,
    cached: all.filter((r) => r.cached).length,
    largest: all.filter((r) => !r.cached).sort((a, b) => b.bytes - a.bytes).slice(0, 2)
      .map((r) => `${new URL(r.url).pathname.replace(/^.*\//, '')} ${r.bytes}`),
    list: all.map((r) => `${r.cached ? "cache" : "net"} ${new URL(r.url).pathname} ${r.bytes}`),
  };
}

const hydrated = (page) => page.waitForSelector('body[data-hydrated]', { state: 'attached', timeout: 30000 });
const chart = (page) => page.waitForSelector('figure.chart', { timeout: 30000 });

(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const app = new URL(link).pathname.split('/')[2];
  const code = new URL(link).searchParams.get('eac');
  const pages = [
    ['home page', true, '/', hydrated],
    ['sheet', true, `/apps/${app}/sheets`, chart],
    ['admin page', true, '/admin/users', hydrated],
    ['visitor page', false, link, chart],
    ['embed', false, `/embed/${app}/sheet?eac=${code}`, chart],
  ];
  let failed = false;
  for (const [kind, signIn, url, ready] of pages) {
    const context = signIn ? await signedIn(browser) : await browser.newContext({ baseURL: base });
    const page = await context.newPage();
    try {
      const first = await visit(page, url, ready);
      const second = await visit(page, url, ready);
      if (process.env.TRANSFER_LIST) console.log(second.list.join("\n"));
      console.log(
        `figure transfer "${kind}" first visit ${first.bytes} bytes in ${first.fetched} responses (largest: ${first.largest.join(', ')}); ` +
        `second visit ${second.bytes} bytes in ${second.fetched} responses (scripts, WASM and CSS: ${second.files} bytes), ${second.cached} from the cache`,
      );
    } catch (error) {
      console.error(`transfer.cjs: ${kind} (${url}): ${error.message}`);
      failed = true;
    }
    await context.close();
  }
  await browser.close();
  process.exit(failed ? 1 : 0);
})();
