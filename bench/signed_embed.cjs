// The identity issue's benchmark, in headless Chromium on a release build: a host page on
// another origin embeds the app's Region pane through <sightline-embed>, once for its signed-in
// user (a token its backend signs, exchanged in the frame) and once anonymously (the link's
// access code); the time from opening the page until the pane is painted, median of 7 each,
// side by side. Then the token exchange itself (verification, the one-use check, the session),
// 400 tokens one after another: p50 and p99, beside an API-key request in the same run.
const { chromium } = require('@playwright/test');
const crypto = require('crypto');
const http = require('http');

const [base, appId, code, key] = process.argv.slice(2);
const SITE = 'http://localhost:8080';
const ISSUER = 'https://bench.example';
const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const b64 = (data) => Buffer.from(data).toString('base64url');

function token() {
  const now = Math.floor(Date.now() / 1000);
  const header = b64(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: 'bench' }));
  const claims = b64(JSON.stringify({
    iss: ISSUER, aud: 'qlik.api/login/jwt-session', sub: 'ali@demo.sightline.dev', subType: 'user',
    name: 'Ali Hassan', email: 'ali@demo.sightline.dev', iat: now, nbf: now, exp: now + 300,
    jti: crypto.randomUUID(),
  }));
  return `${header}.${claims}.${b64(crypto.sign('sha256', Buffer.from(`${header}.${claims}`), privateKey))}`;
}

function page(signed) {
  const access = signed ? 'get-token="siteToken"' : `access-code="${code}"`;
  return `<!doctype html><html><head><title>Host</title></head><body>
    <script>async function siteToken() { return (await fetch('/token')).text(); }</script>
    <script src="${base}/embed.js"></script>
    <sightline-embed host="${base}" app="${appId}" ui="field" field="Region" ${access}></sightline-embed>
  </body></html>`;
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];

(async () => {
  const made = await fetch(`${base}/api/v1/identity-providers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ protocol: 'jwtAuth', description: 'bench', options: { issuer: ISSUER, staticKeys: [{ kid: 'bench', pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() }] } }),
  });
  if (made.status !== 201) throw new Error(`registering the issuer: ${made.status} ${await made.text()}`);
  const server = http.createServer((req, res) => {
    if (req.url === '/token') { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(token()); return; }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(page(req.url.startsWith('/signed')));
  });
  await new Promise((resolve) => server.listen(8080, '127.0.0.1', resolve));
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  const paint = async (path) => {
    const times = [];
    for (let i = 0; i < 7; i++) {
      const context = await browser.newContext();
      const tab = await context.newPage();
      const start = Date.now();
      await tab.goto(`${SITE}${path}`, { waitUntil: 'commit' });
      await tab.frameLocator('sightline-embed iframe').locator('li.value[data-value="North"]').waitFor({ state: 'visible' });
      times.push(Date.now() - start);
      await context.close();
    }
    return times.sort((a, b) => a - b);
  };
  const anonymous = await paint('/anonymous');
  const signed = await paint('/signed');
  console.log(`figure signed_embed_pane_painted_ms ${signed[3]} median of 7 (min ${signed[0]}, max ${signed[6]}): the token asked of the page, signed by its backend, exchanged, the pane drawn`);
  console.log(`figure anonymous_embed_pane_painted_ms ${anonymous[3]} median of 7 (min ${anonymous[0]}, max ${anonymous[6]}): the same pane by access code, beside it`);
  await browser.close();
  server.close();

  const exchange = [];
  const baseline = [];
  for (let i = 0; i < 400; i++) {
    const signedToken = token();
    let start = process.hrtime.bigint();
    const answer = await fetch(`${base}/login/embed-session`, { method: 'POST', headers: { authorization: `Bearer ${signedToken}` } });
    if (answer.status !== 200) throw new Error(`exchange: ${answer.status} ${await answer.text()}`);
    await answer.arrayBuffer();
    exchange.push(Number(process.hrtime.bigint() - start) / 1e6);
    start = process.hrtime.bigint();
    const me = await fetch(`${base}/api/v1/users/me`, { headers: { authorization: `Bearer ${key}` } });
    await me.arrayBuffer();
    baseline.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  exchange.sort((a, b) => a - b);
  baseline.sort((a, b) => a - b);
  console.log(`figure token_exchange_p50_ms ${percentile(exchange, 0.5).toFixed(2)} p99 ${percentile(exchange, 0.99).toFixed(2)} over 400 tokens (RS256 2048-bit: verified, its jti recorded, a session written)`);
  console.log(`figure api_key_request_p50_ms ${percentile(baseline, 0.5).toFixed(2)} p99 ${percentile(baseline, 0.99).toFixed(2)} (GET /api/v1/users/me in the same run, beside it)`);
})().catch((error) => { console.error(error); process.exit(1); });
