/**
 * The Cohorts, Value and Subscriptions pages end to end, on `retain start` with the demo (CDNOW) in
 * Debian's Chromium: the heatmap shows exactly the API's filled cells and leaves the incomplete ones
 * empty; a click on a cell lists exactly that cell's count of customers; the Value page's model
 * parameters are the API's; after samples/subscriptions.csv is imported through the API, the
 * Subscriptions page appears and shows the API's MRR. Every page in every look (light, dark, a
 * 390 px phone, zh-CN): no serious or critical axe-core finding, no untranslated key, no console
 * error or CSP violation, a screenshot in test-results/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { seriousAccessibilityViolations } from './browser.js';
import { dashboardSuite, ROOT, screenshot, type Tab, untranslated } from './harness.js';

const suite = dashboardSuite();
const { open, apiJson, logIn } = suite;

interface CohortsAnswer {
  computedAt: string;
  cohorts: { rows: { cohort: string; size: number; counts: (number | null)[]; rates: (number | null)[] }[] };
}

/** What the page asks by default: monthly first-time classic cohorts of the orders. */
const DEFAULT_COHORTS =
  '/api/v1/analytics/cohorts?period=month&kind=first-time&measure=classic&mode=transactional';

/** The heatmap's cells: `data-value` and text of every cell with `data-cohort`. */
async function heatmapCells(page: Page) {
  return page.locator('.cohort-table td[data-cohort]').evaluateAll((cells) =>
    cells.map((cell) => ({
      cohort: cell.getAttribute('data-cohort'),
      age: Number(cell.getAttribute('data-age')),
      value: cell.getAttribute('data-value'),
      incomplete: cell.getAttribute('data-incomplete') === 'true',
      text: (cell.textContent ?? '').trim(),
    })),
  );
}

async function heatmapShown(page: Page) {
  await page.locator('.cohort-table td[data-cohort]').first().waitFor({ timeout: 60_000 });
  await page.locator('.cohort-heatmap[aria-busy="false"]').waitFor({ timeout: 60_000 });
}

/** Axe, untranslated keys and a screenshot of the page as it is now. */
async function checkLook(tab: Tab, name: string) {
  expect(await untranslated(tab.page)).toEqual([]);
  expect(await seriousAccessibilityViolations(tab.page)).toEqual([]);
  await screenshot(tab.page, name);
}

