/**
 * The Customers pages end to end, as a shop owner finds the customers to save: `retain start` on a
 * temporary SQLite store (the demo workspace, CDNOW, whose scores the `scores.refresh` job computes
 * after the demo's import), Debian's Chromium. The at-risk list's first row is the API's, its
 * reasons in words the dashboard makes from the API's data; its customer's page shows the API's
 * numbers; a note added there is listed; a filtered list exported as CSV has as many rows as the
 * API counts for that filter; the search finds a known customer; headers sort and pages turn.
 * Every page in every look: no serious axe finding, no untranslated key, no console error;
 * screenshots in test-results/.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { en } from '../../web/src/i18n/messages.js';
import { seriousAccessibilityViolations } from './browser.js';
import { dashboardSuite, screenshot as screenshotOf, type Tab, untranslated } from './harness.js';

const suite = dashboardSuite();
const { open, apiJson, logIn } = suite;

/** An at-risk reason as the API sends it (codes and numbers: docs/api.md). */
type AtRiskReason = { code: string; points: number } & Record<string, number | string>;

/**
 * The English words a reason must read as, worked out here from the message table and Intl — not
 * by the dashboard's code — so the page and this test can disagree.
 */
function expectedWords(reason: AtRiskReason, currency: string): string {
  const count = (value: number) => value.toLocaleString('en-US');
  const money = (cents: number) =>
    new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency,
      minimumFractionDigits: Math.abs(cents) >= 100_000 ? 0 : 2,
      maximumFractionDigits: Math.abs(cents) >= 100_000 ? 0 : 2,
    }).format(cents / 100);
  const expected = (value: number) =>
    new Intl.NumberFormat(
      'en-US',
      value >= 1 ? { minimumFractionDigits: 1, maximumFractionDigits: 1 } : { maximumSignificantDigits: 2 },
    ).format(value);
  const fill = (key: keyof typeof en, values: Record<string, string>) =>
    en[key].replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? `{${name}}`);
  const number = (name: string) => Number(reason[name]);
  switch (reason.code) {
    case 'expected_purchases':
      return fill('customers.reason.expectedPurchases', {
        expected: expected(number('expected')),
        typical: expected(number('typical')),
        days: count(number('horizonDays')),
      });
    case 'overdue':
      return fill(number('daysOverdue') === 1 ? 'customers.reason.overdue.one' : 'customers.reason.overdue', {
        count: count(number('daysOverdue')),
        gap: count(number('usualGapDays')),
      });
    case 'single_purchase':
      return fill(
        number('daysSince') === 1 ? 'customers.reason.singlePurchase.one' : 'customers.reason.singlePurchase',
        { count: count(number('daysSince')) },
      );
    case 'low_value':
      return fill('customers.reason.lowValue', {
        value: money(number('valueCents')),
        typical: money(number('typicalValueCents')),
      });
    default:
      throw new Error(`No words worked out for ${reason.code}`);
  }
}

interface Score {
  riskScore: number | null;
  pAlive: number | null;
  predictedClvCents: number | null;
  expectedPurchases: number | null;
  reasons: AtRiskReason[];
  rfm: { segment: string; r: number; f: number; m: number } | null;
}
interface Listed {
  id: string;
  externalId: string | null;
  score: Score | null;
}
interface ListPage {
  data: Listed[];
  total: number | null;
  totalCapped: boolean;
  nextCursor: string | null;
  currency: string;
}
interface Overview {
  customer: { id: string; externalId: string | null };
  currency: string;
  totals: { orders: number; valueCents: number; refundedCents: number; lastOrderAt: string | null };
  score: Score | null;
  notes: { text: string }[];
}

async function screenshot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshotOf(page, name);
}

async function expectClean(page: Page) {
  expect(await untranslated(page)).toEqual([]);
  expect(await seriousAccessibilityViolations(page)).toEqual([]);
}

/** Waits until the demo's scores are stored (the job runs after the demo's import). */
async function scoresReady(page: Page) {
  await expect
    .poll(
      async () => (await apiJson<{ latest: unknown }>(page, '/api/v1/customers/scores')).latest !== null,
      {
        timeout: 180_000,
        interval: 1_000,
      },
    )
    .toBe(true);
}

/** Waits until the list shows the rows of the current address (not the previous page's). */
async function tableShown(page: Page) {
  await page.locator('.customer-table[aria-busy="false"] tbody tr').first().waitFor({ timeout: 60_000 });
}

const rowIds = (page: Page) =>
  page
    .locator('.customer-table tbody tr')
    .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-customer')));

