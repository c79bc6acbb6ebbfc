/**
 * The Import and Settings pages and the workspace switcher end to end, as an owner uses them:
 * `retain start` on a temporary SQLite store (the demo workspace), Debian's Chromium. An upload
 * through the Import page is previewed (the layout recognised from the header), imported (queued,
 * then done) and its orders are read back through the API; a file with a bad line is refused and
 * the line listed. On Settings the time zone is changed, an API key created and revoked, a member
 * added and the write key replaced — each checked through the API. The demo admin has an account
 * in a second workspace with the same password, so the header offers to switch, without asking the
 * password again. Every page in every look: no serious axe finding, no untranslated key, no
 * console error; screenshots in test-results/.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createUser } from '../../src/auth/index.js';
import { openDatabase } from '../../src/db/index.js';
import { createWorkspaceWithKeys } from '../../src/workspaces/index.js';
import { seriousAccessibilityViolations } from './browser.js';
import {
  dashboardSuite,
  horizontalOverflow,
  ROOT,
  screenshot as screenshotOf,
  type Tab,
  untranslated,
} from './harness.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'e2e');
const GOOD_FILE = join(FIXTURES, 'import-orders.csv');
const BAD_FILE = join(FIXTURES, 'import-orders-bad.csv');
const RENAMED_FILE = join(FIXTURES, 'import-orders-renamed.csv');
const SECOND = { name: 'Second Shop', slug: 'second-shop' };

const suite = dashboardSuite(async (suite) => {
  // The demo admin's e-mail and password also open a second workspace: the header offers both.
  const connection = openDatabase(suite.server.storeUrl);
  try {
    const { workspace } = await createWorkspaceWithKeys(connection.db, {
      ...SECOND,
      actor: { type: 'system' },
      now: Date.now(),
    });
    await createUser(connection.db, {
      workspaceId: workspace.id,
      email: suite.server.email,
      role: 'owner',
      password: suite.server.password,
      actor: { type: 'system' },
      now: Date.now(),
    });
  } finally {
    await connection.close();
  }
});
const { open, apiJson, logIn } = suite;

/** A full-page screenshot from the top (scrolled, the sticky header would be drawn mid-page). */
async function screenshot(page: Page, name: string) {
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshotOf(page, name);
}

/** The page is fine for everyone: no serious axe finding, no untranslated key. */
async function expectClean(page: Page) {
  expect(await untranslated(page)).toEqual([]);
  expect(await seriousAccessibilityViolations(page)).toEqual([]);
}

async function goTo(page: Page, link: string, title: string) {
  await page.getByRole('navigation').getByRole('link', { name: link }).click();
  await expect.poll(() => page.locator('h1').textContent()).toBe(title);
}

/** Chooses a file on the Import page and waits for its preview. */
async function preview(page: Page, file: string) {
  await page.getByLabel('CSV file').setInputFiles(file);
  await page.locator('.import-preview[aria-busy="false"]').waitFor({ timeout: 30_000 });
}

