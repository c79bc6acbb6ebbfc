/**
 * The dashboard's Feedback page end to end: `retain start` on a temporary SQLite store (the demo
 * workspace), Debian's Chromium. A survey is created with the page's own form (a name and a kind);
 * answers are then recorded through signed links as customers would, on the same store; the page
 * shows the API's CSAT, response counts and the comments, and its search finds a comment. In every
 * look (light, dark, phone, zh-CN): no serious axe finding, no untranslated key, no console error;
 * screenshots in test-results/feedback-*.png.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/index.js';
import { recordAnswer, sendSurvey } from '../../src/feedback/index.js';
import { listJobs } from '../../src/jobs/index.js';
import { signStorefrontToken } from '../../src/loyalty/index.js';
import { createSegment } from '../../src/segments/index.js';
import { getWorkspaceBySlug } from '../../src/workspaces/workspace.repository.js';
import { LOOKS, type Look, seriousAccessibilityViolations } from './browser.js';
import { dashboardSuite, screenshot, untranslated } from './harness.js';

const suite = dashboardSuite();
const { open, apiJson, logIn } = suite;

interface Report {
  csat: number | null;
  nps: number | null;
  responses: number;
  sent: number;
}

describe('the Feedback page', () => {
  it('creates a survey from its form, then shows the report and comments of its answers in every look', async () => {
    const tab = await open('light');
    await logIn(tab.page);
    await tab.page.goto(`${suite.server.url}/feedback`);
    // Before any answer the chart says why it is missing instead of drawing empty axes.
    await tab.page.locator('[data-chart-empty]').waitFor();
    expect(await tab.page.locator('[data-chart-empty]').textContent()).toBe(
      'No answers in these periods yet: the chart appears with the first CSAT or NPS answer.',
    );
    expect(await tab.page.locator('.feedback-page .chart').count()).toBe(0);
    await tab.page.getByLabel('Name').fill('After delivery');
    await tab.page.getByLabel('Kind').selectOption('csat5');
    await tab.page.getByRole('button', { name: 'Create survey' }).click();
    await tab.page.getByText('Survey “After delivery” created').waitFor();
    const surveys = await apiJson<{ items: { id: string; name: string }[] }>(
      tab.page,
      '/api/v1/feedback/surveys',
    );
    const survey = surveys.items.find((item) => item.name === 'After delivery')!;
    expect(survey).toBeDefined();

    // Four customers of the demo answer through their signed links: 5, 4, 2 (with a comment), 1.
    const connection = openDatabase(suite.server.storeUrl);
    try {
      const workspace = (await getWorkspaceBySlug(connection.db, suite.server.workspace))!;
      const customers = await connection.db
        .selectFrom('customer')
        .select('id')
        .where('workspace_id', '=', workspace.id)
        .orderBy('id')
        .limit(5)
        .execute();
      const ratings: [number, string | null][] = [
        [5, 'Quick and friendly'],
        [4, null],
        [2, 'The parcel was two weeks late'],
        [1, 'Box arrived damaged, no reply to my e-mail'],
      ];
      for (const [index, [rating, comment]] of ratings.entries()) {
        const { links } = await sendSurvey(connection.db, {
          workspaceId: workspace.id,
          surveyId: Number(survey.id),
          customerId: customers[index]!.id,
          mailer: null,
        });
        await recordAnswer(connection.db, {
          token: links.token,
          answer: { rating, comment },
          source: 'page',
          now: Date.now(),
        });
      }
      // A small segment: the send job's e-mails go through the server under test while the
      // other looks load their pages.
      const { segment } = await createSegment(connection.db, {
        workspaceId: workspace.id,
        name: 'Forty orders or more',
        rule: { all: [{ field: 'orders_count', op: '>=', value: 40 }] },
        createdBy: null,
        actor: { type: 'system' },
        now: Date.now(),
      });
      expect(segment.memberCount).toBeGreaterThan(0);
      expect(segment.memberCount).toBeLessThan(100);
      // One more send, unanswered.
      await sendSurvey(connection.db, {
        workspaceId: workspace.id,
        surveyId: Number(survey.id),
        customerId: customers[4]!.id,
        mailer: null,
      });
    } finally {
      await connection.close();
    }
    const report = await apiJson<Report>(tab.page, `/api/v1/feedback/report?surveyId=${survey.id}`);
    // 5 and 4 satisfied of 4 rated: 2 / 4 = 50 %; 4 responses of 5 sent.
    expect(report).toMatchObject({ csat: 50, nps: null, responses: 4, sent: 5 });
    await tab.context.close();

    for (const look of Object.keys(LOOKS) as Look[]) {
      const { page, problems, context } = await open(look);
      await logIn(page);
      await page.goto(`${suite.server.url}/feedback`);
      const csat = page.locator('[data-kpi="csat"]');
      await csat.waitFor();
      expect(await csat.getAttribute('data-value'), look).toBe('50');
      expect(await page.locator('[data-kpi="responses"]').getAttribute('data-value')).toBe('4');
      await page.locator('[data-answer]').first().waitFor();
      expect(await page.locator('[data-answer]').count()).toBe(4);
      // The weeks of the chart (and of its table) are dates in the page's language, not the API's ISO days.
      const weeks = await page.locator('.feedback-page .data-table tbody th').allTextContents();
      expect(weeks.length, look).toBeGreaterThan(0);
      for (const week of weeks) {
        expect(week, look).toMatch(look === 'zh-CN' ? /^\d{1,2}月\d{1,2}日$/ : /^[A-Z][a-z]{2} \d{1,2}$/);
      }
      // The form builder open with a choice question and its preview, in every look.
      await page.locator('select[data-field="kind"]').selectOption('form');
      const draft = page.locator('[data-question="q1"]');
      await draft
        .locator('[data-field="label"]')
        .fill(look === 'zh-CN' ? '您是怎么付款的？' : 'How did you pay?');
      await draft.locator('[data-field="type"]').selectOption('single_choice');
      await draft.locator('[data-field="options"]').fill(look === 'zh-CN' ? '银行卡\n钱包' : 'Card\nWallet');
      await page.locator('.survey-preview-choices label').nth(1).waitFor();
      await page.evaluate(() => window.scrollTo(0, 0)); // the sticky header at the top of the picture
      await screenshot(page, `feedback-${look}`);
      expect(await seriousAccessibilityViolations(page), look).toEqual([]);
      expect(await untranslated(page), look).toEqual([]);
      if (look === 'light') {
        await page.getByLabel('Search the comments').fill('late');
        await page.locator('[data-answer]').nth(1).waitFor({ state: 'detached' });
        expect(await page.locator('[data-answer] .comment .cell-value').allTextContents()).toEqual([
          'The parcel was two weeks late',
        ]);
        // Two choices and a click send the survey to a segment (a background job).
        await page.getByLabel('Survey', { exact: true }).last().selectOption({ label: 'After delivery' });
        await page.getByLabel('Segment', { exact: true }).selectOption({ index: 1 });
        await page.getByRole('button', { name: 'Send to the segment' }).click();
        await page
          .getByText(/Sending “After delivery” to the [\d,]+ members of “Forty orders or more”/)
          .waitFor();
        let segmentId = '';
        const check = openDatabase(suite.server.storeUrl);
        try {
          const workspace = (await getWorkspaceBySlug(check.db, suite.server.workspace))!;
          const jobs = await listJobs(check.db, workspace.id, { type: 'feedback.segment-send', limit: 5 });
          expect(jobs.length).toBe(1);
          segmentId = String((jobs[0]!.payload as { segmentId: number }).segmentId);
        } finally {
          await check.close();
        }
        // The report over the segment's members now: the page asks for it and shows the API's figures.
        const asked = page.waitForRequest((request) => request.url().includes(`segmentId=${segmentId}`));
        await page.getByLabel('Customers', { exact: true }).selectOption({ label: 'Forty orders or more' });
        await asked;
        const bySegment = await apiJson<Report>(
          page,
          `/api/v1/feedback/report?surveyId=${survey.id}&segmentId=${segmentId}`,
        );
        await page
          .locator(`[data-kpi="responses"][data-value="${bySegment.responses}"]`)
          .waitFor({ timeout: 10_000 });
        await page.getByLabel('Customers', { exact: true }).selectOption({ index: 0 });
        await page.locator('[data-kpi="responses"][data-value="4"]').waitFor({ timeout: 10_000 });
      }
      // At phone width (the phone look; dark and Chinese resized to it) the answers are cards,
      // each field named, and nothing is wider than the screen.
      if (look !== 'light') {
        if (look !== 'phone') {
          await page.setViewportSize({ width: 390, height: 844 });
          await screenshot(page, `feedback-${look}-390`);
          expect(await seriousAccessibilityViolations(page), `${look} 390`).toEqual([]);
        }
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, look).toBeLessThanOrEqual(0);
        const card = page.locator('[data-answer]').first();
        expect(await card.locator('.cell-label').first().isVisible(), look).toBe(true);
        const region = await page.evaluate(() => {
          const scroller = document.querySelector('.feedback-page .table-scroll');
          return scroller === null ? null : scroller.scrollWidth - scroller.clientWidth;
        });
        expect(region, look).toBe(0);
      } else {
        expect(await page.locator('[data-answer] .cell-label').first().isVisible()).toBe(false);
      }
      expect(problems, look).toEqual([]);
      await context.close();
    }
  }, 300_000);
  it('builds a custom form with the keyboard, shows server problems beside their fields, and it is answered by link and in the storefront', async () => {
    const { page, problems, context } = await open('light');
    await logIn(page);
    await page.goto(`${suite.server.url}/feedback`);
    await page.getByLabel('Name').fill('Checkout survey');
    await page.getByLabel('Kind').selectOption('form');
    const question = (id: string) => page.locator(`[data-question="${id}"]`);
    await question('q1').getByLabel('Question text').fill('How easy was checkout?');
    await question('q1').getByLabel('Answer type').selectOption('rating');
    await question('q1').getByLabel('Required').check();
    await question('q1').getByLabel('Highest rating').fill('7');
    // Questions are added and reordered with the keyboard alone.
    await page.getByRole('button', { name: 'Add a question' }).focus();
    await page.keyboard.press('Enter');
    // Focus moved to the new question's text.
    await question('q2').locator('[data-field="label"]:focus').waitFor();
    await page.keyboard.type('How did you pay?');
    await question('q2').getByLabel('Answer type').selectOption('single_choice');
    await question('q2').getByLabel('Options').fill('Card\nCard');
    await page.getByRole('button', { name: 'Add a question' }).click();
    await question('q3').getByLabel('Question text').fill('Anything else?');
    await page.getByRole('button', { name: 'Move question 3 up' }).focus();
    await page.keyboard.press('Enter');
    await question('q3').locator('[data-action="up"]:focus').waitFor();
    const order = () =>
      page
        .locator('[data-question]')
        .evaluateAll((items) => items.map((item) => item.getAttribute('data-question')));
    expect(await order()).toEqual(['q1', 'q3', 'q2']);
    // The focus stayed on the button, now question 2's; a live region said where it went.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe(
      'Move question 2 up',
    );
    await page.getByText('Question moved to position 2 of 3.').waitFor();
    // The preview draws the page as customers see it: the 1–7 scale, the options.
    const preview = page.locator('.survey-preview');
    expect(await preview.locator('.survey-preview-ratings label').allTextContents()).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
    ]);
    expect(await preview.locator('legend, label.survey-preview-label').allTextContents()).toEqual([
      'How easy was checkout? (required)',
      'Anything else? (optional)',
      'How did you pay? (optional)',
    ]);

    // The server refuses the duplicate option: the problem is shown beside the options field.
    await page.getByRole('button', { name: 'Create survey' }).click();
    const optionsProblem = question('q2').locator('.field-problem');
    await optionsProblem.waitFor();
    expect(await optionsProblem.textContent()).toBe('The options must all be different.');
    expect(await question('q2').getByLabel('Options').getAttribute('aria-invalid')).toBe('true');
    expect(await question('q1').locator('.field-problem').count()).toBe(0);
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'feedback-form-problem');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await question('q2').getByLabel('Options').fill('Card\nWallet\nBank transfer');
    await page.getByRole('button', { name: 'Create survey' }).click();
    await page
      .getByText('Survey “Checkout survey” created')
      .waitFor({ timeout: 60_000 })
      .catch(async (error: unknown) => {
        const shown = await page
          .locator('.feedback-page .error-box, .feedback-page .field-problem')
          .allTextContents();
        throw new Error(`The survey was not created; the page shows: ${shown.join(' | ')}`, { cause: error });
      });
    const surveys = await apiJson<{
      items: { id: string; name: string; definition: { questions: Record<string, unknown>[] } }[];
    }>(page, '/api/v1/feedback/surveys');
    const survey = surveys.items.find((item) => item.name === 'Checkout survey')!;
    expect(survey.definition.questions).toEqual([
      { id: 'q1', type: 'rating', label: 'How easy was checkout?', required: true, min: 1, max: 7 },
      { id: 'q3', type: 'text', label: 'Anything else?', required: false },
      {
        id: 'q2',
        type: 'single_choice',
        label: 'How did you pay?',
        required: false,
        options: ['Card', 'Wallet', 'Bank transfer'],
      },
    ]);
    // The browser logs the refused create (400), and nothing else.
    expect(problems).toEqual([
      'console error: Failed to load resource: the server responded with a status of 400 (Bad Request)',
    ]);
    problems.length = 0;

    // Sent to a customer: the signed link opens the form, which is answered in the browser.
    const secret = await apiJson<{ secret: string; workspaceId: string }>(
      page,
      '/api/v1/loyalty/programme/storefront-secret',
    );
    const connection = openDatabase(suite.server.storeUrl);
    let token: string;
    let shopper: { id: number; external_id: string | null };
    try {
      const workspace = (await getWorkspaceBySlug(connection.db, suite.server.workspace))!;
      const [linked, shopperRow] = await connection.db
        .selectFrom('customer')
        .select(['id', 'external_id'])
        .where('workspace_id', '=', workspace.id)
        .where('external_id', 'is not', null)
        .orderBy('id', 'desc')
        .limit(2)
        .execute();
      shopper = shopperRow!;
      token = (
        await sendSurvey(connection.db, {
          workspaceId: workspace.id,
          surveyId: Number(survey.id),
          customerId: linked!.id,
          mailer: null,
        })
      ).links.token;
    } finally {
      await connection.close();
    }
    const answerPage = await context.newPage();
    await answerPage.goto(`${suite.server.url}/s/${token}`);
    await answerPage.locator('label[for="q-q1-7"]').click();
    await answerPage.getByLabel('Anything else?').fill('Smooth');
    await answerPage.getByText('Wallet').click();
    await answerPage.getByRole('button', { name: 'Send my answer' }).click();
    await answerPage.getByText('Your answer is saved').waitFor();
    await answerPage.close();

    // The storefront: a shop's page on another origin embeds one script tag; the signed-in
    // customer answers inline, then changes the answer (kept in history).
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    const storefrontToken = signStorefrontToken(secret.secret, {
      workspaceId: Number(secret.workspaceId),
      externalId: shopper.external_id!,
      expiresAt,
    });
    const shop = createServer((request, response) => {
      const lang = new URL(request.url ?? '/', 'http://localhost').searchParams.get('lang') ?? 'en';
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      response.end(
        `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><title>Shop</title></head><body><main><h1>Your order</h1>` +
          `<script src="${suite.server.url}/storefront/survey.js" data-token="${storefrontToken}" data-survey="${survey.id}" data-lang="${lang}"></script></main></body></html>`,
      );
    });
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
    // "127.0.0.1" against the server's "localhost": another origin, as a shop's site is.
    const shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
    try {
      const shopPage = await context.newPage();
      await shopPage.goto(`${shopUrl}/`);
      const widget = shopPage.locator('.retain-survey[data-state]');
      await widget.waitFor({ timeout: 15_000 });
      expect(await widget.getAttribute('data-state')).toBe('ready');
      // The required rating left out: the server's problem shows beside it.
      await shopPage.getByLabel('Anything else?').fill('Fast delivery');
      await shopPage.getByRole('button', { name: 'Send my answer' }).click();
      await shopPage.locator('.retain-survey[data-state="invalid"]').waitFor();
      const ratingProblem = shopPage.locator('.retain-survey fieldset').first().locator('.rs-error');
      expect(await ratingProblem.textContent()).toBe('This question needs an answer.');
      expect(
        await shopPage
          .locator('.retain-survey fieldset')
          .first()
          .locator('input')
          .first()
          .getAttribute('aria-invalid'),
      ).toBe('true');
      await shopPage.getByRole('radio', { name: '5' }).check();
      await shopPage.getByRole('radio', { name: 'Card' }).check();
      await shopPage.getByRole('button', { name: 'Send my answer' }).click();
      await shopPage.locator('.retain-survey[data-state="saved"]').waitFor();
      expect(await widget.getAttribute('data-revision')).toBe('1');
      expect(await shopPage.locator('.retain-survey .rs-error:not([hidden])').count()).toBe(0);
      await screenshot(shopPage, 'feedback-storefront-widget');
      expect(await seriousAccessibilityViolations(shopPage)).toEqual([]);
      // Back later: the answer is filled in; a change replaces it.
      await shopPage.reload();
      await shopPage.locator('.retain-survey[data-state="answered"]').waitFor();
      expect(await shopPage.getByRole('radio', { name: '5' }).isChecked()).toBe(true);
      await shopPage.getByRole('radio', { name: 'Wallet' }).check();
      await shopPage.getByRole('button', { name: 'Update my answer' }).click();
      await shopPage.locator('.retain-survey[data-state="saved"]').waitFor();
      expect(await shopPage.locator('.retain-survey').getAttribute('data-revision')).toBe('2');
      // In Chinese, with the customer's token refused when forged.
      await shopPage.goto(`${shopUrl}/?lang=zh-CN`);
      await shopPage.locator('.retain-survey[data-state="answered"]').waitFor();
      expect(await shopPage.getByRole('button', { name: '更新我的回答' }).count()).toBe(1);
      await screenshot(shopPage, 'feedback-storefront-widget-zh-CN');
      await shopPage.close();
    } finally {
      shop.close();
    }
    const answers = await apiJson<{
      items: { customerId: string; answers: Record<string, unknown>; revision: number; history: unknown[] }[];
    }>(page, `/api/v1/feedback/responses?surveyId=${survey.id}`);
    expect(
      answers.items.map((item) => [item.customerId, item.answers, item.revision, item.history.length]),
    ).toEqual([
      [String(shopper.id), { q1: 5, q3: 'Fast delivery', q2: 'Wallet' }, 2, 1],
      [expect.any(String), { q1: 7, q3: 'Smooth', q2: 'Wallet' }, 1, 0],
    ]);
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);
});
