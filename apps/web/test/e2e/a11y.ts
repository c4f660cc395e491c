// The accessibility pass of every journey: axe-core (Deque's rules engine) injected into the page,
// plus the one thing axe does not look at, horizontal overflow (WCAG 1.4.10 Reflow: a 320 CSS px
// wide phone must not need sideways scrolling; we check at the widths the journeys use).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type axe from 'axe-core';
import type { Page } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** WCAG 2.0/2.1 A and AA and Deque's best practices, as issue 6 asks. */
const RUN_OPTIONS: axe.RunOptions = {
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  // WCAG 2.2 dropped 4.1.1 Parsing, so axe 4.9+ files this rule as deprecated; but a duplicated id
  // still breaks every <label for> and aria-labelledby that points at it, so keep it on.
  rules: { 'duplicate-id': { enabled: true } },
  resultTypes: ['violations', 'incomplete'],
};

const BLOCKING = new Set<axe.ImpactValue>(['serious', 'critical']);

export interface Finding {
  rule: string;
  impact: axe.ImpactValue;
  help: string;
  targets: string[];
  /** axe's own words for the first node: why it failed, or why it could not tell. */
  why: string;
}

export interface AuditResult {
  /** serious and critical violations: these fail the journey. */
  blocking: Finding[];
  /** moderate and minor violations: reported, not failed on. */
  notes: Finding[];
  /** what axe could not decide by itself ("needs review", e.g. text over an image): reported. */
  review: Finding[];
  /** problems axe does not check (layout). These fail too. */
  layout: string[];
}

const describe = (finding: Finding) =>
  `[${finding.impact}] ${finding.rule}: ${finding.help} → ${finding.targets.slice(0, 4).join(', ')}` +
  (finding.targets.length > 4 ? ` (+${finding.targets.length - 4} more)` : '') +
  (finding.why ? ` (${finding.why})` : '');

export const formatFindings = (findings: Finding[]) => findings.map(describe);

export async function auditPage(page: Page): Promise<AuditResult> {
  // Evaluated through the DevTools protocol, which the page's Content-Security-Policy does not
  // govern: an injected <script> tag would be refused by the console's strict CSP, and
  // bypassCSP would test a different page than the one people get.
  const loaded = await page.evaluate(() => 'axe' in window);
  if (!loaded) await page.evaluate(axeSource);
  const results = (await page.evaluate(
    (options) => (window as unknown as { axe: typeof axe }).axe.run(document, options),
    RUN_OPTIONS,
  )) as axe.AxeResults;
  const toFinding = (result: axe.Result): Finding => ({
    rule: result.id,
    impact: result.impact ?? null,
    help: result.help,
    targets: result.nodes.map((node) => node.target.map(String).join(' ')),
    why: [...(result.nodes[0]?.any ?? []), ...(result.nodes[0]?.all ?? []), ...(result.nodes[0]?.none ?? [])]
      .map((check) => check.message)
      .filter(Boolean)
      .join('; '),
  });
  const findings = results.violations.map(toFinding);
  const layout = await page.evaluate(() => {
    const viewport = window.innerWidth;
    const content = document.documentElement.scrollWidth;
    if (content <= viewport + 1) return [];
    // Name the culprits: elements past the right edge that no scrolling box of their own contains.
    // (No named functions in here: tsx would wrap them in a helper the page does not have.)
    const culprits = [...document.querySelectorAll('body *')]
      .filter((el) => {
        if (el.getBoundingClientRect().right <= viewport + 1) return false;
        for (let node = el.parentElement; node && node !== document.body; node = node.parentElement) {
          if (getComputedStyle(node).overflowX !== 'visible') return false;
        }
        return true;
      })
      .slice(0, 3)
      .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`);
    return [
      `horizontal overflow: content ${content}px wide in a ${viewport}px viewport (${culprits.join(', ')})`,
    ];
  });
  return {
    blocking: findings.filter((finding) => BLOCKING.has(finding.impact)),
    notes: findings.filter((finding) => !BLOCKING.has(finding.impact)),
    review: results.incomplete.map(toFinding),
    layout,
  };
}
