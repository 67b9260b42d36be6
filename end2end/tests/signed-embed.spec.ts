import { test, expect, chromium } from '@playwright/test';
import * as crypto from 'crypto';
import * as http from 'http';
import { hydrated, openPublishedDashboard, shot, signIn } from './helpers';

// The identity issue's embedding for a host site's own signed-in users: the tenant admin
// registers the site's token issuer and its public key; the site's backend signs a short token
// for whoever is signed in there; its page embeds the published dashboard's Region field with
// <sightline-embed get-token>, and each of its users sees what their own section access gives
// them (Ali: the North only; Hana, made on first use in the Analysts group: every region), in a
// browser that blocks third-party cookies, across a token refresh that keeps the selection. A
// replayed, expired, wrongly addressed or unknown issuer's token, and a site the provider does
// not embed on, are each refused, and the embed says why. (Named to run last but for single
// sign-on: the licence connections its users open would count in the licence tests' figures.)

const SITE = 'http://localhost:8080';
// A second site the tenant lets frame its embeds, but the identity provider does not name.
const OTHER_SITE = 'http://localhost:8081';
const ISSUER = 'https://portal.example';
const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });

const b64 = (data: Buffer | string) => Buffer.from(data).toString('base64url');

type Twist = { kid?: string; iss?: string; aud?: string; from?: number; life?: number };

// The site's backend: an RS256 token signed with Node's own crypto, not Sightline's library.
function tokenFor(email: string, name: string, groups: string[], twist: Twist = {}): string {
  const now = Math.floor(Date.now() / 1000) + (twist.from ?? 0);
  const header = b64(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: twist.kid ?? 'site-key' }));
  const claims = b64(JSON.stringify({
    iss: twist.iss ?? ISSUER, aud: twist.aud ?? 'qlik.api/login/jwt-session', sub: email, subType: 'user', name, email, groups,
    iat: now, nbf: now, exp: now + (twist.life ?? 300), jti: crypto.randomUUID(),
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

// What a backend gets wrong, one case each.
const TWISTS: Record<string, Twist> = {
  'unknown-key': { kid: 'not-registered' },
  expired: { from: -400, life: 280 },
  audience: { aud: 'someone-else' },
  issuer: { iss: 'https://unknown.example' },
  // Lives 72 s: the embed asks for the next token 12 s in.
  short: { life: 72 },
};
// The same token every time: the second page that uses it replays it.
const REPLAYED = tokenFor(...PEOPLE.ali);

async function serveSite(origin: string, baseURL: string, appId: string): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const who = url.searchParams.get('user') ?? 'ali';
    const twist = url.searchParams.get('case') ?? '';
    if (url.pathname === '/token') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(twist === 'replay' ? REPLAYED : tokenFor(...PEOPLE[who], TWISTS[twist] ?? {}));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<!doctype html><html><head><title>Customer portal</title></head><body>
      <h1>Customer portal</h1><p id="who">Signed in as ${who}</p>
      <script>
        window.tokens = 0;
        async function siteToken() {
          window.tokens += 1;
          const response = await fetch('/token?user=${who}&case=${twist}');
          return response.text();
        }
      </script>
      <script src="${baseURL}/embed.js"></script>
      <sightline-embed id="regions" host="${baseURL}" app="${appId}" ui="field" field="Region" get-token="siteToken" height="360px"></sightline-embed>
      ${url.searchParams.get('two') ? `<sightline-embed id="chips" host="${baseURL}" app="${appId}" ui="selections" get-token="siteToken"></sightline-embed>` : ''}
    </body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(Number(new URL(origin).port), '127.0.0.1', resolve));
  return server;
}

test('a host site embeds for its own users with signed tokens, each seeing their own rows', async ({ page, baseURL }) => {
  test.setTimeout(120_000);
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
  // The other site may frame the tenant's embeds; the issuer does not name it.
  const allowed = await page.request.post('/api/save_allowed_origin', {
    data: { id: null, input: { name: 'Another site', origin: OTHER_SITE, description: '', frame_ancestors: true } },
  });
  expect(allowed.ok()).toBeTruthy();

  const site = await serveSite(SITE, baseURL!, appId);
  const other = await serveSite(OTHER_SITE, baseURL!, appId);
  // A browser that blocks third-party cookies (Chromium's flag): the embed must not need any.
  const config = test.info().project.use.launchOptions!;
  const strict = await chromium.launch({ ...config, args: [...(config.args ?? []), '--test-third-party-cookie-phaseout'] });
  try {
    for (const [who, sees, hidden] of [['ali', ['North'], ['South', 'East']], ['hana', ['North', 'South', 'East', 'West'], []]] as const) {
      const context = await strict.newContext();
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

    // Two embeds on one page: one sign-in, one session (one licence), one set of selections.
    {
      const context = await strict.newContext();
      const host = await context.newPage();
      await host.goto(`${SITE}/?user=ali&two=1`);
      const pane = host.frameLocator('#regions iframe');
      const chips = host.frameLocator('#chips iframe');
      await expect(pane.locator('.chart-filter_pane')).toBeVisible();
      await expect(chips.locator('.visitor-view')).toBeAttached();
      await pane.locator('li.value[data-value="North"]').click();
      await expect(chips.locator('.selections-bar .chip[data-field="Region"]')).toContainText('North');
      expect(await host.evaluate(() => (window as any).tokens)).toBe(1);
      await shot(host, '51b-signed-embed-two-on-one-session');
      await context.close();
    }

    // A token that lives 72 s: the embed asks the page for the next one before it ends, and
    // the viewer keeps their selection across the refresh.
    const context = await strict.newContext();
    const host = await context.newPage();
    await host.goto(`${SITE}/?user=ali&case=short`);
    const frame = host.frameLocator('sightline-embed iframe');
    await frame.locator('li.value[data-value="North"]').click();
    await expect(frame.locator('li.value[data-value="North"]')).toHaveAttribute('data-state', 'selected');
    await expect.poll(() => host.evaluate(() => (window as any).tokens), { timeout: 30_000 }).toBe(2);
    await frame.locator('li.value[data-value="North"]').click();
    await expect(frame.locator('li.value[data-value="North"]')).not.toHaveAttribute('data-state', 'selected');
    await expect(frame.locator('[role="alert"]')).toHaveCount(0);
    await context.close();

    // The replayed token's first use signs in; each later use is refused.
    const first = await strict.newContext();
    const firstPage = await first.newPage();
    await firstPage.goto(`${SITE}/?user=ali&case=replay`);
    await expect(firstPage.frameLocator('sightline-embed iframe').locator('.chart-filter_pane')).toBeVisible();
    await first.close();

    // What the backend or the page gets wrong: refused, and the embed says why.
    const wrongs: [string, string, string][] = [
      [SITE, 'unknown-key', 'has a key "not-registered"'],
      [SITE, 'replay', 'was used already'],
      [SITE, 'expired', 'expired'],
      [SITE, 'audience', 'audience (aud) must be'],
      [SITE, 'issuer', 'issuer (iss) is "https://unknown.example"'],
      [OTHER_SITE, '', 'not a site this identity provider lets embed'],
    ];
    for (const [origin, twist, says] of wrongs) {
      const context = await strict.newContext();
      const host = await context.newPage();
      await host.goto(`${origin}/?user=ali&case=${twist}`);
      await expect(host.frameLocator('sightline-embed iframe').locator('[role="alert"]')).toContainText(says);
      await shot(host, `52-signed-embed-refused-${twist || 'origin'}`);
      await context.close();
    }
  } finally {
    await strict.close();
    site.close();
    other.close();
  }
});
