/**
 * The dashboard's loyalty pages end to end: `retain start` on a temporary SQLite store (the demo
 * workspace, logged in as its owner), Debian's Chromium. On the Loyalty page the owner changes the
 * returns window and creates a promotion and issues its codes with the page's own forms; on a
 * customer's Customer 360 they adjust points with a reason and are refused taking more than the
 * balance. In every look (light, dark, phone, zh-CN) both pages show the API's figures with no
 * serious axe finding, no untranslated key and no console error; screenshots in
 * test-results/loyalty-*.png and loyalty-customer-*.png.
 */
import { describe, expect, it } from 'vitest';
import { LOOKS, type Look, seriousAccessibilityViolations } from './browser.js';
import { dashboardSuite, screenshot, untranslated } from './harness.js';

const suite = dashboardSuite();
const { open, apiJson, logIn } = suite;

describe('the loyalty pages', () => {
  it('edits the rules, creates a promotion with codes, adjusts a customer’s points, in every look', async () => {
    const tab = await open('light');
    await logIn(tab.page);
    const { page } = tab;

    // The rules: the returns window from 30 to 14 days, saved through the page.
    await page.goto(`${suite.server.url}/loyalty`);
    const window = page.getByLabel('Returns window (days)');
    await window.waitFor();
    expect(await window.inputValue()).toBe('30');
    await window.fill('14');
    await page.getByRole('button', { name: 'Save rules' }).click();
    await page.getByText('The rules are saved.').waitFor();
    const programme = await apiJson<{
      settings: { returnsWindowDays: number; pointsPerCurrencyUnit: number };
    }>(page, '/api/v1/loyalty/programme');
    expect(programme.settings).toMatchObject({ returnsWindowDays: 14, pointsPerCurrencyUnit: 1 });

    // A promotion, then five codes of it.
    await page.getByLabel('Name', { exact: true }).fill('Spring');
    await page.getByLabel('Discount kind').selectOption('percent');
    await page.getByLabel('Percent off').fill('15');
    await page.getByLabel('Uses of all codes together (optional)').fill('100');
    await page.getByRole('button', { name: 'Create promotion' }).click();
    const outcome = page.locator('.create-promotion .notice, .create-promotion .error-box').first();
    await outcome.waitFor();
    expect(await outcome.textContent()).toBe('Promotion “Spring” created.');
    const row = page.locator('[data-promotion]', { hasText: 'Spring' });
    await row.waitFor();
    expect(await row.textContent()).toContain('15% off');
    expect(await row.textContent()).toContain('0 of 100');
    await page.getByRole('button', { name: 'Issue 5 codes of Spring' }).click();
    const codes = page.getByRole('list', { name: 'Codes issued for Spring' }).locator('code');
    await codes.nth(4).waitFor();
    expect(await codes.count()).toBe(5);
    for (const code of await codes.allTextContents())
      expect(code).toMatch(/^[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4})+$/);

    // A customer's points: +250 with a reason, then −1000 refused.
    const customers = await apiJson<{ data: { id: string }[] }>(page, '/api/v1/customers?limit=1');
    const customerId = customers.data[0]!.id;
    await page.goto(`${suite.server.url}/customers/${customerId}`);
    const balance = page.locator('[data-fact="loyalty.customer.balance"]');
    await balance.waitFor();
    expect(await balance.textContent()).toBe('0');
    await page.getByLabel('Points (negative to take away)').fill('250');
    await page.getByLabel('Reason (shown in the history)').fill('Welcome gift');
    await page.getByRole('button', { name: 'Adjust', exact: true }).click();
    await page.getByText('The points are adjusted.').waitFor();
    await page.locator('[data-fact="loyalty.customer.balance"]', { hasText: '250' }).waitFor();
    const entry = page.locator('[data-entry]').first();
    expect(await entry.textContent()).toContain('Welcome gift');
    expect(await entry.textContent()).toContain('+250');
    await page.getByLabel('Points (negative to take away)').fill('-1000');
    await page.getByLabel('Reason (shown in the history)').fill('Too much');
    await page.getByRole('button', { name: 'Adjust', exact: true }).click();
    await page.getByText('The balance does not cover this; nothing was changed.').waitFor();
    const points = await apiJson<{ balance: number; pending: number }>(
      page,
      `/api/v1/loyalty/customers/${customerId}`,
    );
    expect(points).toMatchObject({ balance: 250, pending: 0 });
    await tab.context.close();

    for (const look of Object.keys(LOOKS) as Look[]) {
      const { page: lookPage, problems, context } = await open(look);
      await logIn(lookPage);
      await lookPage.goto(`${suite.server.url}/loyalty`);
      const members = lookPage.locator('[data-kpi="members"]');
      await members.waitFor();
      expect(await members.getAttribute('data-value'), look).toBe('1');
      await lookPage.locator('[data-promotion]').first().waitFor();
      await screenshot(lookPage, `loyalty-${look}`);
      expect(await seriousAccessibilityViolations(lookPage), look).toEqual([]);
      expect(await untranslated(lookPage), look).toEqual([]);

      await lookPage.goto(`${suite.server.url}/customers/${customerId}#section-points`);
      await lookPage.locator('[data-entry]').first().waitFor();
      expect(await lookPage.locator('[data-fact="loyalty.customer.balance"]').textContent(), look).toBe(
        '250',
      );
      await lookPage.locator('#section-points').scrollIntoViewIfNeeded();
      await screenshot(lookPage, `loyalty-customer-${look}`);
      expect(await seriousAccessibilityViolations(lookPage), look).toEqual([]);
      expect(await untranslated(lookPage), look).toEqual([]);
      expect(problems, look).toEqual([]);
      await context.close();
    }
  }, 400_000);
});