describe('the Customers pages in Chromium', () => {
  let light: Tab;
  let firstAtRisk: Listed;

  it('ranks the at-risk list by score, its first row the API’s, with the reasons in words', async () => {
    light = await open('light');
    const { page } = light;
    await logIn(page);
    await scoresReady(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Customers' }).click();
    await tableShown(page);
    await page
      .getByRole('navigation', { name: 'Customer lists' })
      .getByRole('link', { name: 'At risk' })
      .click();
    await page.waitForURL(/\/customers\/at-risk$/);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Customers at risk');
    await tableShown(page);

    const api = await apiJson<ListPage>(page, '/api/v1/customers/at-risk?limit=25');
    expect(await rowIds(page)).toEqual(api.data.map((customer) => customer.id));
    firstAtRisk = api.data[0]!;
    const scores = api.data.map((customer) => customer.score!.riskScore!);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    // The first row's reasons: the API's codes, in words made from the API's numbers.
    const firstRow = page.locator('.customer-table tbody tr').first();
    const shown = await firstRow
      .locator('[data-reason]')
      .evaluateAll((items) => items.map((item) => [item.getAttribute('data-reason'), item.textContent]));
    expect(shown).toEqual(
      firstAtRisk.score!.reasons.map((reason) => [reason.code, expectedWords(reason, api.currency)]),
    );
    expect(shown.length).toBeGreaterThan(0);
    expect(String(shown[0]![1])).toMatch(/^[A-Z][a-z]+ .*\d/); // a sentence with its number, not a code
    expect(await firstRow.locator('.risk-score').textContent()).toBe(
      Math.round(firstAtRisk.score!.riskScore!).toLocaleString('en-US'),
    );
    await expectClean(page);
    await screenshot(page, 'customers-at-risk-light');
    expect(light.problems).toEqual([]);
  }, 300_000);

  it('opens the customer’s page: the API’s numbers, the reasons, and a note added there', async () => {
    const { page } = light;
    await page.locator('.customer-table tbody tr').first().getByRole('link').click();
    await page.waitForURL(new RegExp(`/customers/${firstAtRisk.id}$`));
    await page.locator('#section-value [data-field="valueCents"]').waitFor();
    const overview = await apiJson<Overview>(page, `/api/v1/customers/${firstAtRisk.id}/overview`);
    const figures = Object.fromEntries(
      await page
        .locator('[data-field]')
        .evaluateAll((elements) =>
          elements.map((element) => [element.getAttribute('data-field'), element.getAttribute('data-value')]),
        ),
    );
    const text = (value: number | string | null) => (value === null ? 'null' : String(value));
    expect(figures).toMatchObject({
      valueCents: text(overview.totals.valueCents),
      orders: text(overview.totals.orders),
      refundedCents: text(overview.totals.refundedCents),
      lastOrderAt: text(overview.totals.lastOrderAt),
      predictedClvCents: text(overview.score!.predictedClvCents),
      pAlive: text(overview.score!.pAlive),
      expectedPurchases: text(overview.score!.expectedPurchases),
      riskScore: text(overview.score!.riskScore),
      rfmR: text(overview.score!.rfm!.r),
      rfmF: text(overview.score!.rfm!.f),
      rfmM: text(overview.score!.rfm!.m),
    });
    // The same customer the list showed, and the same reasons.
    expect(overview.score!.riskScore).toBe(firstAtRisk.score!.riskScore);
    expect(
      await page
        .locator('#section-value [data-reason]')
        .evaluateAll((items) => items.map((item) => item.getAttribute('data-reason'))),
    ).toEqual(overview.score!.reasons.map((reason) => reason.code));
    expect(await page.locator('.timeline-item').count()).toBe(Math.min(100, overview.totals.orders));
    await expectClean(page);
    await screenshot(page, 'customer-light');

    const note = `Called on ${new Date().toISOString().slice(0, 10)}: offered free shipping on the next order.`;
    await page.getByLabel('Add a note').fill(note);
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.locator('.note .note-text', { hasText: note }).waitFor();
    expect(await page.getByLabel('Add a note').inputValue()).toBe('');
    const after = await apiJson<Overview>(page, `/api/v1/customers/${firstAtRisk.id}/overview`);
    expect(after.notes[0]?.text).toBe(note);
    expect(await page.locator('.note .note-meta').first().textContent()).toContain('Demo');
    await expectClean(page);
    await screenshot(page, 'customer-light-note');
    expect(light.problems).toEqual([]);
  }, 120_000);

  it('exports a filtered list as CSV with as many rows as the API counts, and finds a customer by id', async () => {
    const { page } = light;
    await page.getByRole('link', { name: '← All customers' }).click();
    await tableShown(page);
    await page.getByLabel('RFM segment').selectOption('at_risk');
    await page.waitForURL(/segment=at_risk/);
    await tableShown(page);
    const api = await apiJson<ListPage>(page, '/api/v1/customers?segment=at_risk&limit=25');
    expect(api.totalCapped).toBe(false);
    expect(api.total).toBeGreaterThan(25);
    await expect.poll(() => page.locator('.list-range').getAttribute('data-total')).toBe(String(api.total));
    expect(await page.locator('.list-range').textContent()).toBe(
      `Customers 1–25 of ${api.total!.toLocaleString('en-US')}`,
    );
    expect(await rowIds(page)).toEqual(api.data.map((customer) => customer.id));
    const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    expect(href).toBe('/api/v1/customers/export.csv?segment=at_risk');
    const response = await page.context().request.get(`${suite.server.url}${href}`);
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toBe('text/csv; charset=utf-8');
    const lines = (await response.text()).split('\r\n').filter((line) => line !== '');
    expect(lines[0]).toMatch(/^id,external_id,email,name,/);
    expect(lines.length - 1).toBe(api.total);

    // Sort by spend: the header says so, and the rows are the API's for that order.
    await page.getByRole('button', { name: 'Spent' }).click();
    await page.waitForURL(/sort=spent/);
    await tableShown(page);
    expect(
      await page
        .locator('th', { has: page.getByRole('button', { name: 'Spent' }) })
        .getAttribute('aria-sort'),
    ).toBe('descending');
    const bySpend = await apiJson<ListPage>(page, '/api/v1/customers?segment=at_risk&sort=spent&limit=25');
    await expect.poll(() => rowIds(page)).toEqual(bySpend.data.map((customer) => customer.id));
    // Next page and back.
    await page.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => page.locator('.list-range').textContent()).toMatch(/^Customers 26–50 of /);
    const second = await apiJson<ListPage>(
      page,
      `/api/v1/customers?segment=at_risk&sort=spent&limit=25&cursor=${encodeURIComponent(bySpend.nextCursor!)}`,
    );
    await expect.poll(() => rowIds(page)).toEqual(second.data.map((customer) => customer.id));
    await page.getByRole('button', { name: 'Previous' }).click();
    await expect.poll(() => rowIds(page)).toEqual(bySpend.data.map((customer) => customer.id));
    await expectClean(page);
    await screenshot(page, 'customers-light-filtered');

    // The search finds the customer of the at-risk list by its id.
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('Search').fill(firstAtRisk.externalId!);
    await page.waitForURL(new RegExp(`q=${firstAtRisk.externalId}&match=prefix`));
    await expect.poll(() => rowIds(page)).toContain(firstAtRisk.id);
    await expect.poll(() => rowIds(page).then((ids) => ids[0])).toBe(firstAtRisk.id);
    await expectClean(page);
    await screenshot(page, 'customers-light-search');
    expect(light.problems).toEqual([]);
    await light.context.close();
  }, 180_000);

  for (const look of ['dark', 'phone', 'zh-CN'] as const) {
    it(`shows the list, the at-risk list and a customer in the ${look} look`, async () => {
      const tab = await open(look);
      const { page } = tab;
      await logIn(page);
      await page.goto(`${suite.server.url}/customers`);
      await tableShown(page);
      if (look === 'zh-CN') {
        await expect.poll(() => page.locator('h1').textContent()).toBe('客户');
        await page.getByRole('link', { name: '有流失风险' }).click();
        await tableShown(page);
        expect(
          await page
            .locator('.customer-table tbody tr')
            .first()
            .locator('[data-reason]')
            .first()
            .textContent(),
        ).toMatch(/[\u4e00-\u9fff]/);
      } else {
        await page.goto(`${suite.server.url}/customers/at-risk`);
        await tableShown(page);
      }
      await expectClean(page);
      await screenshot(page, `customers-at-risk-${look}`);
      await page.goto(`${suite.server.url}/customers`);
      await tableShown(page);
      await expectClean(page);
      await screenshot(page, `customers-${look}`);
      await page.goto(`${suite.server.url}/customers/${firstAtRisk.id}`);
      await page.locator('#section-value [data-field="valueCents"]').waitFor();
      await expectClean(page);
      await screenshot(page, `customer-${look}`);
      if (look === 'phone') {
        // Nothing wider than the screen but the table, which scrolls in its own region.
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow).toBeLessThanOrEqual(0);
      }
      expect(tab.problems).toEqual([]);
      await tab.context.close();
    }, 120_000);
  }
});
