import { test, expect, Page } from '@playwright/test';
import { hydrated, openPublishedDashboard, shot, signIn } from './helpers';
import { axeFindings, keep } from './a11y';

// Every visitor can read and use a dashboard: axe (WCAG 2 A and AA) finds nothing on the pages
// people open, the portal's, a visitor's and an embed's (light and dark). Each page's figure is
// printed; the collaborative session's page is checked in collab.spec.ts.
test('axe finds no WCAG 2 A or AA violation on the portal, a sheet, the licence center, a visitor page and an embed; a selection is said in words', async ({ page, browser }) => {
  const checked: Record<string, string[]> = {};
  const check = async (name: string, p = page) => {
    const findings = await axeFindings(p);
    keep(name, findings);
    checked[name] = findings.map((f) => `${f.id} (${f.impact}, ${f.nodes}): ${f.help} at ${f.targets.join('; ')}`);
  };
  await signIn(page);
  await check('home');
  await openPublishedDashboard(page);
  const card = page.locator('#anonymous-access');
  const link = await card.locator('.copy-field input').first().inputValue();
  await card.getByText('Embed code', { exact: true }).click();
  const snippet = await card.getByLabel('iframe').inputValue();
  const embed = snippet.match(/src="([^"]+)"/)![1].replace(/&amp;/g, '&');
  await check('app page');
  await page.getByRole('link', { name: 'Open app' }).first().click();
  await hydrated(page);
  await page.locator('figure.chart').first().waitFor();
  await check('sheet');
  // A selection is said in words and announced: the value's state (selected as the listbox
  // says it, excluded in words), and the chips' live region.
  const value = page.locator('.chart-filter_pane li.value').first();
  await value.click();
  await expect(value).toHaveAttribute('data-state', 'selected');
  await expect(value).toHaveAttribute('aria-selected', 'true');
  const excluded = page.locator('.chart-filter_pane li.value[data-state="excluded"]').first();
  await expect(excluded.locator('.sr-only')).toHaveText(', excluded');
  await expect(page.locator('.selections-bar .chips')).toHaveAttribute('aria-live', 'polite');
  // What a screen reader is given: each chart a listbox named for what it shows and described
  // in a sentence, each value an option named with its numbers, the selected one said to be.
  const bars = page.getByRole('listbox', { name: /^Bar chart of .+ by .+/ }).first();
  await expect(bars).toHaveAccessibleDescription(/^Bar chart of .+: .+\d.*\.$/);
  await expect(bars.getByRole('option').first()).toHaveAccessibleName(/^.+: [\d,.]+/);
  await expect(page.getByRole('listbox', { name: /^Values of / }).getByRole('option', { selected: true })).toHaveCount(1);
  await expect(page.locator('.selections-bar .chip')).toHaveCount(1);
  await check('sheet with a selection');
  await page.getByRole('button', { name: 'Clear all' }).click();
  await expect(page.locator('.selections-bar .chip')).toHaveCount(0);
  await page.goto('/admin/licences');
  await hydrated(page);
  await check('licence center');
  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto(link);
  await visitor.locator('.visitor figure.chart').first().waitFor();
  await check('visitor page', visitor);
  // Announced on the visitor page too, where each answer replaces the charts.
  await visitor.locator('.chart-filter_pane li.value').first().click();
  await expect(visitor.locator('.visitor-announce')).toContainText('selected');
  await visitor.goto(embed);
  await visitor.locator('figure.chart').first().waitFor();
  await check('embed', visitor);
  await visitor.goto(`${embed}&theme=dark`);
  await visitor.locator('.theme-dark figure.chart').first().waitFor();
  await check('embed, dark theme', visitor);
  // Closed: the page gives its anonymous seat back (an address holds five at most).
  await visitor.context().close();
  for (const [name, findings] of Object.entries(checked)) {
    expect(findings, `axe on the ${name}`).toEqual([]);
  }
});

