import { Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

// axe-core (npm, pinned), run in the page as a screen-reader user's checker would: the rules of
// WCAG 2 A and AA. Each finding: the rule, its impact and how many elements break it.
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export type Finding = { id: string; impact: string; nodes: number; help: string; targets: string[] };

export async function axeFindings(page: Page): Promise<Finding[]> {
  // Through the DevTools protocol, as an extension would: the page's CSP refuses inline scripts.
  await page.evaluate(AXE);
  return await page.evaluate(async () => {
    // @ts-ignore: injected above
    const result = await (window as any).axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } });
    return result.violations.map((v: any) => ({
      id: v.id,
      impact: v.impact,
      nodes: v.nodes.length,
      help: v.help,
      targets: v.nodes.slice(0, 3).map((n: any) => n.target.join(' ')),
    }));
  });
}

// What axe found on each page the suite opened, kept in artifacts/axe.json for the figures.
export function keep(name: string, findings: Finding[]) {
  const file = path.join('artifacts', 'axe.json');
  const all = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  all[name] = findings;
  fs.mkdirSync('artifacts', { recursive: true });
  fs.writeFileSync(file, JSON.stringify(all, null, 2));
  const words = findings.map((f) => `${f.id} (${f.impact}, ${f.nodes})`).join(', ') || 'none';
  console.log(`figure axe ${name}: ${findings.length} rule(s) broken: ${words}`);
}
