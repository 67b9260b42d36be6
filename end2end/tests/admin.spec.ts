import { test, expect } from '@playwright/test';
import { ADMIN, go, hydrated, shot, signIn } from './helpers';

// The seed of the foundation: an admin signs in, manages users, groups and roles, and every
// change shows in the audit log. Screenshots of each step are kept in end2end/artifacts.

test('a wrong password is refused with a message that says so', async ({ page }) => {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('do not match');
  await shot(page, '01-wrong-password');
});

test('an admin manages users, groups and roles, and sees it all in the audit log', async ({ page }) => {
  const stamp = Date.now().toString(36);
  const person = { name: `Robin Test ${stamp}`, email: `robin-${stamp}@example.com` };
  const group = `Auditors ${stamp}`;
  const role = `Embedders ${stamp}`;

  await signIn(page);
  await expect(page.locator('.stats')).toContainText('active users');
  await shot(page, '02-home');

  // A custom role that grants anonymous access links.
  await go(page, 'Roles');
  await page.getByRole('button', { name: 'New custom role' }).click();
  const roleForm = page.locator('section.card', { has: page.getByRole('heading', { name: 'New custom role' }) });
  await roleForm.getByLabel('Name').fill(role);
  await roleForm.getByLabel('Description').fill('Makes embed codes for the website.');
  await roleForm.getByLabel('Create anonymous access links and embed codes').check();
  await roleForm.getByRole('button', { name: 'Create role' }).click();
  await expect(page.locator(`section.role-card[data-role="${role}"]`)).toBeVisible();
  await shot(page, '03-roles');

  // A user, invited: the page hands over the invitation link once.
  await go(page, 'Users');
  await page.getByRole('button', { name: 'Add user' }).click();
  await page.getByLabel('Name').fill(person.name);
  await page.getByLabel('Email').fill(person.email);
  await page.getByRole('button', { name: 'Add and get invitation link' }).click();
  await expect(page.getByText(`${person.name} was added.`)).toBeVisible();
  await expect(page.getByLabel('Invitation link')).toHaveValue(/\/invite\/[0-9a-f]{64}$/);
  await page.getByRole('searchbox', { name: 'Search users' }).fill(stamp);
  await expect(page.getByRole('link', { name: person.name })).toBeVisible();
  await shot(page, '04-users');

  // A group with the custom role, and the user as its member.
  await go(page, 'Groups');
  await page.getByLabel('Name').fill(group);
  await page.getByLabel('Description').fill('Read the books.');
  await page.locator('section.card', { hasText: 'Create a group' }).getByLabel(role).check();
  await page.getByRole('button', { name: 'Create group' }).click();
  await page.getByRole('link', { name: group }).click();
  await hydrated(page);
  await expect(page.getByRole('heading', { name: group })).toBeVisible();
  await page.getByRole('searchbox', { name: 'Find a user' }).fill(person.email);
  // Waited for as the search answers: one person, the one searched for (the list before it may
  // hold them too, among others).
  await expect(page.getByRole('combobox', { name: 'User to add' }).locator('option')).toHaveCount(1);
  await expect(page.getByRole('combobox', { name: 'User to add' })).toContainText(person.name);
  await page.getByRole('button', { name: 'Add member' }).click();
  await expect(page.getByRole('cell', { name: person.email })).toBeVisible();
  await shot(page, '05-group');

  // The user's page shows the role that reaches them through the group.
  await page.getByRole('link', { name: person.name }).click();
  await hydrated(page);
  await expect(page.getByText(`${role} from ${group}`)).toBeVisible();
  await expect(page.getByText('Create anonymous access links and embed codes')).toBeVisible();
  await shot(page, '06-user');

  // Everything is in the audit log.
  await go(page, 'Audit log');
  const log = page.locator('table.audit');
  await expect(log).toContainText('role.create');
  await expect(log).toContainText('user.create');
  await expect(log).toContainText('group.create');
  await expect(log).toContainText('group.member_add');
  await expect(log.locator('tr', { hasText: 'group.member_add' }).filter({ hasText: person.name })).toHaveCount(1);
  await page.getByRole('combobox', { name: 'Action' }).selectOption('group.');
  await expect(log).not.toContainText('user.create');
  await shot(page, '07-audit');
});

test('a personal API key made in the portal works with a Qlik-style REST client', async ({ page, request }) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Your account, API keys and sessions' }).click();
  await hydrated(page);
  await page.getByLabel('Key name').fill('Qlik CLI');
  await page.getByRole('button', { name: 'Create key' }).click();
  const secret = page.getByLabel('Your new API key');
  await expect(secret).toHaveValue(/^sl_[0-9a-f]{64}$/);
  const key = await secret.inputValue();
  await expect(page.getByRole('cell', { name: 'Qlik CLI' })).toBeVisible();
  await shot(page, '08-api-key');

  // A client outside the browser: no cookie, only the key.
  const me = await request.get('/api/v1/users/me', { headers: { Authorization: `Bearer ${key}` }, ignoreHTTPSErrors: true });
  expect(me.status()).toBe(200);
  expect((await me.json()).email).toBe(ADMIN.email);
  const users = await request.get('/api/v1/users?limit=2', { headers: { Authorization: `Bearer ${key}` } });
  const page1 = await users.json();
  expect(page1.data).toHaveLength(2);
  expect(page1.links.next.href).toContain('next=');

  // Revoked, it stops working at once.
  await page.getByRole('row', { name: /Qlik CLI/ }).getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByRole('row', { name: /Qlik CLI/ })).toContainText('revoked');
  const after = await request.get('/api/v1/users/me', { headers: { Authorization: `Bearer ${key}` } });
  expect(after.status()).toBe(401);
});
