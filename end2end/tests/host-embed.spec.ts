import { test, expect } from '@playwright/test';
import * as crypto from 'crypto';
import * as http from 'http';
import { openPublishedDashboard, shot, signIn } from './helpers';

// The identity issue's embedding for a host site's own signed-in users: the tenant admin
// registers the site's token issuer and its public key; the site's backend signs a short token
// for whoever is signed in there; its page embeds the published dashboard's Region field with
// <sightline-embed get-token>, and each of its users sees what their own section access gives
// them (Ali: the North only; Grace, an analyst: every region), with no cookie crossing the
// sites. A token the backend signs wrong is refused, and the embed says why.

const SITE = 'http://localhost:8080';
const ISSUER = 'https://portal.example';
const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });

const b64 = (data: Buffer | string) => Buffer.from(data).toString('base64url');

// The site's backend: an RS256 token signed with Node's own crypto, not Sightline's library.
function tokenFor(email: string, name: string, kid = 'site-key'): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
  const claims = b64(JSON.stringify({
    iss: ISSUER, aud: 'qlik.api/login/jwt-session', sub: email, subType: 'user', name, email,
    iat: now, nbf: now, exp: now + 300, jti: crypto.randomUUID(),
  }));
  const signature = crypto.sign('sha256', Buffer.from(`${header}.${claims}`), privateKey);
  return `${header}.${claims}.${b64(signature)}`;
}

const PEOPLE: Record<string, [string, string]> = {
  ali: ['ali@demo.sightline.dev', 'Ali Hassan'],
  grace: ['grace@demo.sightline.dev', 'Grace Okafor'],
};

async function serveSite(baseURL: string, appId: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', SITE);
    const who = url.searchParams.get('user') ?? 'ali';
    if (url.pathname === '/token') {
      const [email, name] = PEOPLE[who];
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(url.searchParams.get('wrong') ? tokenFor(email, name, 'not-registered') : tokenFor(email, name));
      return;
    }
    const wrong = url.searchParams.get('wrong') ? '&wrong=1' : '';
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><html><head><title>Customer portal</title></head><body>
      <h1>Customer portal</h1><p id="who">Signed in as ${who}</p>
      <script>
        window.tokens = 0;
        async function siteToken() {
          window.tokens += 1;
          const response = await fetch('/token?user=${who}${wrong}');
          return response.text();
        }
      </script>
      <script src="${baseURL}/embed.js"></script>
      <sightline-embed id="regions" host="${baseURL}" app="${appId}" ui="field" field="Region" get-token="siteToken" height="360px"></sightline-embed>
    </body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(8080, '127.0.0.1', resolve));
  return server;
}

test('a host site embeds for its own users with signed tokens, each seeing their own rows', async ({ page, browser, baseURL }) => {
  await signIn(page);
  await openPublishedDashboard(page);
  const appId = page.url().match(/\/apps\/([0-9a-f]+)/)![1];
  const registered = await page.request.post('/api/create_identity_provider', {
    data: { input: {
      description: 'Customer portal', issuer: ISSUER,
      keys: [{ kid: 'site-key', pem: publicKey.export({ type: 'spki', format: 'pem' }).toString() }],
      origins: [SITE], create_users: false, clock_tolerance_secs: 5, active: true,
    } },
  });
  expect(registered.status()).toBe(200);

  const site = await serveSite(baseURL!, appId);
  try {
    for (const [who, sees, hidden] of [['ali', ['North'], ['South', 'East']], ['grace', ['North', 'South', 'East', 'West'], []]] as const) {
      // A browser that refuses third-party cookies: the embed must not need any.
      const context = await browser.newContext();
      const host = await context.newPage();
      await host.goto(`${SITE}/?user=${who}`);
      const frame = host.frameLocator('sightline-embed iframe');
      await expect(frame.locator('.chart-filter_pane')).toBeVisible();
      for (const region of sees) {
        await expect(frame.locator(`li.value[data-value="${region}"]`)).toBeVisible();
      }
      for (const region of hidden) {
        await expect(frame.locator(`li.value[data-value="${region}"]`)).toHaveCount(0);
      }
      // A selection works inside, through the header session.
      await frame.locator(`li.value[data-value="${sees[0]}"]`).click();
      await expect(frame.locator(`li.value[data-value="${sees[0]}"]`)).toHaveAttribute('data-state', 'selected');
      expect((await context.cookies()).filter((c) => c.domain.includes('127.0.0.1'))).toEqual([]);
      await shot(host, `51-host-embed-${who}`);
      await context.close();
    }

    // A token signed with a key the tenant does not know: refused, and the embed says why.
    const context = await browser.newContext();
    const host = await context.newPage();
    await host.goto(`${SITE}/?user=ali&wrong=1`);
    const frame = host.frameLocator('sightline-embed iframe');
    await expect(frame.locator('[role="alert"]')).toContainText('has a key "not-registered"');
    await shot(host, '52-host-embed-refused');
    await context.close();
  } finally {
    site.close();
  }
});