// Every other page of the portal's route table (app/src/shell/mod.rs), signed out and signed in
// as the demo's admin: axe finds nothing. The sheet, the licence center and the collaborative
// session's pages are checked above and in collab.spec.ts, with what they show.
test('axe finds no WCAG 2 A or AA violation on any other page of the portal', async ({ page }) => {
  test.setTimeout(120_000);
  const found: Record<string, string[]> = {};
  const check = async (name: string) => {
    await hydrated(page);
    const findings = await axeFindings(page);
    keep(name, findings);
    found[name] = findings.map((f) => `${f.id} (${f.impact}, ${f.nodes}): ${f.help} at ${f.targets.join('; ')}`);
  };
  for (const path of ['/login', '/forgot-password']) {
    await page.goto(path);
    await check(path);
  }
  await signIn(page);
  const pages = ['/spaces', '/account', '/notices', '/admin/users', '/admin/groups', '/admin/roles', '/admin/audit', '/admin/embedding', '/admin/identity-providers', '/admin/reloads'];
  for (const path of pages) {
    await page.goto(path);
    await page.locator('main h1').first().waitFor();
    await check(path);
  }
  await page.goto('/spaces');
  await hydrated(page);
  await page.getByRole('link', { name: 'Sales analytics' }).click();
  await page.locator('main h1').first().waitFor();
  const space = page.url();
  await check('/spaces/:id');
  await page.getByRole('link', { name: 'Sales dashboard' }).first().click();
  await page.locator('main h1').first().waitFor();
  const app = page.url();
  await check('/apps/:id');
  for (const [path, suffix] of [['/spaces/:id/members', `${space}/members`], ['/spaces/:id/connections', `${space}/connections`], ['/apps/:id/model', `${app}/model`]]) {
    await page.goto(suffix);
    await page.locator('main h1').first().waitFor();
    await check(path);
  }
  for (const [name, findings] of Object.entries(found)) {
    expect(findings, `axe on ${name}`).toEqual([]);
  }
});

// The demo's published dashboard's sheet, open in the portal; its public link, for a visitor.
async function openSheetAndLink(page: Page): Promise<string> {
  await signIn(page);
  await openPublishedDashboard(page);
  const link = await page.locator('#anonymous-access .copy-field input').first().inputValue();
  await page.getByRole('link', { name: 'Open app' }).first().click();
  await hydrated(page);
  await page.locator('figure.chart').first().waitFor();
  return link;
}

type Focus = { value: string | null; mark: boolean; chart: string; selected: string | null; outline: string; stroke: string };

async function focused(page: Page): Promise<Focus | null> {
  return page.evaluate(() => {
    const e = document.activeElement as HTMLElement | null;
    if (!e || e === document.body) return null;
    const style = getComputedStyle(e);
    return {
      value: e.getAttribute('data-value'),
      mark: e.hasAttribute('data-mark'),
      chart: e.closest('figure.chart')?.className ?? '',
      selected: e.getAttribute('aria-selected') ?? e.getAttribute('aria-pressed'),
      outline: style.outlineStyle,
      stroke: style.strokeWidth,
    };
  });
}

// Tab (or Shift+Tab) until the focus is on a mark of the chart of that kind: the keyboard alone.
async function tabTo(page: Page, kind: string, back = false): Promise<Focus> {
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    const now = await focused(page);
    if (now && now.mark && now.chart.split(' ').includes(`chart-${kind}`)) return now;
  }
  throw new Error(`Tab never reached a mark of the ${kind} chart`);
}

