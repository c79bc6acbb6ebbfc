/**
 * The dashboard's Feedback page end to end: `retain start` on a temporary SQLite store (the demo
 * workspace), Debian's Chromium. A survey is created with the page's own form (a name and a kind);
 * answers are then recorded through signed links as customers would, on the same store; the page
 * shows the API's CSAT, response counts and the comments, and its search finds a comment. In every
 * look (light, dark, phone, zh-CN): no serious axe finding, no untranslated key, no console error;
 * screenshots in test-results/feedback-*.png.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/index.js';
import { recordAnswer, sendSurvey } from '../../src/feedback/index.js';
import { listJobs } from '../../src/jobs/index.js';
import { createSegment } from '../../src/segments/index.js';
import { getWorkspaceBySlug } from '../../src/workspaces/workspace.repository.js';
import { LOOKS, type Look, launchChromium, seriousAccessibilityViolations } from './browser.js';
import {
  apiJson,
  logIn,
  open,
  prepareWeb,
  type Server,
  screenshot,
  startServer,
  stopServer,
  untranslated,
} from './harness.js';

let server: Server;
let browser: Browser;

beforeAll(async () => {
  prepareWeb();
  [server, browser] = await Promise.all([startServer(), launchChromium()]);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await stopServer(server);
}, 60_000);

interface Report {
  csat: number | null;
  nps: number | null;
  responses: number;
  sent: number;
}

describe('the Feedback page', () => {
  it('creates a survey from its form, then shows the report and comments of its answers in every look', async () => {
    const tab = await open(browser, 'light');
    await logIn(tab.page, server);
    await tab.page.goto(`${server.url}/feedback`);
    await tab.page.getByLabel('Name').fill('After delivery');
    await tab.page.getByLabel('Kind').selectOption('csat5');
    await tab.page.getByRole('button', { name: 'Create survey' }).click();
    await tab.page.getByText('Survey “After delivery” created').waitFor();
    const surveys = await apiJson<{ items: { id: string; name: string }[] }>(
      tab.page,
      server,
      '/api/v1/feedback/surveys',
    );
    const survey = surveys.items.find((item) => item.name === 'After delivery')!;
    expect(survey).toBeDefined();

    // Four customers of the demo answer through their signed links: 5, 4, 2 (with a comment), 1.
    const connection = openDatabase(server.storeUrl);
    try {
      const workspace = (await getWorkspaceBySlug(connection.db, server.workspace))!;
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
    const report = await apiJson<Report>(tab.page, server, `/api/v1/feedback/report?surveyId=${survey.id}`);
    // 5 and 4 satisfied of 4 rated: 2 / 4 = 50 %; 4 responses of 5 sent.
    expect(report).toMatchObject({ csat: 50, nps: null, responses: 4, sent: 5 });
    await tab.context.close();

    for (const look of Object.keys(LOOKS) as Look[]) {
      const { page, problems, context } = await open(browser, look);
      await logIn(page, server);
      await page.goto(`${server.url}/feedback`);
      const csat = page.locator('[data-kpi="csat"]');
      await csat.waitFor();
      expect(await csat.getAttribute('data-value'), look).toBe('50');
      expect(await page.locator('[data-kpi="responses"]').getAttribute('data-value')).toBe('4');
      await page.locator('[data-answer]').first().waitFor();
      expect(await page.locator('[data-answer]').count()).toBe(4);
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
        const check = openDatabase(server.storeUrl);
        try {
          const workspace = (await getWorkspaceBySlug(check.db, server.workspace))!;
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
          server,
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
});