/** Every `data-status` the run section shows from now on, in order (watched in the page). */
async function watchRunStatus(page: Page) {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { __runStatuses: string[] }).__runStatuses = seen;
    new MutationObserver(() => {
      const status = document.querySelector('.import-run')?.getAttribute('data-status');
      if (status && seen.at(-1) !== status) seen.push(status);
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  return () => page.evaluate(() => (window as unknown as { __runStatuses: string[] }).__runStatuses);
}

type Order = { externalId: string; amountCents: number; status: string };

describe('the Import and Settings pages in Chromium', () => {
  let light: Tab;

  it('previews a generic orders file, imports it with progress, and the orders are in the API', async () => {
    light = await open('light');
    const { page } = light;
    await logIn(page);
    await goTo(page, 'Import', 'Import');
    await expectClean(page);

    await preview(page, GOOD_FILE);
    const section = page.locator('.import-preview');
    expect(await section.getAttribute('data-layout')).toBe('generic');
    expect(await section.locator('.detected').textContent()).toBe(
      'Recognised from its header: Generic CSV (Orders).',
    );
    expect(await section.locator('tr[data-field="amount"] select').inputValue()).toBe('amount');
    expect(await section.locator('.rows-table tbody tr').count()).toBe(5);
    expect(await section.locator('.rows-table tbody tr').first().locator('td').first().textContent()).toBe(
      'e2e-ann',
    );
    await expectClean(page);
    await screenshot(page, 'import-preview-light');

    const statuses = await watchRunStatus(page);
    await page.getByRole('button', { name: 'Start the import' }).click();
    await page.locator('.import-run[data-status="succeeded"]').waitFor({ timeout: 60_000 });
    // The run was shown queued (the API's answer to the upload) before it was done.
    expect(await statuses()).toEqual(['queued', 'succeeded']);
    expect(await page.locator('.import-run .success-box').textContent()).toBe(
      'Done: 5 records imported from import-orders.csv (Orders).',
    );
    await expectClean(page);
    await screenshot(page, 'import-done-light');

    const { data } = await apiJson<{ data: Order[] }>(
      page,
      '/api/v1/orders?from=2030-01-01&to=2031-01-01&limit=100',
    );
    expect(data.map((order) => [order.externalId, order.amountCents, order.status]).sort()).toEqual([
      ['e2e-o1', 4200, 'completed'],
      ['e2e-o2', 1990, 'completed'],
      ['e2e-o3', 3550, 'completed'],
      ['e2e-o4', 12000, 'completed'],
      ['e2e-o5', 725, 'completed'],
    ]);
    expect(light.problems).toEqual([]);
  }, 180_000);

  it('maps the columns the header does not name and imports with that mapping', async () => {
    const { page } = light;
    await goTo(page, 'Import', 'Import');
    await preview(page, RENAMED_FILE);
    const section = page.locator('.import-preview');
    await section.getByLabel('Column for customer_id').selectOption('Client');
    await page.locator('.import-preview[aria-busy="false"]').waitFor({ timeout: 30_000 });
    await section.getByLabel('Column for amount').selectOption('Total');
    await page.locator('.import-preview[aria-busy="false"]').waitFor({ timeout: 30_000 });
    expect(await section.locator('tr[data-field="amount"] select').inputValue()).toBe('Total');
    await page.getByRole('button', { name: 'Start the import' }).click();
    await page.locator('.import-run[data-status="succeeded"]').waitFor({ timeout: 60_000 });
    const { data } = await apiJson<{ data: Order[] }>(
      page,
      '/api/v1/orders?from=2032-04-01&to=2032-06-01&limit=100',
    );
    expect(data.map((order) => [order.externalId, order.amountCents]).sort()).toEqual([
      ['e2e-m1', 1100],
      ['e2e-m2', 2250],
    ]);
    expect(light.problems).toEqual([]);
  }, 180_000);

  it('refuses a file with a bad line and lists the line, the column and why; nothing is written', async () => {
    const { page } = light;
    await page.getByRole('button', { name: 'Import another file' }).click();
    await preview(page, BAD_FILE);
    // The preview already reads the first rows as the import will.
    const previewProblem = page.locator('.import-preview .problems-table tr[data-line="3"]');
    expect(await previewProblem.locator('td').nth(1).textContent()).toBe('amount');

    await page.getByRole('button', { name: 'Start the import' }).click();
    await page.locator('.import-run[data-status="rejected"]').waitFor({ timeout: 60_000 });
    const row = page.locator('.import-run .problems-table tbody tr');
    expect(await row.count()).toBe(1);
    expect(await row.getAttribute('data-line')).toBe('3');
    expect(await row.locator('td').nth(1).textContent()).toBe('amount');
    expect(await row.locator('td').nth(2).textContent()).toMatch(/as an amount/);
    expect(await page.locator('.import-run [role="alert"]').textContent()).toMatch(
      /Nothing was imported from import-orders-bad\.csv: 1 rows have problems/,
    );
    await expectClean(page);
    await screenshot(page, 'import-rejected-light');
    const { data } = await apiJson<{ data: Order[] }>(
      page,
      '/api/v1/orders?from=2030-04-01&to=2031-01-01&limit=100',
    );
    expect(data).toEqual([]);
    expect(light.problems).toEqual([]);
  }, 120_000);

  it('changes the time zone, creates and revokes an API key, adds a member and replaces the write key', async () => {
    const { page } = light;
    await goTo(page, 'Settings', 'Settings');
    await page.locator('select[name="timeZone"]').waitFor();
    await expectClean(page);
    await screenshot(page, 'settings-light');

    // The time zone.
    await page.getByLabel('Time zone').selectOption('Europe/Paris');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor();
    const workspace = await apiJson<{ settings: { timeZone: string }; writeKeyPrefix: string }>(
      page,
      '/api/v1/workspace',
    );
    expect(workspace.settings.timeZone).toBe('Europe/Paris');

    // An API key: shown once, working, then revoked.
    await page.getByLabel('Name', { exact: true }).fill('E2E key');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = page.getByLabel('New key “E2E key”');
    await secret.waitFor();
    const key = await secret.inputValue();
    expect(key).toMatch(/^rk_[0-9a-f]{8}_/);
    const withKey = () =>
      page.context().request.get(`${suite.server.url}/api/v1/auth/me`, {
        headers: { Authorization: `Bearer ${key}` },
      });
    expect((await withKey()).status()).toBe(200);
    await page.getByRole('button', { name: 'Revoke E2E key' }).click();
    await page.getByRole('button', { name: 'Revoke “E2E key”' }).click();
    await page.locator(`tr[data-key="${key.slice(0, 11)}"][data-revoked="true"]`).waitFor();
    expect((await withKey()).status()).toBe(401);

    // A member, who can log in with the password given.
    await page.locator('input[name="memberEmail"]').fill('new.analyst@example.com');
    await page.locator('select[name="memberRole"]').selectOption('analyst');
    await page.locator('input[name="memberPassword"]').fill('e2e-password-1');
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.locator('tr[data-member="new.analyst@example.com"]').waitFor();
    const { users } = await apiJson<{ users: { email: string; role: string }[] }>(page, '/api/v1/users');
    expect(users).toContainEqual(
      expect.objectContaining({ email: 'new.analyst@example.com', role: 'analyst' }),
    );
    const login = await suite.browser.newContext().then(async (context) => {
      const response = await context.request.post(`${suite.server.url}/api/v1/auth/login`, {
        data: {
          workspace: suite.server.workspace,
          email: 'new.analyst@example.com',
          password: 'e2e-password-1',
        },
      });
      await context.close();
      return response.status();
    });
    expect(login).toBe(200);

    // The write key: its beginning is the API's; a new one fills the snippet and tracks.
    expect(await page.locator('[data-write-key-prefix]').getAttribute('data-write-key-prefix')).toBe(
      workspace.writeKeyPrefix,
    );
    await page.getByRole('button', { name: 'Create a new write key' }).click();
    await page.getByRole('button', { name: 'Replace the write key' }).click();
    const writeKey = await page.getByLabel('New write key').inputValue();
    expect(writeKey).toMatch(/^wk_/);
    await page.getByRole('radio', { name: 'Node.js' }).check();
    expect(await page.locator('.code-block code').textContent()).toContain(
      `new Analytics({ writeKey: "${writeKey}", host: "${suite.server.url}" })`,
    );
    const tracked = await page.context().request.post(`${suite.server.url}/v1/track`, {
      headers: { Authorization: `Bearer ${writeKey}` },
      data: { userId: 'e2e-ann', event: 'Settings Checked' },
    });
    expect(tracked.status()).toBe(200);
    await expectClean(page);
    await screenshot(page, 'settings-light-changed');
    expect(light.problems).toEqual([]);
  }, 180_000);

  it('switches to the other workspace of the same login without a password, and back', async () => {
    const { page } = light;
    const switcher = page.getByLabel('Switch workspace');
    expect(await switcher.locator('option').allTextContents()).toEqual(['Demo (CDNOW)', SECOND.name]);
    await switcher.selectOption(SECOND.slug);
    await expect
      .poll(async () => (await apiJson<{ slug: string }>(page, '/api/v1/workspace')).slug)
      .toBe(SECOND.slug);
    await expect.poll(() => switcher.inputValue()).toBe(SECOND.slug);
    // The page shows the new workspace's settings (its own time zone, not the one changed above).
    await page.locator('select[name="timeZone"]').waitFor();
    expect(await page.locator('select[name="timeZone"]').inputValue()).toBe('UTC');
    expect(await page.locator('tr[data-member="new.analyst@example.com"]').count()).toBe(0);
    await expectClean(page);
    await screenshot(page, 'settings-light-second-workspace');

    await switcher.selectOption(suite.server.workspace);
    await expect
      .poll(async () => (await apiJson<{ slug: string }>(page, '/api/v1/workspace')).slug)
      .toBe(suite.server.workspace);
    expect(light.problems).toEqual([]);
    await light.context.close();
  }, 120_000);

  for (const look of ['dark', 'phone', 'zh-CN'] as const) {
    it(`shows both pages in the ${look} look`, async () => {
      const tab = await open(look);
      const { page } = tab;
      const overflow = () => horizontalOverflow(page);
      await logIn(page);
      await page.goto(`${suite.server.url}/import`);
      await page.locator('.import-card').waitFor();
      await page.locator('input[type="file"]').setInputFiles(GOOD_FILE);
      await page.locator('.import-preview[aria-busy="false"]').waitFor({ timeout: 30_000 });
      if (look === 'zh-CN') {
        expect(await page.locator('.detected').textContent()).toBe('根据表头识别为：通用 CSV（订单）。');
      }
      if (look === 'phone') expect(await overflow()).toBeLessThanOrEqual(0);
      await expectClean(page);
      await screenshot(page, `import-preview-${look}`);

      await page.goto(`${suite.server.url}/settings`);
      await page.locator('select[name="timeZone"]').waitFor();
      await page.locator('tr[data-member]').first().waitFor();
      if (look === 'phone') expect(await overflow()).toBeLessThanOrEqual(0);
      await expectClean(page);
      await screenshot(page, `settings-${look}`);
      expect(tab.problems).toEqual([]);
      await tab.context.close();
    }, 120_000);
  }
});
