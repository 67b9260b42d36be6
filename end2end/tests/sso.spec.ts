import { test, expect, Page } from '@playwright/test';
import { spawn, ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { hydrated, shot, signIn } from './helpers';

// The identity issue's single sign-on: the tenant admin adds the company's OpenID provider (a
// real one, oidc-provider from npm), signs in through it as a test and sees who it gives, makes
// it live; an employee who has no account yet then signs in from the sign-in page with the
// company account and lands in the portal, made on first sign-in, in the groups the company
// gives.

let provider: ChildProcess;
let issuer = '';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

test.beforeAll(async ({ baseURL }) => {
  const port = await freePort();
  const accounts = path.join(os.tmpdir(), `sightline-e2e-idp-${port}.json`);
  fs.writeFileSync(accounts, JSON.stringify({
    noor: { email: 'noor@corp.example', name: 'Noor Corp', groups: ['Analysts', 'Field team'] },
  }));
  provider = spawn('node', [path.join(__dirname, '..', 'oidc', 'provider.mjs'), String(port), `${baseURL}/login/oidc/callback`, accounts], { stdio: ['ignore', 'pipe', 'ignore'] });
  issuer = await new Promise<string>((resolve, reject) => {
    provider.stdout!.on('data', (chunk: Buffer) => {
      const ready = /ready (\S+)/.exec(chunk.toString());
      if (ready) resolve(ready[1]);
    });
    provider.on('exit', (code) => reject(new Error(`the OpenID provider stopped (${code})`)));
  });
});

test.afterAll(() => {
  provider?.kill();
});

// The company's own pages: its sign-in form, then its consent.
async function companySignIn(page: Page, login: string) {
  await expect(page).toHaveURL(new RegExp(`^${issuer}/interaction/`));
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('the company password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
}

test('an employee signs in through the company provider and lands in the portal with their groups', async ({ page, browser }) => {
  await signIn(page);
  await page.goto('/admin/identity-providers');
  await hydrated(page);
  const add = page.locator('section', { has: page.getByRole('heading', { name: 'Add a provider' }) });
  await add.getByLabel('Name on the sign-in button').fill('Corp account');
  await add.getByLabel('Issuer').fill(issuer);
  await add.getByLabel('Client id').fill('sightline');
  await add.getByLabel('Client secret').fill('sightline-test-secret');
  await add.getByLabel('Scopes').fill('openid email profile groups');
  await add.getByRole('button', { name: 'Add provider' }).click();
  const listed = page.locator('li.provider', { has: page.getByRole('heading', { name: /Corp account/ }) });
  await expect(listed.getByText('Pending', { exact: true })).toBeVisible();
  await expect(listed.getByText('/login/oidc/callback')).toBeVisible();
  await shot(page, 'sso-pending');

  // The admin's test: through the company's pages and back, with who it gives.
  await listed.getByRole('link', { name: 'Test sign-in' }).click();
  await companySignIn(page, 'noor');
  await expect(page).toHaveURL(/\/admin\/identity-providers/);
  await hydrated(page);
  await expect(listed.getByText('Noor Corp <noor@corp.example>', { exact: false })).toBeVisible();
  await expect(listed.getByText('Groups: Analysts, Field team')).toBeVisible();
  await listed.getByRole('button', { name: 'Make live' }).click();
  await expect(listed.getByText('Live', { exact: true })).toBeVisible();
  await shot(page, 'sso-live');

  // Noor, who has no account yet, signs in from the sign-in page with the company account.
  const noor = await (await browser.newContext()).newPage();
  await noor.goto('/login?next=/spaces');
  await hydrated(noor);
  await shot(noor, 'sso-sign-in-page');
  await noor.getByRole('link', { name: 'Sign in with Corp account' }).click();
  await companySignIn(noor, 'noor');
  await expect(noor).toHaveURL(/\/spaces$/);
  await hydrated(noor);
  await expect(noor.getByText('Noor Corp').first()).toBeVisible();
  await shot(noor, 'sso-landed');

  // The admin sees Noor made, in the groups the company gave.
  await page.goto('/admin/users');
  await hydrated(page);
  await page.getByRole('link', { name: 'Noor Corp' }).click();
  await hydrated(page);
  await expect(page.getByRole('checkbox', { name: /Analysts/ })).toBeChecked();
  await expect(page.getByRole('checkbox', { name: /Field team/ })).toBeChecked();
});
