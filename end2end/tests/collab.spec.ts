import { test, expect, Browser, Page } from '@playwright/test';
import { ADMIN, hydrated, shot, signIn } from './helpers';
import { axeFindings, keep } from './a11y';

// The collaborative-sessions issue's "what a user sees", with the seed's QlikView sessions:
// Alice (the demo admin) opens an app and starts a session; Bob opens the invitation, types his
// email and is in, and Alice is told; Carol joins from her phone; Alice removes Carol, who sees
// it and cannot come back; Bob clicks a bar and Alice's charts change; Alice moves to another
// sheet and Bob follows; Alice stops, and Bob sees that it ended.

const BOB = 'bob@partner.example';
const CAROL = 'carol@partner.example';

async function join(browser: Browser, link: string, email: string, phone = false): Promise<Page> {
  const context = await browser.newContext(phone ? { viewport: { width: 390, height: 844 } } : {});
  const page = await context.newPage();
  await page.goto(link);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: `${ADMIN.name} invites you to explore Sales dashboard` })).toBeVisible();
  await expect(page.getByRole('note')).toContainText('You will see exactly what');
  await page.getByLabel('Your email').fill(email);
  await page.getByRole('button', { name: 'Join the session' }).click();
  await page.waitForURL(/\/collab\/[0-9a-f]{24}$/);
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Sales dashboard' })).toBeVisible();
  return page;
}

const tab = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Sheets' }).getByRole('button', { name, exact: true });

test('Alice, Bob and Carol explore one app together until Alice stops the session', async ({ page: alice, browser }) => {
  // Alice opens the workshop's sales dashboard and gives it a second sheet.
  await signIn(alice);
  await alice.goto('/spaces');
  await hydrated(alice);
  await alice.getByRole('link', { name: 'Analytics workshop' }).click();
  await hydrated(alice);
  const app = await alice.locator('li[data-app="Sales dashboard"] a.app-name').getAttribute('href');
  await alice.goto(`${app}/sheets`);
  await hydrated(alice);
  await alice.getByRole('button', { name: '+ Sheet' }).click();
  await alice.getByLabel('New sheet title').fill('Detail');
  await alice.getByRole('button', { name: 'Add sheet' }).click();
  await expect(alice.getByRole('link', { name: 'Detail', exact: true })).toHaveAttribute('aria-current', 'page');
  await alice.getByRole('link', { name: 'Overview', exact: true }).click();
  await expect(alice.getByRole('link', { name: 'Overview', exact: true })).toHaveAttribute('aria-current', 'page');

  // Sessions that people without an account join are anonymous access: off until a tenant
  // admin turns them on (Alice is one; her Publishers role allows starting them).
  await alice.goto('/admin/embedding');
  await hydrated(alice);
  const outsiders = alice.getByRole('checkbox', { name: /People without an account may join/ });
  await expect(outsiders).not.toBeChecked();
  await outsiders.check();
  await expect(alice.getByText('People without an account may join: on')).toBeVisible();
  await alice.goBack();
  await hydrated(alice);
  await expect(alice.getByRole('link', { name: 'Overview', exact: true })).toHaveAttribute('aria-current', 'page');

  // She starts a session anyone with the link may join, and gets its invitation.
  await alice.getByRole('button', { name: 'Start collaborative session' }).click();
  await expect(alice.getByLabel('Anyone with the link')).toBeChecked();
  await alice.getByRole('button', { name: 'Start and get the invitation link' }).click();
  await alice.waitForURL(/\/collab\/[0-9a-f]{24}#invite=/);
  await hydrated(alice);
  const link = await alice.getByLabel('Send this link').inputValue();
  expect(link).toMatch(/\/collab\/join\/[0-9a-f]{64}$/);
  await shot(alice, '50-collab-started');

  // Bob joins by typing his email; Alice is told.
  const bob = await join(browser, link, BOB);
  const people = alice.getByRole('complementary', { name: 'Participants' });
  await expect(people.locator('.activity')).toContainText(`${BOB} joined`);
  await expect(people.locator('li.person', { hasText: BOB }).getByLabel('Connected')).toBeVisible();
  await expect(people.locator('li.person', { hasText: BOB })).toContainText('unverified');
  // The session's page passes axe (WCAG 2 A and AA) for the one who leads and the one who joined.
  for (const [name, who] of [['collab session, leading', alice], ['collab session, joined', bob]] as [string, Page][]) {
    const findings = await axeFindings(who);
    keep(name, findings);
    expect(findings.map((f) => `${f.id} (${f.impact}, ${f.nodes}): ${f.help} at ${f.targets.join('; ')}`), `axe on the ${name}`).toEqual([]);
  }

  // Carol joins from her phone: the session page fits a 390-pixel screen.
  const carol = await join(browser, link, CAROL, true);
  await expect(people.locator('li.person', { hasText: CAROL })).toBeVisible();
  expect(await carol.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await shot(carol, '51-collab-on-a-phone');

  // Alice removes Carol: Carol sees it, and the invitation no longer lets her in.
  await people.getByRole('button', { name: `Remove ${CAROL}` }).click();
  await expect(carol.getByRole('heading', { name: 'This collaborative session is over for you' })).toBeVisible();
  await expect(carol.getByRole('alert')).toContainText('You were removed from this collaborative session.');
  await shot(carol, '52-collab-removed');
  // Carol typed an email nobody checked: removing her ended the invitation that let her in, so
  // no other email brings her back either. The link says so before asking for one.
  await carol.goto(link);
  await hydrated(carol);
  await expect(carol.getByRole('alert')).toContainText('This invitation was ended by the person who sent it.');
  await expect(carol.getByLabel('Your email')).toHaveCount(0);
  await expect(people.locator('li.person', { hasText: CAROL })).toHaveCount(0);

  // Bob clicks a bar: Alice's charts change at once, and her selections bar says who did it.
  const bar = bob.locator('.chart-bar li.bar').first();
  const value = (await bar.getAttribute('data-value'))!;
  const kpi = alice.locator('.chart-kpi .kpi-value').first();
  const before = await kpi.textContent();
  await bar.click();
  const chip = alice.locator('.selections-bar .chip');
  await expect(chip).toHaveCount(1);
  await expect(chip).toContainText(value);
  await expect(chip).toContainText(`by ${BOB}`);
  await expect(kpi).not.toHaveText(before!);
  await shot(alice, '53-collab-bob-selected');

  // Alice moves to the other sheet: Bob's view follows. Bob looks at the first sheet alone, and
  // one click makes him follow again.
  await tab(alice, 'Detail').click();
  await expect(tab(bob, 'Detail')).toHaveAttribute('aria-current', 'page');
  await tab(bob, 'Overview').click();
  await expect(tab(bob, 'Overview')).toHaveAttribute('aria-current', 'page');
  await expect(tab(alice, 'Detail')).toHaveAttribute('aria-current', 'page');
  await bob.getByRole('button', { name: `Follow ${ADMIN.name}` }).click();
  await expect(tab(bob, 'Detail')).toHaveAttribute('aria-current', 'page');
  await shot(bob, '54-collab-bob-follows');

  // Alice stops the session: Bob sees that it ended.
  await alice.getByRole('button', { name: 'Stop the session for everyone' }).click();
  await expect(bob.getByRole('heading', { name: 'This collaborative session is over for you' })).toBeVisible();
  await expect(bob.getByRole('alert')).toContainText('stopped it');
  await shot(bob, '55-collab-ended');
  await bob.context().close();
  await carol.context().close();
});