// With the keyboard alone, on the portal's sheet (WASM) and a visitor's page (visitor.js): a
// bar, a slice, a point, a table cell and a filter value are reached (each chart one tab stop,
// arrows inside), selected with Enter or Space, and cleared; the focus stays on the value.
async function selectEveryKindByKeyboard(page: Page, where: string) {
  const chips = page.locator('.selections-bar .chip');
  await expect(chips).toHaveCount(0);
  const moves: [string, string, string][] = [
    ['bar', 'ArrowDown', 'Enter'],
    ['pie', 'ArrowRight', ' '],
    ['line', 'End', 'Enter'],
    ['table', 'ArrowDown', 'Enter'],
    ['filter_pane', 'End', ' '],
  ];
  for (const [kind, move, key] of moves) {
    if ((await page.locator(`.chart-${kind}`).count()) === 0) continue;
    await page.locator('h1, .visitor-title').first().click();
    const first = await tabTo(page, kind);
    expect(first.outline, `${where}: the focused ${kind} mark shows it`).not.toBe('none');
    // A table repeats a value down its rows: move until another one.
    let target = first;
    for (let i = 0; i < 10 && target.value === first.value; i++) {
      await page.keyboard.press(move);
      target = (await focused(page))!;
    }
    expect(target.mark, `${where}: ${move} stays in the ${kind} chart`).toBe(true);
    expect(target.value, `${where}: ${move} moves in the ${kind} chart`).not.toBe(first.value);
    await page.keyboard.press(key);
    await expect(chips, `${where}: ${kind} selected by keyboard`).toHaveCount(1);
    await expect(chips).toContainText(target.value!);
    await expect.poll(async () => (await focused(page))?.value, `${where}: the focus stays on the ${kind}'s value`).toBe(target.value);
    await expect.poll(async () => (await focused(page))?.selected).toBe('true');
    await page.keyboard.press(key);
    await expect(chips, `${where}: ${kind} cleared by keyboard`).toHaveCount(0);
  }
  // One tab stop per chart: Tab from a pane's value leaves the pane.
  await page.locator('h1, .visitor-title').first().click();
  await tabTo(page, 'filter_pane');
  await page.evaluate(() => ((window as any).list = document.activeElement!.closest('[data-marks]')));
  await page.keyboard.press('Tab');
  expect(await page.evaluate(() => document.activeElement!.closest('[data-marks]') === (window as any).list), `${where}: Tab leaves the pane`).toBe(false);
  // A selection chip is cleared from the keyboard too.
  await tabTo(page, 'filter_pane', true);
  await page.keyboard.press(' ');
  await expect(chips).toHaveCount(1);
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Shift+Tab');
    if (await page.evaluate(() => document.activeElement?.classList.contains('chip-clear'))) break;
  }
  await page.keyboard.press('Enter');
  await expect(chips).toHaveCount(0);
}

test('a keyboard alone selects and clears a bar, a slice, a point, a table cell and a filter value, in the portal and on a visitor page', async ({ page, browser }) => {
  const link = await openSheetAndLink(page);
  await selectEveryKindByKeyboard(page, 'portal');
  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto(link);
  await visitor.locator('.visitor figure.chart').first().waitFor();
  await hydrated(visitor);
  await selectEveryKindByKeyboard(visitor, 'visitor page');
  await visitor.context().close();
});

