import { expect, Page } from '@playwright/test';

// The demo tenant's accounts (see server/src/demo.rs); they all share one password.
export const ADMIN = { email: 'admin@demo.sightline.dev', password: 'sightline-demo', name: 'Dana Admin' };
export const ANNA = { email: 'anna@demo.sightline.dev', password: 'sightline-demo', name: 'Anna Lindqvist' };

// Screenshots of each step are kept in end2end/artifacts.
export async function shot(page: Page, name: string) {
  await page.screenshot({ path: `artifacts/${name}.png`, fullPage: true });
}

// Clicks only work once the WASM has hydrated the page.
export async function hydrated(page: Page) {
  await page.waitForSelector('body[data-hydrated]', { state: 'attached', timeout: 20_000 });
}

export async function go(page: Page, section: string) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: section, exact: true }).click();
  await hydrated(page);
}

export async function signIn(page: Page, who = ADMIN) {
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: `Welcome, ${who.name}` })).toBeVisible();
}

// The demo's published sales dashboard, which has a public link.
export async function openPublishedDashboard(page: Page) {
  await page.goto('/spaces');
  await hydrated(page);
  await page.getByRole('link', { name: 'Sales analytics' }).click();
  await hydrated(page);
  await page.getByRole('link', { name: 'Sales dashboard' }).first().click();
  await hydrated(page);
}
