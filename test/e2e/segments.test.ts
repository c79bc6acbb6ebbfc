/**
 * The Segments pages end to end, as a marketer builds the audience: `retain start` on a
 * temporary SQLite store (the demo workspace, CDNOW, scored by the `scores.refresh` job after the
 * demo's import), Debian's Chromium. With the builder's pickers — no JSON typed — "at-risk score ≥ 60
 * and predicted CLV over $20"; the live count is the API's preview count for the same rule, the
 * sample its customers; a value out of range is held back at its row and a value the server
 * refuses is shown at the row the 400's path names; saved, the segment has that many members, its
 * members' pages are the API's and its CSV has a row for each; renamed and deleted. Every page in
 * every look: no serious axe finding, no untranslated key, no console error; screenshots in
 * test-results/.
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { seriousAccessibilityViolations } from './browser.js';
import { dashboardSuite, screenshot as screenshotOf, type Tab, untranslated } from './harness.js';

const suite = dashboardSuite();
const { open, apiJson, logIn } = suite;

/** The audience of the test: at-risk score ≥ 60 and predicted CLV over $20 (2,000 cents). */
const MIN_SCORE = 60;
const MIN_CLV_DOLLARS = 20;
const RULE = {
  all: [
    { field: 'at_risk_score', op: '>=', value: MIN_SCORE },
    { field: 'predicted_clv_cents', op: '>', value: MIN_CLV_DOLLARS * 100 },
  ],
};
const NAME = 'Win back: at risk, high value';

interface Preview {
  total: number;
  sample: { customerId: string }[];
}
interface Segment {
  id: string;
  name: string;
  memberCount: number;
  rule: unknown;
}
interface MembersPage {
  total: number;
  items: { customerId: string }[];
  nextCursor: string | null;
}

async function screenshot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshotOf(page, name);
}

async function expectClean(page: Page) {
  expect(await untranslated(page)).toEqual([]);
  expect(await seriousAccessibilityViolations(page)).toEqual([]);
}

/** `POST path` with the tab's session cookie and its CSRF token. */
async function apiPost<Body>(page: Page, path: string, body: unknown): Promise<Body> {
  const me = await apiJson<{ csrfToken: string }>(page, '/api/v1/auth/me');
  const response = await page.context().request.post(`${suite.server.url}${path}`, {
    data: body,
    headers: { 'X-CSRF-Token': me.csrfToken },
  });
  expect(response.status(), path).toBe(200);
  return (await response.json()) as Body;
}

/** Waits until the demo's scores are stored (the job runs after the demo's import). */
async function scoresReady(page: Page) {
  await expect
    .poll(
      async () => (await apiJson<{ latest: unknown }>(page, '/api/v1/customers/scores')).latest !== null,
      { timeout: 180_000, interval: 1_000 },
    )
    .toBe(true);
}

const conditions = (page: Page) => page.locator('fieldset.condition');

/** The live count once it answers for the rule on screen. */
async function currentCount(page: Page): Promise<number> {
  const count = page.locator('.preview-count[data-current="true"]');
  await count.waitFor({ timeout: 60_000 });
  return Number(await count.getAttribute('data-total'));
}

async function problemsOf(row: Locator) {
  return row
    .locator('.condition-problem')
    .evaluateAll((items) =>
      items.map((item) => ({ tone: item.getAttribute('data-tone'), part: item.getAttribute('data-part') })),
    );
}