describe('the Cohorts page', () => {
  let light: Tab;

  it('shows the API’s filled cells, leaves incomplete cells empty, and lists a cell’s customers', async () => {
    light = await open('light');
    const { page } = light;
    await logIn(page);
    await page.getByRole('link', { name: 'Cohorts' }).click();
    await page.waitForURL(/\/cohorts$/);
    await heatmapShown(page);
    const answer = await apiJson<CohortsAnswer>(page, DEFAULT_COHORTS);
    const rows = answer.cohorts.rows;

    // Percentages: a cell is filled where the API's rate is not null.
    let cells = await heatmapCells(page);
    const rateCells = rows.flatMap((row) =>
      row.rates.map((rate, age) => ({ cohort: row.cohort, age, rate })),
    );
    expect(cells).toHaveLength(rateCells.length);
    expect(cells.filter((cell) => cell.value !== '').length).toBe(
      rateCells.filter((cell) => cell.rate !== null).length,
    );
    for (const cell of cells.filter((entry) => entry.value !== '')) {
      const rate = rows.find((row) => row.cohort === cell.cohort)!.rates[cell.age];
      expect(Number(cell.value)).toBe(rate);
    }
    // Incomplete: where the API's count is null (June 1998, the data ends on its last day) —
    // empty, never "0" — and CDNOW's cohorts after March 1997 have no customers ("—", no rate).
    const incomplete = rows.flatMap((row) => row.counts.filter((count) => count === null));
    expect(incomplete.length).toBeGreaterThan(0);
    expect(cells.filter((cell) => cell.incomplete)).toHaveLength(incomplete.length);
    for (const cell of cells.filter((entry) => entry.incomplete))
      expect(cell).toMatchObject({ value: '', text: '' });
    expect(await page.locator('.freshness').getAttribute('data-computed-at')).toBe(answer.computedAt);

    // Counts: every complete cell is filled (0 included), incomplete ones still empty.
    await page.getByRole('radio', { name: 'Customers' }).check();
    await page.waitForURL(/show=counts/);
    await heatmapShown(page);
    cells = await heatmapCells(page);
    const countCells = rows.flatMap((row) => row.counts);
    expect(cells.filter((cell) => cell.value !== '').length).toBe(
      countCells.filter((count) => count !== null).length,
    );
    expect(cells.filter((cell) => cell.value === '0').length).toBe(
      countCells.filter((count) => count === 0).length,
    );
    expect(cells.filter((cell) => cell.incomplete).every((cell) => cell.text === '')).toBe(true);

    // A click on the smallest non-empty cell lists exactly its customers, over several pages of 100.
    let target = { cohort: '', age: 0, count: Number.POSITIVE_INFINITY };
    for (const row of rows) {
      row.counts.forEach((count, age) => {
        if (count !== null && count > 0 && count < target.count) target = { cohort: row.cohort, age, count };
      });
    }
    const { cohort, age, count } = target;
    expect(count).toBeGreaterThan(100); // CDNOW's smallest: 420 (March 1997's cohort in April 1998)
    expect(count).toBeLessThanOrEqual(1000);
    await page.locator(`td[data-cohort="${cohort}"][data-age="${age}"] button`).click();
    const list = page.locator('.cell-customers');
    await list.locator(`[data-customer-id]`).first().waitFor();
    expect(await list.getAttribute('data-count')).toBe(String(count));
    const listed = list.locator('[data-customer-id]');
    for (let pages = 1; pages < 12; pages++) {
      const shown = await listed.count();
      if (shown >= count) break;
      expect(shown).toBe(100 * pages); // full pages until the last
      await list.getByRole('button', { name: 'Show more' }).click();
      await expect.poll(() => listed.count(), { timeout: 30_000 }).toBeGreaterThan(shown);
    }
    expect(await list.getByRole('button', { name: 'Show more' }).count()).toBe(0);
    await expect.poll(() => list.locator('[data-customer-id]').count()).toBe(count);
    const ids = await list
      .locator('[data-customer-id]')
      .evaluateAll((rowsShown) => rowsShown.map((row) => row.getAttribute('data-customer-id')));
    expect(new Set(ids).size).toBe(count);
    // The same customers the API lists for the cell.
    const first = await apiJson<{ count: number; customers: { customerId: string }[] }>(
      page,
      `/api/v1/analytics/cohorts/customers?period=month&kind=first-time&measure=classic&mode=transactional&cohort=${cohort}&age=${age}&limit=1000`,
    );
    expect(first.count).toBe(count);
    expect([...ids].sort()).toEqual(first.customers.map((customer) => customer.customerId).sort());
    expect(await list.locator('a[href^="/customers/"]').count()).toBe(count);

    // Retention curves and one age across cohorts are drawn.
    await page.locator('.chart canvas').nth(1).waitFor({ timeout: 30_000 });
    await checkLook(light, 'cohorts-light');
    expect(light.problems).toEqual([]);
  }, 240_000);

  it('recurring, rolling, by quarter: still the API’s cells', async () => {
    const { page } = light;
    await page.goto(`${suite.server.url}/cohorts?period=quarter&kind=recurring&measure=rolling`);
    await heatmapShown(page);
    const answer = await apiJson<CohortsAnswer>(
      page,
      '/api/v1/analytics/cohorts?period=quarter&kind=recurring&measure=rolling&mode=transactional',
    );
    const cells = await heatmapCells(page);
    const rates = answer.cohorts.rows.flatMap((row) => row.rates);
    expect(cells.filter((cell) => cell.value !== '').map((cell) => Number(cell.value))).toEqual(
      rates.filter((rate) => rate !== null),
    );
    expect(light.problems).toEqual([]);
  }, 120_000);

  for (const look of ['dark', 'phone', 'zh-CN'] as const) {
    it(`renders in the ${look} look`, async () => {
      const tab = await open(look);
      await logIn(tab.page);
      await tab.page.goto(`${suite.server.url}/cohorts`);
      await heatmapShown(tab.page);
      await tab.page.locator('.chart canvas').nth(1).waitFor({ timeout: 30_000 });
      if (look === 'phone') {
        const overflow = await tab.page.evaluate(
          () => document.documentElement.scrollWidth - window.innerWidth,
        );
        expect(overflow).toBeLessThanOrEqual(0);
      }
      if (look === 'zh-CN') expect(await tab.page.locator('h1').textContent()).toBe('同期群');
      await checkLook(tab, `cohorts-${look}`);
      expect(tab.problems).toEqual([]);
      await tab.context.close();
    }, 120_000);
  }
});

interface Diagnostics {
  model: string;
  params: Record<string, number>;
  gammaGamma: { p: number; q: number; gamma: number };
}

