import { test, expect } from '@playwright/test';
import * as crypto from 'crypto';
import * as http from 'http';
import { hydrated, openPublishedDashboard, shot, signIn } from './helpers';

// The identity issue's embedding for a host site's own signed-in users: the tenant admin
// registers the site's token issuer and its public key; the site's backend signs a short token
// for whoever is signed in there; its page embeds the published dashboard's Region field with
// <sightline-embed get-token>, and each of its users sees what their own section access gives
// them (Ali: the North only; Hana, made on first use in the Analysts group: every region), with no cookie crossing the
// sites. A token the backend signs wrong is refused, and the embed says why. (Named to run last:
// the licence connections its users open would count in the licence tests' figures.)

const SITE = 'http://localhost:8080';
const ISSUER = 'https://portal.example';
const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });

const b64 = (data: Buffer | string) => Buffer.from(data).toString('base64url');

// The site's backend: an RS256 token signed with Node's own crypto, not Sightline's library.
function tokenFor(email: string, name: string, groups: string[], kid = 'site-key'): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
  const claims = b64(JSON.stringify({
    iss: ISSUER, aud: 'qlik.api/login/jwt-session', sub: email, subType: 'user', name, email, groups,
    iat: now, nbf: now, exp: now + 300, jti: crypto.randomUUID(),
  }));
  const signature = crypto.sign('sha256', Buffer.from(`${header}.${claims}`), privateKey);
  return `${header}.${claims}.${b64(signature)}`;
}

// Ali has an account here; Hana does not, and is made on first use, in the Analysts group her
// token names.
const PEOPLE: Record<string, [string, string, string[]]> = {
  ali: ['ali@demo.sightline.dev', 'Ali Hassan', []],
  hana: ['hana@portal.example', 'Hana Host', ['Analysts']],
};

async function serveSite(baseURL: string, appId: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', SITE);
    const who = url.searchParams.get('user') ?? 'ali';
    if (url.pathname === '/token') {
      const [email, name, groups] = PEOPLE[who];
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(tokenFor(email, name, groups, url.searchParams.get('wrong') ? 'not-registered' : 'site-key'));
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
  // The tenant admin registers the site's issuer and public key in the admin center.
  await page.goto('/admin/identity-providers');
  await hydrated(page);
  await page.getByLabel('Description').fill('Customer portal');
  await page.getByLabel('Issuer (the iss its tokens carry)').fill(ISSUER);
  await page.getByLabel('Key id (the kid its tokens name)').fill('site-key');
  await page.getByLabel('Public key (PEM), or a shared secret of at least 32 characters').fill(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  await page.getByLabel('Sites that embed for its users (origins, one per line)').fill(SITE);
  await page.getByLabel('Make an account for someone the site names who has none').check();
  await page.getByRole('button', { name: 'Add issuer' }).click();
  await expect(page.getByText('site-key (RS256)')).toBeVisible();
  await shot(page, '50-identity-providers');

  const site = await serveSite(baseURL!, appId);
  try {
    for (const [who, sees, hidden] of [['ali', ['North'], ['South', 'East']], ['hana', ['North', 'South', 'East', 'West'], []]] as const) {
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
      await shot(host, `51-signed-embed-${who}`);
      await context.close();
    }

    // A token signed with a key the tenant does not know: refused, and the embed says why.
    const context = await browser.newContext();
    const host = await context.newPage();
    await host.goto(`${SITE}/?user=ali&wrong=1`);
    const frame = host.frameLocator('sightline-embed iframe');
    await expect(frame.locator('[role="alert"]')).toContainText('has a key "not-registered"');
    await shot(host, '52-signed-embed-refused');
    await context.close();
  } finally {
    site.close();
  }
});