describe('the Segments pages in Chromium', () => {
  let light: Tab;
  let saved: Segment;

  it('builds “at risk and high predicted CLV” with the pickers; the live count is the API’s preview', async () => {
    light = await open('light');
    const { page } = light;
    await logIn(page);
    await scoresReady(page);
    const api = await apiPost<Preview>(page, '/api/v1/segments/preview', { rule: RULE, sampleSize: 10 });
    expect(api.total).toBeGreaterThan(0); // the demo has such customers: the test compares real counts

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Segments' }).click();
    await page.waitForURL(/\/segments$/);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Segments');
    await expectClean(page);
    await screenshot(page, 'segments-empty-light');
    await page.getByRole('link', { name: 'New segment' }).click();
    await page.waitForURL(/\/segments\/new$/);
    await page.getByLabel('Name', { exact: true }).fill(NAME);

    const first = conditions(page).nth(0);
    await first.getByLabel('Field').selectOption('at_risk_score');
    // The operators offered are the catalogue's for a number field.
    expect(
      await first
        .getByLabel('Operator')
        .locator('option')
        .evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value)),
    ).toEqual(['=', '!=', '<', '<=', '>', '>=', 'between', 'is_set', 'is_not_set']);
    await first.getByLabel('Operator').selectOption('>=');
    // Out of the score's range: held back at the row, in words, with no count asked.
    await first.getByLabel('Value').fill('150');
    await expect.poll(() => problemsOf(first)).toEqual([{ tone: 'error', part: 'value' }]);
    expect(await first.locator('.condition-problem').textContent()).toBe('Enter at most 100.');
    expect(await first.getByLabel('Value').getAttribute('aria-invalid')).toBe('true');
    await expect
      .poll(() => page.locator('.preview-status').textContent())
      .toBe('Complete the conditions to see the count.');
    await first.getByLabel('Value').fill(String(MIN_SCORE));
    await expect.poll(() => problemsOf(first)).toEqual([]);

    // A second condition: the new row takes the focus (keyboard users carry on from there).
    await page.getByRole('button', { name: '+ Condition' }).click();
    const second = conditions(page).nth(1);
    await expect
      .poll(() => second.getByLabel('Field').evaluate((element) => element === document.activeElement))
      .toBe(true);
    // The keyboard goes on to the row's next control, and the focus is drawn (3 px outline).
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const element = document.activeElement as HTMLElement;
      const style = getComputedStyle(element);
      return { text: element.textContent, outline: `${style.outlineStyle} ${style.outlineWidth}` };
    });
    expect(focused).toEqual({ text: '×Remove Condition 2', outline: 'solid 3px' });
    await second.getByLabel('Field').selectOption('predicted_clv_cents');
    await second.getByLabel('Operator').selectOption('>');
    // Typed in dollars (the workspace's currency), sent in cents.
    expect(await second.locator('.number-unit').textContent()).toBe('$');
    await second.getByLabel('Value').fill(String(MIN_CLV_DOLLARS));

    await expect.poll(() => currentCount(page), { timeout: 60_000 }).toBe(api.total);
    expect(await page.locator('.preview-number').textContent()).toBe(api.total.toLocaleString('en-US'));
    const sample = await page
      .locator('.preview-sample a')
      .evaluateAll((links) => links.map((link) => link.getAttribute('href')));
    expect(sample).toEqual(api.sample.map((customer) => `/customers/${customer.customerId}`));
    await expectClean(page);
    await screenshot(page, 'segment-builder-light');
    expect(light.problems).toEqual([]);
  }, 300_000);

  it('shows what the server refuses at the condition its 400 names, and counts again once removed', async () => {
    const { page } = light;
    const before = await currentCount(page);
    await page.getByRole('button', { name: '+ Condition' }).click();
    const third = conditions(page).nth(2);
    await third.getByLabel('Field').selectOption('signed_up_at');
    await third.getByLabel('Operator').selectOption('before');
    // A date before 1970 passes the page's checks but not the server's (rule.all[2].value).
    await third.getByLabel('Date').fill('1960-01-01');
    await expect
      .poll(() => problemsOf(third), { timeout: 30_000 })
      .toEqual([{ tone: 'error', part: 'value' }]);
    expect(await third.locator('.condition-problem').textContent()).toMatch(/^Refused by the server: .*1970/);
    expect(await problemsOf(conditions(page).nth(0))).toEqual([]);
    expect(await page.locator('.preview-status').textContent()).toBe(
      'The server refused this rule: see the highlighted conditions.',
    );
    await expectClean(page);
    await screenshot(page, 'segment-builder-refused-light');
    await third.getByRole('button', { name: /^Remove Condition 3/ }).click();
    await expect.poll(() => conditions(page).count()).toBe(2);
    expect(await currentCount(page)).toBe(before);
    expect(light.problems.filter((problem) => !problem.includes('400'))).toEqual([]);
    light.problems.length = 0; // the refused preview's 400 is logged by the browser, as it should
  }, 120_000);

  it('saves the segment with the previewed members, and pages its members as the API does', async () => {
    const { page } = light;
    const count = await currentCount(page);
    await page.getByRole('button', { name: 'Create segment' }).click();
    await page.waitForURL(/\/segments\/\d+$/);
    const id = page.url().split('/').pop()!;
    saved = await apiJson<Segment>(page, `/api/v1/segments/${id}`);
    expect(saved).toMatchObject({ name: NAME, memberCount: count, rule: RULE });
    await expect.poll(() => page.locator('[data-saved]').getAttribute('data-saved')).toBe(String(count));
    expect(await page.locator('h1').textContent()).toBe(NAME);
    // The stored rule is drawn back in the builder.
    expect(await conditions(page).nth(1).getByLabel('Value').inputValue()).toBe(String(MIN_CLV_DOLLARS));
    await expectClean(page);
    await screenshot(page, 'segment-saved-light');

    await page
      .getByRole('navigation', { name: 'Segment views' })
      .getByRole('link', { name: 'Members' })
      .click();
    await page.waitForURL(new RegExp(`/segments/${id}/members$`));
    await page.locator('.segment-table tbody tr').first().waitFor();
    const members = await apiJson<MembersPage>(page, `/api/v1/segments/${id}/members?limit=25`);
    expect(members.total).toBe(count);
    const rows = () =>
      page
        .locator('.segment-table tbody tr')
        .evaluateAll((items) => items.map((item) => item.getAttribute('data-customer')));
    expect(await rows()).toEqual(members.items.map((member) => member.customerId));
    expect(await page.locator('.list-range').textContent()).toBe(
      `Members 1–${Math.min(25, count)} of ${count.toLocaleString('en-US')}`,
    );
    if (members.nextCursor !== null) {
      await page.getByRole('button', { name: 'Next' }).click();
      const next = await apiJson<MembersPage>(
        page,
        `/api/v1/segments/${id}/members?limit=25&cursor=${encodeURIComponent(members.nextCursor)}`,
      );
      await expect.poll(rows).toEqual(next.items.map((member) => member.customerId));
      await page.getByRole('button', { name: 'Previous' }).click();
      await expect.poll(rows).toEqual(members.items.map((member) => member.customerId));
    }
    const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    expect(href).toBe(`/api/v1/segments/${id}/members.csv`);
    const csv = await page.context().request.get(`${suite.server.url}${href}`);
    expect(csv.status()).toBe(200);
    const lines = (await csv.text()).split('\r\n').filter((line) => line !== '');
    expect(lines[0]).toMatch(/^customer_id,external_id,email,name,country,entered_at$/);
    expect(lines.length - 1).toBe(count);
    await expectClean(page);
    await screenshot(page, 'segment-members-light');
    expect(light.problems).toEqual([]);
  }, 180_000);

  it('renames the segment, lists it with its count, and deletes another', async () => {
    const { page } = light;
    await page.getByRole('link', { name: 'Rule' }).click();
    await page.waitForURL(new RegExp(`/segments/${saved.id}$`));
    await page.getByLabel('Name', { exact: true }).fill(`${NAME} (Q3)`);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect
      .poll(async () => (await apiJson<Segment>(page, `/api/v1/segments/${saved.id}`)).name)
      .toBe(`${NAME} (Q3)`);
    await page.getByRole('link', { name: '← All segments' }).click();
    await page.waitForURL(/\/segments$/);
    const row = page.locator(`tr[data-segment="${saved.id}"]`);
    await row.waitFor();
    expect(await row.locator('th').textContent()).toBe(`${NAME} (Q3)`);
    expect(await row.locator('.rule-words').textContent()).toBe(
      `At-risk score at least ${MIN_SCORE} and Predicted CLV more than $${MIN_CLV_DOLLARS}`,
    );
    expect(await row.locator('[data-members]').getAttribute('data-members')).toBe(String(saved.memberCount));

    // A second segment, built from the first ("member of"), then deleted.
    await page.getByRole('link', { name: 'New segment' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Throwaway');
    const first = conditions(page).nth(0);
    await first.getByLabel('Field').selectOption('segment');
    await first.getByLabel(`${NAME} (Q3)`).check();
    await expect.poll(() => currentCount(page), { timeout: 60_000 }).toBe(saved.memberCount);
    await page.getByRole('button', { name: 'Create segment' }).click();
    await page.waitForURL(/\/segments\/\d+$/);
    const throwaway = page.url().split('/').pop()!;
    // The first cannot be deleted while the second's rule reads it.
    await page.goto(`${suite.server.url}/segments/${saved.id}`);
    await page.locator('.danger-zone').waitFor();
    expect(await page.locator('.danger-zone .danger-text').textContent()).toContain('“Throwaway”');
    await page.goto(`${suite.server.url}/segments/${throwaway}`);
    await page.getByRole('button', { name: 'Delete segment…' }).click();
    await expect
      .poll(() =>
        page
          .getByRole('button', { name: 'Delete', exact: true })
          .evaluate((element) => element === document.activeElement),
      )
      .toBe(true);
    await expectClean(page);
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.waitForURL(/\/segments$/);
    const list = await apiJson<{ items: Segment[] }>(page, '/api/v1/segments');
    expect(list.items.map((segment) => segment.id)).toEqual([saved.id]);
    await expect.poll(() => page.locator('.segment-table tbody tr').count()).toBe(1);
    await expectClean(page);
    await screenshot(page, 'segments-light');
    expect(light.problems).toEqual([]);
    await light.context.close();
  }, 180_000);

  it('nests an “any of” group: the count is the API’s for the nested rule', async () => {
    const tab = await open('light');
    const { page } = tab;
    await logIn(page);
    await page.goto(`${suite.server.url}/segments/new`);
    const first = conditions(page).nth(0);
    await first.getByLabel('Field').selectOption('at_risk_score');
    await first.getByLabel('Operator').selectOption('>=');
    await first.getByLabel('Value').fill('40');
    await page.getByRole('button', { name: '+ Group' }).click();
    const group = page.locator('.rule-group[data-depth="2"]');
    await group.waitFor();
    // A new group reads "any of" inside an "all of" rule, and brings its first condition.
    expect(await group.locator('.rule-match select').inputValue()).toBe('any');
    const inner = group.locator('fieldset.condition');
    await inner.nth(0).getByLabel('Field').selectOption('orders_count');
    await inner.nth(0).getByLabel('Operator').selectOption('>=');
    await inner.nth(0).getByLabel('Value').fill('3');
    await group.getByRole('button', { name: '+ Condition' }).click();
    await inner.nth(1).getByLabel('Field').selectOption('last_order_at');
    await inner.nth(1).getByLabel('Operator').selectOption('within_last');
    await inner.nth(1).getByLabel('Amount').fill('26');
    await inner.nth(1).getByLabel('Unit').selectOption('weeks');
    const rule = {
      all: [
        { field: 'at_risk_score', op: '>=', value: 40 },
        {
          any: [
            { field: 'orders_count', op: '>=', value: 3 },
            { field: 'last_order_at', op: 'within_last', value: { weeks: 26 } },
          ],
        },
      ],
    };
    const api = await apiPost<Preview>(page, '/api/v1/segments/preview', { rule, sampleSize: 10 });
    await expect.poll(() => currentCount(page), { timeout: 60_000 }).toBe(api.total);
    // "none of" negates the group: the count is the API's for `not any`.
    await group.locator('.rule-match select').selectOption('none');
    const negated = {
      all: [rule.all[0], { not: rule.all[1] }],
    };
    const apiNegated = await apiPost<Preview>(page, '/api/v1/segments/preview', {
      rule: negated,
      sampleSize: 10,
    });
    await expect.poll(() => currentCount(page), { timeout: 60_000 }).toBe(apiNegated.total);
    await expectClean(page);
    await screenshot(page, 'segment-builder-nested-light');
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  }, 120_000);

  for (const look of ['dark', 'phone', 'zh-CN'] as const) {
    it(`shows the list, the builder and the members in the ${look} look`, async () => {
      const tab = await open(look);
      const { page } = tab;
      await logIn(page);
      await page.goto(`${suite.server.url}/segments`);
      await page.locator('.segment-table tbody tr').first().waitFor();
      if (look === 'zh-CN') expect(await page.locator('h1').textContent()).toBe('分群');
      await expectClean(page);
      await screenshot(page, `segments-${look}`);
      await page.goto(`${suite.server.url}/segments/${saved.id}`);
      await page.locator('.preview-count[data-current="true"]').waitFor({ timeout: 60_000 });
      expect(Number(await page.locator('.preview-count').getAttribute('data-total'))).toBe(saved.memberCount);
      if (look === 'zh-CN') {
        expect(await conditions(page).nth(0).getByLabel('字段').locator('option:checked').textContent()).toBe(
          '流失风险分',
        );
        expect(await page.locator('.preview-count').textContent()).toMatch(/位客户当前符合/);
      }
      await expectClean(page);
      await screenshot(page, `segment-builder-${look}`);
      await page.goto(`${suite.server.url}/segments/${saved.id}/members`);
      await page.locator('.segment-table tbody tr').first().waitFor();
      await expectClean(page);
      await screenshot(page, `segment-members-${look}`);
      if (look === 'phone') {
        // Nothing wider than the screen but the table, which scrolls in its own region.
        for (const path of [`/segments/${saved.id}`, `/segments/${saved.id}/members`, '/segments']) {
          await page.goto(`${suite.server.url}${path}`);
          await page.locator('h1').waitFor();
          await page.waitForLoadState('networkidle');
          const overflow = await page.evaluate(
            () => document.documentElement.scrollWidth - window.innerWidth,
          );
          expect(overflow, path).toBeLessThanOrEqual(0);
        }
      }
      expect(tab.problems).toEqual([]);
      await tab.context.close();
    }, 120_000);
  }
});
