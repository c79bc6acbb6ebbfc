/**
 * What the end-to-end suite needs from a browser: Debian's Chromium driven by playwright-core
 * (never a downloaded browser), axe-core run inside a page, and every console error or content
 * security policy violation of a page collected so a test can require there were none.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.RETAIN_CHROMIUM ?? '/usr/bin/chromium';

/** Launches the system's Chromium headless; a missing browser fails with what to install. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The end-to-end tests drive Debian's Chromium at ${CHROMIUM}: apt-get install -y chromium (or set RETAIN_CHROMIUM).`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** The viewports and preferences every page is looked at in (each gets its screenshot). */
export const LOOKS = {
  light: { viewport: { width: 1280, height: 900 }, colorScheme: 'light', locale: 'en-US' },
  dark: { viewport: { width: 1280, height: 900 }, colorScheme: 'dark', locale: 'en-US' },
  phone: {
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    colorScheme: 'light',
    locale: 'en-US',
  },
  'zh-CN': { viewport: { width: 1280, height: 900 }, colorScheme: 'light', locale: 'zh-CN' },
} as const satisfies Record<string, BrowserContextOptions>;

export type Look = keyof typeof LOOKS;

/**
 * Records the page's console errors and warnings, uncaught exceptions and CSP violations (reported
 * by the browser as console errors, and by the `securitypolicyviolation` event, which a script
 * added through the DevTools protocol — not an inline script — listens to).
 */
export async function watchProblems(page: Page): Promise<string[]> {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      problems.push(`console ${message.type()}: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.exposeFunction('__retainReportViolation', (text: string) => problems.push(`CSP: ${text}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      const report = (window as unknown as { __retainReportViolation(text: string): void })
        .__retainReportViolation;
      report(
        `${event.violatedDirective} blocked ${event.blockedURI || 'inline'} (${event.sourceFile}:${event.lineNumber})`,
      );
    });
  });
  return problems;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly string[] }[];
}

/**
 * The serious and critical accessibility violations axe-core finds on the page as it is now
 * (WCAG 2.x A and AA rules and best practices). axe is evaluated through the DevTools protocol,
 * so the page's CSP (no inline script) stays on.
 */
export async function seriousAccessibilityViolations(page: Page): Promise<string[]> {
  const loaded = await page.evaluate(() => 'axe' in window);
  if (!loaded) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> };
      }
    ).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map(({ id, impact, help, nodes }) => ({
      id,
      impact,
      help,
      nodes: nodes.map((node) => ({ target: node.target })),
    }));
  });
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.impact} ${violation.id}: ${violation.help} — ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`,
    );
}
