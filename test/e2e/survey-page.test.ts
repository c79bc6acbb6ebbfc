/**
 * The public survey page end to end in Debian's Chromium: the app built in process on a temporary
 * SQLite store and served on a free port (`@hono/node-server`), with CSAT, NPS and custom-form
 * surveys sent to customers. In each look (light, dark, a 390 px phone, zh-CN) the page of a
 * rating clicked in the e-mail shows the recorded rating and its comment box, in the customer's
 * language; axe-core finds no serious or critical violation; no console error or CSP violation;
 * the form is answered without JavaScript and the stored answer is the one given. Screenshots in
 * test-results/survey-*.png.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DatabaseConnection, migrateToLatest, newId, openDatabase } from '../../src/db/index.js';
import { createSurvey, listResponses, sendSurvey } from '../../src/feedback/index.js';
import { buildApp } from '../../src/server/index.js';
import { createWorkspace } from '../../src/workspaces/workspace.repository.js';
import { insertCustomers } from '../feedback/support.js';
import {
  LOOKS,
  type Look,
  launchChromium,
  seriousAccessibilityViolations,
  watchProblems,
} from './browser.js';
import { RESULTS } from './harness.js';

const SYSTEM = { type: 'system' } as const;

let browser: Browser;
let connection: DatabaseConnection;
let server: ServerType;
let base: string;
let directory: string;
let workspaceId: number;
const links: Record<'csat' | 'nps' | 'form' | 'npsChinese', string> = {
  csat: '',
  nps: '',
  form: '',
  npsChinese: '',
};

beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  directory = mkdtempSync(join(tmpdir(), 'retain-survey-e2e-'));
  connection = openDatabase(`sqlite:${join(directory, 'retain.db')}`);
  await migrateToLatest(connection.db);
  const db = connection.db;
  const now = Date.now();
  const { workspace } = await createWorkspace(db, { name: 'Maison Lumière', slug: `shop-${newId()}` });
  workspaceId = workspace.id;
  const [ann, bob, cat, dai] = await insertCustomers(
    db,
    workspaceId,
    [
      { email: 'ann@example.com' },
      { email: 'bob@example.com' },
      { email: 'cat@example.com' },
      { email: 'dai@example.com', language: 'zh-CN' },
    ],
    now,
  );
  const make = (survey: Parameters<typeof createSurvey>[1]['survey']) =>
    createSurvey(db, { workspaceId, survey, createdBy: null, actor: SYSTEM, now });
  const csat = await make({
    name: 'After delivery',
    kind: 'csat',
    scale: 'five_point',
    reasons: ['Late delivery', 'Damaged item', 'Wrong item'],
    comment: true,
  });
  const nps = await make({ name: 'Quarterly NPS', kind: 'nps' });
  const form = await make({
    name: 'Help us choose our next collection',
    kind: 'form',
    questions: [
      {
        id: 'colour',
        type: 'single_choice',
        label: 'Which colour do you prefer?',
        required: true,
        options: ['Ivory', 'Sage', 'Navy'],
      },
      {
        id: 'sizes',
        type: 'multiple_choice',
        label: 'Which sizes do you wear?',
        required: false,
        options: ['S', 'M', 'L', 'XL'],
      },
      {
        id: 'fit',
        type: 'rating',
        label: 'How well did our last piece fit?',
        required: true,
        min: 1,
        max: 5,
      },
      { id: 'idea', type: 'text', label: 'What should we make next?', required: false, maxLength: 500 },
    ],
  });
  const app = buildApp({ db, dialect: 'sqlite', now: Date.now }, { webRoot: false, rateLimit: false });
  server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const send = async (surveyId: number, customerId: number) =>
    (await sendSurvey(db, { workspaceId, surveyId, customerId, now, baseUrl: base })).links;
  links.csat = (await send(csat.id, ann!)).ratings.find((link) => link.rating === 2)!.url;
  links.nps = (await send(nps.id, bob!)).ratings.find((link) => link.rating === 8)!.url;
  links.form = (await send(form.id, cat!)).url;
  links.npsChinese = (await send(nps.id, dai!)).ratings.find((link) => link.rating === 9)!.url;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await connection?.close();
  rmSync(directory, { recursive: true, force: true });
});

async function look(name: Look, url: string, picture: string) {
  const context = await browser.newContext(LOOKS[name]);
  const page = await context.newPage();
  const problems = await watchProblems(page);
  const response = await page.goto(url);
  expect(response?.status(), url).toBe(200);
  await page.screenshot({ path: join(RESULTS, `${picture}.png`), fullPage: true });
  const violations = await seriousAccessibilityViolations(page);
  return { context, page, problems, violations };
}

describe('the survey page in Chromium', () => {
  for (const name of Object.keys(LOOKS) as Look[]) {
    it(`shows a clicked NPS rating with its comment box (${name}), accessible`, async () => {
      const tab = await look(name, name === 'zh-CN' ? links.npsChinese : links.nps, `survey-nps-${name}`);
      const page = tab.page;
      const chinese = name === 'zh-CN';
      expect(await page.getAttribute('html', 'lang')).toBe(chinese ? 'zh-CN' : 'en');
      expect(await page.locator('[role="status"]').textContent()).toContain(
        chinese ? '您的评分已记录' : 'Your rating is recorded',
      );
      expect(await page.locator(`input[name="rating"][value="${chinese ? 9 : 8}"]`).isChecked()).toBe(true);
      expect(await page.locator('textarea#comment').count()).toBe(1);
      expect(tab.violations).toEqual([]);
      expect(tab.problems).toEqual([]);
      if (name === 'phone') {
        // Nothing wider than the phone: no sideways scrolling.
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(width).toBeLessThanOrEqual(390);
      }
      await tab.context.close();
    });
  }

  it('lets the customer change the rating and add a reason and comment without JavaScript', async () => {
    const context = await browser.newContext({ ...LOOKS.light, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(links.csat);
    expect(await page.locator('input[name="rating"][value="2"]').isChecked()).toBe(true);
    await page.locator('label[for="rating-1"]').click();
    await page.locator('label', { hasText: 'Damaged item' }).click();
    await page.locator('textarea#comment').fill('The vase arrived cracked.');
    await page.locator('button[type="submit"]').click();
    await page.waitForURL(/saved=1/);
    expect(await page.locator('[role="status"]').textContent()).toContain('Your answer is saved');
    await page.screenshot({ path: join(RESULTS, 'survey-csat-saved-light.png'), fullPage: true });
    await context.close();
    const answers = await listResponses(connection.db, workspaceId, { q: 'cracked' });
    expect(
      answers.items.map((item) => [item.response.rating, item.response.reason, item.response.comment]),
    ).toEqual([[1, 'Damaged item', 'The vase arrived cracked.']]);
    expect(answers.items[0]!.history.map((version) => version.rating)).toEqual([2]);
  });

  it('shows a custom form, its problems when a required answer is missing, accessible in each look', async () => {
    for (const name of ['light', 'dark', 'phone'] as const) {
      const tab = await look(name, links.form, `survey-form-${name}`);
      expect(tab.violations, name).toEqual([]);
      expect(tab.problems, name).toEqual([]);
      await tab.context.close();
    }
    const context = await browser.newContext(LOOKS.phone);
    const page = await context.newPage();
    await page.goto(links.form);
    await page.locator('label', { hasText: 'Sage' }).click();
    await page.locator('button[type="submit"]').click();
    await page.waitForLoadState();
    expect(await page.locator('[role="alert"]').textContent()).toContain('This question needs an answer.');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.screenshot({ path: join(RESULTS, 'survey-form-error-phone.png'), fullPage: true });
    await page.locator('label[for="q-fit-4"]').click();
    await page.locator('button[type="submit"]').click();
    await page.waitForURL(/saved=1/);
    await context.close();
    const answers = await listResponses(connection.db, workspaceId, {});
    expect(
      answers.items.find((item) => item.response.answers.colour !== undefined)?.response.answers,
    ).toEqual({
      colour: 'Sage',
      fit: 4,
    });
  }, 120_000);

  it('answers a tampered link with a page that says so, in the customer’s language', async () => {
    const tampered = links.nps.replace(
      /\.([A-Za-z0-9_-])([A-Za-z0-9_-]{42})\?/,
      (_, first: string, rest: string) => `.${first === 'A' ? 'B' : 'A'}${rest}?`,
    );
    const context = await browser.newContext(LOOKS['zh-CN']);
    const page = await context.newPage();
    const response = await page.goto(tampered);
    expect(response?.status()).toBe(403);
    expect(await page.locator('h1').textContent()).toBe('此调查链接无效');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await context.close();
  });
});