describe('the Value page', () => {
  for (const look of ['light', 'dark', 'phone', 'zh-CN'] as const) {
    it(`shows the API’s model parameters (${look})`, async () => {
      const tab = await open(look);
      const { page } = tab;
      await logIn(page);
      await page.goto(`${suite.server.url}/value`);
      const diagnostics = page.locator('[data-model="diagnostics"]');
      await diagnostics.locator('[data-param]').first().waitFor({ timeout: 90_000 });
      await page.locator('[data-model="clv"] [data-param]').first().waitFor({ timeout: 90_000 });
      const shown = async (scope: string) =>
        Object.fromEntries(
          await page
            .locator(`[data-model="${scope}"] [data-param]`)
            .evaluateAll((entries) =>
              entries.map((entry) => [
                entry.getAttribute('data-param'),
                Number(entry.getAttribute('data-value')),
              ]),
            ),
        );
      const api = await apiJson<Diagnostics>(page, '/api/v1/analytics/clv/diagnostics?model=bgnbd');
      expect(api.model).toBe('bgnbd');
      const { p, q, gamma } = api.gammaGamma;
      expect(await shown('diagnostics')).toEqual({ ...api.params, p, q, gamma });
      const clv = await apiJson<{
        bgNbd: { params: Record<string, number> };
        gammaGamma: { params: Record<string, number> };
      }>(page, '/api/v1/analytics/clv?limit=10&offset=0');
      expect(await shown('clv')).toEqual({ ...clv.bgNbd.params, ...clv.gammaGamma.params });
      expect(await page.locator('[data-model-name]').getAttribute('data-model-name')).toBe('bgnbd');
      // The calibration/holdout chart and the CLV histogram are drawn; top customers link to their pages.
      await page.locator('.chart canvas').nth(1).waitFor({ timeout: 30_000 });
      expect(await page.locator('a[href^="/customers/"]').count()).toBe(10);
      if (look === 'phone') {
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow).toBeLessThanOrEqual(0);
      }
      await checkLook(tab, `value-${look}`);
      expect(tab.problems).toEqual([]);
      await tab.context.close();
    }, 180_000);
  }
});

describe('the Subscriptions page', () => {
  it('is not offered without subscriptions; after importing samples/subscriptions.csv it shows the API’s MRR', async () => {
    const tab = await open('light');
    const { page } = tab;
    await logIn(page);
    await page.locator('.main-nav a', { hasText: 'Cohorts' }).waitFor();
    // The overview answered (the header's link depends on it): only then is "not offered" a finding.
    // (A load state would not do: the app changes views without navigating.)
    await page.locator('[data-kpi="crr"]').waitFor({ timeout: 120_000 });
    expect(await page.locator('.main-nav a', { hasText: 'Subscriptions' }).count()).toBe(0);
    // Opened by its address all the same, the page says there is nothing yet, without asking the
    // API for an MRR it does not have (two 404s in the console).
    await page.goto(`${suite.server.url}/subscriptions`);
    await page.getByText('This workspace has no paid subscriptions yet.', { exact: false }).waitFor();
    expect(await untranslated(page)).toEqual([]);
    expect(tab.problems).toEqual([]);

    // The import through the API, as the session (its CSRF token from GET /auth/me).
    const { csrfToken } = await apiJson<{ csrfToken: string }>(page, '/api/v1/auth/me');
    const upload = await page.context().request.post(`${suite.server.url}/api/v1/imports`, {
      headers: { 'X-CSRF-Token': csrfToken },
      multipart: {
        type: 'subscriptions',
        file: {
          name: 'subscriptions.csv',
          mimeType: 'text/csv',
          buffer: readFileSync(join(ROOT, 'samples', 'subscriptions.csv')),
        },
      },
    });
    expect(upload.status()).toBe(202);
    const { id } = (await upload.json()) as { id: string };
    await expect
      .poll(async () => (await apiJson<{ status: string }>(page, `/api/v1/imports/${id}`)).status, {
        timeout: 120_000,
      })
      .toBe('succeeded');

    for (const look of ['light', 'dark', 'phone', 'zh-CN'] as const) {
      const view = look === 'light' ? tab : await open(look);
      if (look !== 'light') await logIn(view.page);
      await view.page.goto(`${suite.server.url}/`);
      const link = view.page.locator('.main-nav a[href="/subscriptions"]');
      await link.waitFor({ timeout: 90_000 });
      await link.click();
      await view.page.locator('[data-kpi="mrr"]').waitFor({ timeout: 90_000 });
      const mrr = await apiJson<{
        computedAt: string;
        mrr: { current: number; movements: { nrr: number | null }[] };
      }>(view.page, '/api/v1/analytics/mrr?mode=subscription');
      expect(await view.page.locator('[data-kpi="mrr"]').getAttribute('data-value')).toBe(
        String(mrr.mrr.current),
      );
      const last = mrr.mrr.movements[mrr.mrr.movements.length - 1]!;
      expect(await view.page.locator('[data-kpi="nrr"]').getAttribute('data-value')).toBe(String(last.nrr));
      expect(await view.page.locator('.freshness').getAttribute('data-computed-at')).toBe(mrr.computedAt);
      await view.page.locator('.chart canvas').nth(3).waitFor({ timeout: 30_000 }); // MRR, movements, NRR/GRR, survival
      if (look === 'phone') {
        const overflow = await view.page.evaluate(
          () => document.documentElement.scrollWidth - window.innerWidth,
        );
        expect(overflow).toBeLessThanOrEqual(0);
      }
      await checkLook(view, `subscriptions-${look}`);
      expect(view.problems).toEqual([]);
      await view.context.close();
    }
  }, 480_000);
});
