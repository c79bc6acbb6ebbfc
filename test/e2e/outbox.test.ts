/**
 * The outbox and template previews end to end: `retain start` on a temporary SQLite store (the
 * demo workspace, no SMTP server configured), Debian's Chromium. A test e-mail queued through the
 * API is delivered to the built-in outbox; the Outbox page lists it as the API does, says plainly
 * that nothing was sent, and shows the rendered message in a sandboxed frame. A flow's e-mail step
 * previews its template as a chosen customer: the server's rendering, the customer's own id filled
 * in. Every page in every look: no serious axe finding, no untranslated key, no console error or
 * CSP violation; screenshots in test-results/.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { seriousAccessibilityViolations } from './browser.js';
import { dashboardSuite, screenshot as screenshotOf, untranslated } from './harness.js';

const suite = dashboardSuite();
const { open, apiJson, logIn } = suite;

interface MessagePage {
  delivery: 'smtp' | 'outbox';
  items: { id: string; status: string; subject: string | null; notSent: boolean }[];
}

async function screenshot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshotOf(page, name);
}

async function expectClean(page: Page) {
  expect(await untranslated(page)).toEqual([]);
  expect(await seriousAccessibilityViolations(page)).toEqual([]);
}

const SUBJECT = 'A note for {{ customer.external_id }}';
const HTML =
  '<style>p { font-style: italic; }</style><h1 style="color: rgb(200, 0, 0)">Hello {{ customer.external_id }}</h1><p>It has been a while since your last order.</p>';

/** The rendered frame's heading colour and paragraph style: the message's own styles, applied. */
const frameStyles = (page: Page) =>
  page
    .frameLocator('iframe.email-frame')
    .locator('h1')
    .evaluate((heading) => {
      const paragraph = heading.ownerDocument.querySelector('p')!;
      const view = heading.ownerDocument.defaultView!;
      return [view.getComputedStyle(heading).color, view.getComputedStyle(paragraph).fontStyle];
    });

