import { test, expect } from '@playwright/test';
import { hydrated, openPublishedDashboard, signIn } from './helpers';

// Every page works when opened by its address (a bookmark, a reload, a link from an email), not
// only when reached by clicking: the server's HTML must hydrate into the live page.

test('every page hydrates when opened directly', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && m.text().includes('hydration')) errors.push(m.text());
  });
  await signIn(page);
  await page.goto('/spaces');
  await hydrated(page);
  await page.getByRole('link', { name: 'Analytics workshop' }).click();
  await hydrated(page);
  const space = new URL(page.url()).pathname;
  const app = await page.locator('li[data-app="Sales dashboard"] a.app-name').getAttribute('href');
  for (const path of ['/', '/spaces', space, `${space}/members`, app!, `${app}/sheets`, '/admin/users', '/admin/groups', '/admin/roles', '/admin/audit', '/admin/embedding', '/admin/licences', '/admin/identity-providers', '/admin/reloads', '/notices', '/account', '/forgot-password']) {
    await page.goto(path);
    await hydrated(page);
  }
  // The pages of anonymous visitors and embeds, with the demo's public link.
  await openPublishedDashboard(page);
  const link = await page.locator('#anonymous-access .copy-field input').first().inputValue();
  const [, appId, code] = link.match(/\/a\/([0-9a-f]+)\?eac=([0-9a-f]+)/)!;
  for (const path of [`/a/${appId}?eac=${code}`, `/embed/${appId}/sheet?eac=${code}&theme=dark`, `/embed/${appId}/selections?eac=${code}`, `/embed/${appId}/field?eac=${code}&field=Region`, `/a/${appId}?eac=wrong`]) {
    await page.goto(path);
    await hydrated(page);
  }
  expect(errors).toEqual([]);
});
