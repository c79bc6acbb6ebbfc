/**
 * The Flows pages end to end, as a marketer sets up a win-back: `retain start` on a temporary
 * SQLite store (the demo workspace), Debian's Chromium. With the forms — no JSON typed — a flow
 * started by an event: wait 2 days, an e-mail, a branch on the at-risk score (yes: an e-mail, no:
 * exit) and an exit rule in the segments' rule builder; a value the server refuses is shown at the
 * branch's condition it names; saved, the API holds exactly that definition and the graph draws one
 * card per step; a test of an e-mail step goes to the address given, marked as a test; activated and stopped; the report shows the API's figures
 * and "not enough data" where the uplift cannot be estimated yet. Every page in every look: no
 * serious axe finding, no untranslated key, no console error; screenshots in test-results/.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { seriousAccessibilityViolations } from './browser.js';
import { dashboardSuite, screenshot as screenshotOf, type Tab, untranslated } from './harness.js';

const suite = dashboardSuite();
const { open, apiJson, logIn } = suite;

interface Flow {
  id: string;
  name: string;
  status: string;
  trigger: Record<string, unknown>;
  steps: Record<string, unknown>[];
  holdoutPercent: number;
}
type Report = Record<string, unknown> & {
  uplift: { retention: { reason: string | null }; revenuePerCustomerCents: { reason: string | null } };
};

async function screenshot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshotOf(page, name);
}

async function expectClean(page: Page) {
  expect(await untranslated(page)).toEqual([]);
  expect(await seriousAccessibilityViolations(page)).toEqual([]);
}

const card = (page: Page, name: RegExp) => page.getByRole('region', { name });

describe('the Flows pages in Chromium', () => {
  let light: Tab;
  let flow: Flow;

  it('builds a win-back flow with the step forms; a value the server refuses is shown where its path points', async () => {
    light = await open('light');
    const { page } = light;
    await logIn(page);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Flows' }).click();
    await page.waitForURL(/\/flows$/);
    await expectClean(page);
    await page.getByRole('link', { name: 'New flow' }).click();
    await page.waitForURL(/\/flows\/new$/);
    await page.getByLabel('Name', { exact: true }).fill('Win back');
    await page.getByLabel('Starts when').selectOption('event');
    await page.getByLabel('Event', { exact: true }).fill('Signed Up');

    // The new flow starts with an e-mail step; a wait goes before it.
    const email = card(page, /^Step 1: Send e-mail/);
    await email.getByLabel('Subject').fill('We miss you, {{ customer.name }}');
    await email
      .getByLabel('Body (HTML with Liquid)')
      .fill('<p>Hello {{ customer.name }}, it has been a while.</p>');
    await page.getByRole('button', { name: '+ Wait' }).first().click();
    const wait = card(page, /^Step 2: Wait/);
    await wait.getByLabel('How long').fill('2');
    await wait.getByLabel('Unit').selectOption('days');
    await wait.getByRole('button', { name: /^Move Step 2: Wait up/ }).click();
    await card(page, /^Step 1: Wait/).waitFor();

    // A branch on the at-risk score, with the segment builder: yes → an e-mail, no → exit.
    await page.getByRole('button', { name: '+ Branch' }).first().click();
    const branch = card(page, /^Step 3: Branch/);
    const condition = branch.locator('fieldset.condition').first();
    // First a date the page lets through but the server refuses (before 1970), to see where it shows.
    await condition.getByLabel('Field').selectOption('signed_up_at');
    await condition.getByLabel('Operator').selectOption('before');
    await condition.getByLabel('Date').fill('1960-01-01');
    const lanes = page.locator('.flow-lane');
    await lanes
      .nth(0)
      .getByRole('button', { name: /^\+ Send e-mail/ })
      .click();
    const yesEmail = card(page, /^Step 3\.yes\.1: Send e-mail/);
    await yesEmail.getByLabel('Subject').fill('A gift for you');
    await yesEmail.getByLabel('Body (HTML with Liquid)').fill('<p>Come back for 10% off.</p>');
    await lanes
      .nth(1)
      .getByRole('button', { name: /^\+ Exit/ })
      .click();
    await card(page, /^Step 3\.no\.1: Exit/).waitFor();

    // The server refuses the date (steps[2].rule.all[0].value): shown at that condition of the branch.
    await page.getByRole('button', { name: 'Create flow' }).click();
    const problem = condition.locator('.condition-problem');
    await problem.first().waitFor({ timeout: 30_000 });
    expect(await problem.first().textContent()).toMatch(/^Refused by the server: .*1970/);
    expect(await problem.first().getAttribute('data-part')).toBe('value');
    expect(await page.locator('.condition-problem').count()).toBe(1);
    expect(await page.locator('.flow-save .error-box').textContent()).toBe(
      'The server refused the flow: see the highlighted steps.',
    );
    expect(page.url()).toMatch(/\/flows\/new$/);
    await expectClean(page);
    await screenshot(page, 'flow-refused-light');
    light.problems.length = 0; // the 400 is logged by the browser, as it should be

    await condition.getByLabel('Field').selectOption('at_risk_score');
    await condition.getByLabel('Operator').selectOption('>=');
    await condition.getByLabel('Value').fill('60');

    // An exit rule, in the same rule builder: leave once the customer has placed 2 orders.
    await page.getByLabel('Leave the flow when the customer matches a rule').check();
    const exitCondition = page.locator('.flow-exit-rule fieldset.condition').first();
    await exitCondition.getByLabel('Field').selectOption('orders_count');
    await exitCondition.getByLabel('Operator').selectOption('>=');
    await exitCondition.getByLabel('Value').fill('2');
    await page.getByRole('button', { name: 'Create flow' }).click();
    await page.waitForURL(/\/flows\/\d+$/);
    const id = page.url().split('/').pop()!;
    flow = await apiJson<Flow>(page, `/api/v1/flows/${id}`);
    expect(flow).toMatchObject({
      name: 'Win back',
      status: 'draft',
      trigger: { type: 'event', event: 'Signed Up' },
      holdoutPercent: 10,
      exitWhen: { rule: { all: [{ field: 'orders_count', op: '>=', value: 2 }] } },
      steps: [
        { type: 'wait', duration: { days: 2 } },
        {
          type: 'send_email',
          subject: 'We miss you, {{ customer.name }}',
          html: '<p>Hello {{ customer.name }}, it has been a while.</p>',
        },
        {
          type: 'branch',
          rule: { all: [{ field: 'at_risk_score', op: '>=', value: 60 }] },
          yes: [{ type: 'send_email', subject: 'A gift for you' }],
          no: [{ type: 'exit' }],
        },
      ],
    });
    // One card per step the API stored, each with the id the API gave it.
    const ids = (steps: Record<string, unknown>[]): string[] =>
      steps.flatMap((step) => [
        String(step.id),
        ...(step.type === 'branch'
          ? [...ids(step.yes as Record<string, unknown>[]), ...ids(step.no as Record<string, unknown>[])]
          : []),
      ]);
    expect(
      (
        await page
          .locator('.flow-node[data-step]')
          .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-step')))
      ).sort(),
    ).toEqual(ids(flow.steps).sort());
    // The saved exit rule is drawn back in the builder.
    expect(
      await page.locator('.flow-exit-rule fieldset.condition').first().getByLabel('Field').inputValue(),
    ).toBe('orders_count');

    // A test of the e-mail step, as a demo customer, to my own address: queued, marked as a test.
    const saved = card(page, /^Step 2: Send e-mail/);
    await saved.getByText('Send a test e-mail').click();
    const customerSelect = saved.getByLabel('As customer');
    await expect.poll(() => customerSelect.locator('option').count()).toBeGreaterThan(1);
    const customerId = await customerSelect.inputValue();
    await saved.getByLabel('Send to').fill('me@example.com');
    await saved.getByRole('button', { name: 'Send test' }).click();
    await saved.getByText('Test e-mail queued to me@example.com.').waitFor();
    const tests = await apiJson<{
      items: { to: string; subject: string; customerId: string; origin: unknown }[];
    }>(page, '/api/v1/email/messages?origin=test&limit=5');
    expect(tests.items[0]).toMatchObject({
      to: 'me@example.com',
      customerId,
      subject: expect.stringMatching(/^\[Test\] We miss you,/), // the demo customers have no name
      origin: { kind: 'test', flowId: flow.id, stepId: String(flow.steps[1]!.id) },
    });
    await expectClean(page);
    await screenshot(page, 'flow-draft-light');
    expect(light.problems).toEqual([]);
  }, 300_000);

  it('activates the flow (drawn as sentences then), shows its report, and stops it', async () => {
    const { page } = light;
    await page.getByRole('button', { name: 'Activate' }).click();
    await expect
      .poll(async () => (await apiJson<Flow>(page, `/api/v1/flows/${flow.id}`)).status)
      .toBe('active');
    await expect.poll(() => page.locator('.status-pill').first().textContent()).toBe('Active');
    expect(await page.locator('.flow-node[data-type="wait"] .flow-card-text').textContent()).toBe(
      'Wait 2 days',
    );
    expect(await page.locator('.flow-node[data-type="trigger"] .flow-card-text').textContent()).toBe(
      'When “Signed Up” is tracked for a customer',
    );
    expect(
      await page.locator('.flow-node[data-type="branch"] > .flow-card .flow-card-text').textContent(),
    ).toBe('If At-risk score at least 60');
    expect(await page.locator('textarea').count()).toBe(0); // an active flow is not edited
    await expectClean(page);
    await screenshot(page, 'flow-active-light');

    await page.getByRole('navigation', { name: 'Flow views' }).getByRole('link', { name: 'Report' }).click();
    await page.waitForURL(new RegExp(`/flows/${flow.id}/report$`));
    await page.locator('.report-figure').first().waitFor();
    const report = await apiJson<Report>(page, `/api/v1/flows/${flow.id}/report`);
    const shown = Object.fromEntries(
      await page
        .locator('.report-figure')
        .evaluateAll((items) =>
          items.map((item) => [item.getAttribute('data-field'), Number(item.getAttribute('data-value'))]),
        ),
    );
    for (const field of [
      'entered',
      'holdout',
      'sent',
      'delivered',
      'bounced',
      'opened',
      'clicked',
      'unsubscribed',
      'converted',
    ]) {
      expect(shown[field], field).toBe(report[field]);
    }
    // A new flow has measured nobody: the uplift is "not enough data", not a number.
    expect(report.uplift.retention.reason).toBe('not_enough_data');
    expect(await page.locator('.report-uplift[data-field="retention"]').getAttribute('data-enough')).toBe(
      'false',
    );
    expect(
      await page.locator('.report-uplift[data-field="retention"] .report-uplift-value').textContent(),
    ).toBe('Not enough data yet');
    await expectClean(page);
    await screenshot(page, 'flow-report-light');

    await page.getByRole('link', { name: 'Steps' }).click();
    await page.getByRole('button', { name: 'Stop flow' }).click();
    await expect
      .poll(async () => (await apiJson<Flow>(page, `/api/v1/flows/${flow.id}`)).status)
      .toBe('inactive');
    await page.getByRole('link', { name: '← All flows' }).click();
    const row = page.locator(`tr[data-flow="${flow.id}"]`);
    await row.waitFor();
    expect(await row.locator('.status-pill').textContent()).toBe('Stopped');
    await expectClean(page);
    await screenshot(page, 'flows-light');
    expect(light.problems).toEqual([]);
    await light.context.close();
  }, 180_000);

  for (const look of ['light', 'zh-CN'] as const) {
    it(`builds a flow started by a negative survey answer in the ${look} look`, async () => {
      const tab = await open(look);
      const { page } = tab;
      await logIn(page);
      await page.goto(`${suite.server.url}/flows/new`);
      const label = (en: string, zh: string) => (look === 'zh-CN' ? zh : en);
      await page.getByLabel(label('Name', '名称'), { exact: true }).fill(`Unhappy customers ${look}`);
      await page.getByLabel(label('Starts when', '开始时机')).selectOption('survey_answered');
      // Any survey and negative answers only are the defaults; the help says what enters.
      expect(await page.getByLabel(label('Survey', '问卷'), { exact: true }).inputValue()).toBe('');
      expect(await page.getByLabel(label('Answers', '回答'), { exact: true }).inputValue()).toBe('negative');
      const email = page.locator('.flow-node[data-type="send_email"]').first();
      await email.locator('input').first().fill('Sorry, {{ customer.name }}');
      await email.locator('textarea').first().fill('<p>We heard you. Here is what we will do.</p>');
      await expectClean(page);
      await screenshot(page, `flow-survey-trigger-${look}`);
      await page.getByRole('button', { name: label('Create flow', '创建流程') }).click();
      await page.waitForURL(/\/flows\/\d+$/);
      const created = await apiJson<Flow>(page, `/api/v1/flows/${page.url().split('/').pop()}`);
      expect(created.trigger).toEqual({ type: 'survey_answered', negativeOnly: true });
      expect(tab.problems).toEqual([]);
      await tab.context.close();
    }, 120_000);
  }

  for (const look of ['dark', 'phone', 'zh-CN'] as const) {
    it(`shows the list, a flow and its report in the ${look} look`, async () => {
      const tab = await open(look);
      const { page } = tab;
      await logIn(page);
      await page.goto(`${suite.server.url}/flows`);
      await page.locator('.segment-table tbody tr').first().waitFor();
      if (look === 'zh-CN') expect(await page.locator('h1').textContent()).toBe('自动化流程');
      await expectClean(page);
      await screenshot(page, `flows-${look}`);
      await page.goto(`${suite.server.url}/flows/${flow.id}`);
      await page.locator('.flow-node[data-type="branch"]').waitFor();
      await expectClean(page);
      await screenshot(page, `flow-${look}`);
      await page.goto(`${suite.server.url}/flows/${flow.id}/report`);
      await page.locator('.report-figure').first().waitFor();
      if (look === 'zh-CN') {
        expect(
          await page.locator('.report-uplift[data-field="retention"] .report-uplift-value').textContent(),
        ).toBe('数据尚不足');
      }
      await expectClean(page);
      await screenshot(page, `flow-report-${look}`);
      if (look === 'phone') {
        for (const path of [`/flows/${flow.id}`, `/flows/${flow.id}/report`, '/flows', '/flows/new']) {
          await page.goto(`${suite.server.url}${path}`);
          await page.locator('h1').waitFor();
          await page.waitForLoadState('networkidle');
          const overflow = await page.evaluate(
            () => document.documentElement.scrollWidth - window.innerWidth,
          );
          expect(overflow, path).toBeLessThanOrEqual(0);
        }
        await screenshot(page, 'flow-new-phone');
      }
      expect(tab.problems).toEqual([]);
      await tab.context.close();
    }, 120_000);
  }
});