describe('the Outbox and template previews in Chromium', () => {
  let messageId: string;
  let customer: { id: string; externalId: string };

  it('lists a message the outbox kept, says it was not sent, and shows it rendered in a sandbox', async () => {
    const tab = await open('light');
    const { page } = tab;
    await logIn(page);
    const customers = await apiJson<{ data: { id: string; externalId: string }[] }>(
      page,
      '/api/v1/customers?limit=1',
    );
    customer = customers.data[0]!;
    const me = await apiJson<{ csrfToken: string }>(page, '/api/v1/auth/me');
    const queued = await page.context().request.post(`${suite.server.url}/api/v1/email/test`, {
      data: { customerId: customer.id, to: 'marketer@example.com', subject: SUBJECT, html: HTML },
      headers: { 'X-CSRF-Token': me.csrfToken },
    });
    expect(queued.status()).toBe(202);
    messageId = ((await queued.json()) as { messageId: string }).messageId;
    // The send job delivers it to the outbox (no SMTP server is configured).
    await expect
      .poll(
        async () =>
          (await apiJson<MessagePage>(page, '/api/v1/email/messages')).items.find(
            (item) => item.id === messageId,
          )?.status,
        { timeout: 60_000, interval: 500 },
      )
      .toBe('outbox');
    const api = await apiJson<MessagePage>(page, '/api/v1/email/messages?limit=25');
    expect(api.delivery).toBe('outbox');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Outbox' }).click();
    await page.waitForURL(/\/outbox$/);
    await page.locator('.segment-table tbody tr').first().waitFor();
    expect(await page.locator('.outbox-notice').textContent()).toMatch(
      /^Not sent — no SMTP server is configured\./,
    );
    expect(
      await page
        .locator('.segment-table tbody tr')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-message'))),
    ).toEqual(api.items.map((item) => item.id));
    const row = page.locator(`tr[data-message="${messageId}"]`);
    expect(await row.locator('.status-pill').textContent()).toBe('Not sent (no SMTP)');
    const subject = `A note for ${customer.externalId}`;
    expect(await row.locator('th').textContent()).toBe(subject);
    await expectClean(page);
    await screenshot(page, 'outbox-light');

    await row.getByRole('link').click();
    await page.waitForURL(new RegExp(`/outbox/${messageId}$`));
    const frame = page.locator('iframe.email-frame');
    await frame.waitFor();
    expect(await frame.getAttribute('sandbox')).toBe('allow-same-origin'); // no script, form, pop-up or navigation
    await expect
      .poll(() => page.frameLocator('iframe.email-frame').locator('h1').textContent())
      .toBe(`Hello ${customer.externalId}`);
    expect(await page.locator('h1.page-title').textContent()).toBe(subject);
    // Styled as written (inline style and <style> sheet), without breaking the page's CSP.
    await expect.poll(() => frameStyles(page)).toEqual(['rgb(200, 0, 0)', 'italic']);
    expect(await page.locator('.outbox-notice').count()).toBe(1);
    await expectClean(page);
    await screenshot(page, 'outbox-message-light');
    expect(tab.problems).toEqual([]);
    await tab.context.close();
  }, 300_000);

  it('previews a flow’s e-mail as a chosen customer, rendered by the server', async () => {
    const tab = await open('light');
    const { page } = tab;
    await logIn(page);
    await page.goto(`${suite.server.url}/flows/new`);
    const email = page.getByRole('region', { name: /^Step 1: Send e-mail/ });
    await email.getByLabel('Subject').fill(SUBJECT);
    await email.getByLabel('Body (HTML with Liquid)').fill(HTML);
    await email.getByText('Preview as a customer').click();
    await email.getByLabel('Find a customer').fill(customer.externalId);
    await expect
      .poll(() =>
        email.getByLabel('Customer', { exact: true }).locator('option').first().getAttribute('value'),
      )
      .toBe(customer.id);
    await email.getByRole('button', { name: 'Show preview' }).click();
    await expect
      .poll(() => email.frameLocator('iframe.email-frame').locator('h1').textContent())
      .toBe(`Hello ${customer.externalId}`);
    expect(await email.locator('.template-subject strong').textContent()).toBe(
      `A note for ${customer.externalId}`,
    );
    await expectClean(page);
    await screenshot(page, 'flow-preview-light');
    // A template that does not render shows the server's problem, not a blank frame.
    await email.getByLabel('Body (HTML with Liquid)').fill('<p>{{ customer.name | nosuchfilter }}</p>');
    await email.getByRole('button', { name: 'Show preview' }).click();
    await email.locator('.template-preview .error-box').waitFor();
    expect(await email.locator('.template-preview .error-box').textContent()).toMatch(/nosuchfilter/);
    expect(tab.problems.filter((problem) => !problem.includes('400'))).toEqual([]);
    await tab.context.close();
  }, 120_000);

  for (const look of ['dark', 'phone', 'zh-CN'] as const) {
    it(`shows the outbox and a message in the ${look} look`, async () => {
      const tab = await open(look);
      const { page } = tab;
      await logIn(page);
      await page.goto(`${suite.server.url}/outbox`);
      await page.locator('.segment-table tbody tr').first().waitFor();
      if (look === 'zh-CN') {
        expect(await page.locator('h1').textContent()).toBe('发件箱');
        expect(await page.locator('.outbox-notice').textContent()).toMatch(/^未发送/);
      }
      await expectClean(page);
      await screenshot(page, `outbox-${look}`);
      await page.goto(`${suite.server.url}/outbox/${messageId}`);
      await page.locator('iframe.email-frame').waitFor();
      await expectClean(page);
      await screenshot(page, `outbox-message-${look}`);
      if (look === 'phone') {
        for (const path of ['/outbox', `/outbox/${messageId}`]) {
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