// What a 390-pixel phone shows, with every chart's "Show data" open: no text under 12 pixels,
// no tap target under 24 by 24, nothing wider than the screen. A line's points and a pie's
// slices may be thinner: each has its row's button in "Show data" (and a slice its legend
// entry), WCAG 2.5.8's equivalent control, measured here with the rest.
async function phoneProblems(page: Page): Promise<string[]> {
  await page.evaluate(() => document.querySelectorAll('details.chart-data').forEach((d) => ((d as HTMLDetailsElement).open = true)));
  return page.evaluate(() => {
    const problems: string[] = [];
    const shown = (e: Element) => {
      const r = e.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && !e.closest('.sr-only');
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const text = walker.currentNode.textContent!.trim();
      const e = walker.currentNode.parentElement;
      if (!text || !e || !shown(e) || e.closest('script, style, title')) continue;
      let size = parseFloat(getComputedStyle(e).fontSize);
      if (e instanceof SVGGraphicsElement) size *= e.getScreenCTM()?.a ?? 1;
      if (size < 11.95) problems.push(`text "${text.slice(0, 24)}" is ${size.toFixed(1)} px`);
    }
    const targets = document.querySelectorAll('[data-mark], [data-code], button, summary, input, select');
    for (const e of Array.from(targets)) {
      if (!shown(e) || e.matches('path.slice, g.point-mark, .cell-text')) continue;
      const r = e.getBoundingClientRect();
      if (r.width < 23.95 || r.height < 23.95) {
        const name = e.getAttribute('data-value') ?? e.getAttribute('aria-label') ?? e.textContent?.trim().slice(0, 20);
        problems.push(`${e.tagName.toLowerCase()}.${e.getAttribute('class') ?? ''} "${name}" is ${r.width.toFixed(0)}x${r.height.toFixed(0)} px`);
      }
    }
    const wide = document.documentElement.scrollWidth;
    if (wide > window.innerWidth) problems.push(`the page is ${wide} px wide on a ${window.innerWidth} px screen`);
    return problems;
  });
}

test('on a 390-pixel phone a visitor page and a sheet keep text at 12 px or more and tap targets at 24 px or more', async ({ browser }) => {
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const page = await phone.newPage();
  const link = await openSheetAndLink(page);
  await shot(page, '90-phone-sheet');
  const sheet = await phoneProblems(page);
  const visitor = await phone.newPage();
  await visitor.goto(link);
  await visitor.locator('.visitor figure.chart').first().waitFor();
  await hydrated(visitor);
  await visitor.locator('.chart-bar li.bar').first().tap();
  await expect(visitor.locator('.selections-bar .chip')).toHaveCount(1);
  await shot(visitor, '91-phone-visitor');
  const visit = await phoneProblems(visitor);
  console.log(`figure phone: sheet ${sheet.length} problem(s), visitor page ${visit.length}`);
  await phone.close();
  expect(sheet, 'the sheet on a phone').toEqual([]);
  expect(visit, 'the visitor page on a phone').toEqual([]);
});

// Numbers in the reader's language: a browser that prefers German reads 1.234,5 on the portal's
// sheet (drawn by the server, then by the WASM after a selection) and on the visitor page.
test('a reader whose browser prefers German reads numbers as German writes them, before and after a selection', async ({ browser }) => {
  const german = await browser.newContext({ locale: 'de-DE' });
  const page = await german.newPage();
  const link = await openSheetAndLink(page);
  const kpi = page.locator('.chart-kpi .kpi-value').first();
  const written = /^-?\d{1,3}(\.\d{3})*(,\d{1,2})?$/;
  await expect(kpi).toHaveAttribute('title', written);
  // Every number in the sheet's tables is written so, and some are big or fractional enough to
  // show it.
  const cells = (await page.locator('figure.chart td.num').allTextContents()).filter((c) => c !== '-');
  expect(cells.filter((c) => !written.test(c))).toEqual([]);
  expect(cells.some((c) => /[.,]/.test(c))).toBe(true);
  await expect(page.locator('body')).toHaveAttribute('data-locale', '.,d.');
  const before = await kpi.getAttribute('title');
  await page.locator('.chart-filter_pane li.value').first().click();
  await expect(kpi).not.toHaveAttribute('title', before!);
  await expect(kpi).toHaveAttribute('title', written);
  const visitor = await german.newPage();
  await visitor.goto(link);
  await hydrated(visitor);
  await expect(visitor.locator('.chart-kpi .kpi-value').first()).toHaveAttribute('title', written);
  await visitor.locator('.chart-filter_pane li.value').first().click();
  await expect(visitor.locator('.selections-bar .chip')).toHaveCount(1);
  await expect(visitor.locator('.chart-kpi .kpi-value').first()).toHaveAttribute('title', written);
  await german.close();
});
