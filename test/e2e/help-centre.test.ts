/**
 * The public help centre end to end (issue 14, "Done means"): `retain start` on a temporary
 * SQLite store, articles written through the API in English and Simplified Chinese, then the
 * customer's side in Debian's Chromium — home, category, article and search pages in each look
 * (light, dark, phone at 390 px, zh-CN): no serious or critical axe-core finding, no console error
 * or CSP violation, no script on the page, nothing wider than the screen; "Was this helpful?"
 * answered with the browser's own form post (no JavaScript); the dashboard's Help centre page
 * (articles, the editor's preview, categories, the report) in each look, an article written
 * through it; screenshots in test-results/.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { LOOKS, type Look, seriousAccessibilityViolations } from './browser.js';
import { dashboardSuite, screenshot, untranslated } from './harness.js';

const ids: Record<string, string> = {};
let categorySlug = '';

/** Logs in through the API and returns a function calling it with the session and CSRF token. */
async function apiSession() {
  const login = await fetch(`${suite.server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      workspace: suite.server.workspace,
      email: suite.server.email,
      password: suite.server.password,
    }),
  });
  expect(login.status).toBe(200);
  const cookie = /retain_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')![0];
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  return async (method: string, path: string, body: unknown) => {
    const response = await fetch(`${suite.server.url}${path}`, {
      method,
      headers: { Cookie: cookie, 'X-CSRF-Token': csrfToken, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as { id: string; slug: string };
    expect(response.status, `${method} ${path}: ${JSON.stringify(answer)}`).toBe(201);
    return answer;
  };
}

const REFUND_EN = `Most orders can be returned within **30 days** of delivery.

## How to ask for a refund

1. Open **Orders** in your account.
2. Choose the order and press *Return items*.
3. Print the label and drop the parcel at a post office.

| Payment method | Refund time |
| --- | --- |
| Card | 3–5 working days |
| PayPal | 1 working day |

Questions? See [contact us](https://example.com/contact).`;

const REFUND_ZH = `大多数订单可在收货后 **30 天**内退货。

## 如何申请退款

1. 在您的账户中打开**订单**。
2. 选择订单并点击*退货*。
3. 打印退货标签，并将包裹交到邮局。

| 付款方式 | 退款时间 |
| --- | --- |
| 银行卡 | 3–5 个工作日 |
| PayPal | 1 个工作日 |`;

const suite = dashboardSuite(async () => {
  const call = await apiSession();
  const category = await call('POST', '/api/v1/help/categories', {
    translations: {
      en: { title: 'Orders and refunds', description: 'Returns, refunds and delivery' },
      'zh-CN': { title: '订单与退款', description: '退货、退款与配送' },
    },
  });
  categorySlug = category.slug;
  const account = await call('POST', '/api/v1/help/categories', {
    translations: {
      en: { title: 'Your account', description: 'Passwords, e-mail and privacy' },
      'zh-CN': { title: '您的账户', description: '密码、邮箱与隐私' },
    },
  });
  const refunds = await call('POST', '/api/v1/help/sections', {
    categoryId: category.id,
    translations: { en: { title: 'Refunds' }, 'zh-CN': { title: '退款' } },
  });
  const delivery = await call('POST', '/api/v1/help/sections', {
    categoryId: category.id,
    translations: { en: { title: 'Delivery' }, 'zh-CN': { title: '配送' } },
  });
  const security = await call('POST', '/api/v1/help/sections', {
    categoryId: account.id,
    translations: { en: { title: 'Sign-in and security' }, 'zh-CN': { title: '登录与安全' } },
  });
  const write = async (key: string, body: Record<string, unknown>) => {
    ids[key] = (await call('POST', '/api/v1/help/articles', { status: 'published', ...body })).id;
  };
  await write('refund', { title: 'How refunds work', body: REFUND_EN, locale: 'en', sectionId: refunds.id });
  await write('refundZh', {
    title: '退款是如何处理的',
    body: REFUND_ZH,
    locale: 'zh-CN',
    sectionId: refunds.id,
    translationOf: ids.refund,
  });
  await write('exchange', {
    title: 'Exchange an item for another size',
    body: 'Choose *Exchange* instead of *Return*: we send the new size when the first parcel is scanned.',
    locale: 'en',
    sectionId: refunds.id,
  });
  await write('tracking', {
    title: 'Track your parcel',
    body: 'The tracking link is in the shipping e-mail. Parcels usually arrive in 2–4 working days.',
    locale: 'en',
    sectionId: delivery.id,
  });
  await write('trackingZh', {
    title: '查询包裹物流',
    body: '物流链接在发货邮件中。包裹通常在 2–4 个工作日内送达。',
    locale: 'zh-CN',
    sectionId: delivery.id,
    translationOf: ids.tracking,
  });
  await write('password', {
    title: 'Reset your password',
    body: 'Use **Forgot password?** on the sign-in page; the link in the e-mail works for one hour.',
    locale: 'en',
    sectionId: security.id,
  });
  await write('draft', {
    title: 'Unreleased loyalty rules',
    body: 'Draft: not public.',
    locale: 'en',
    status: 'draft',
    sectionId: refunds.id,
  });
});
const { open, logIn } = suite;

/** What every page must be: accessible, quiet, script-free and no wider than its screen. */
async function checkPage(page: Page, problems: string[], look: Look, name: string) {
  expect(await seriousAccessibilityViolations(page), `${name} ${look}`).toEqual([]);
  expect(problems, `${name} ${look}`).toEqual([]);
  expect(await page.evaluate(() => document.scripts.length), `${name} ${look}`).toBe(0);
  const widths = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  expect(widths[0], `${name} ${look} is wider than the screen`).toBeLessThanOrEqual(widths[1]!);
  await screenshot(page, `help-${name}-${look}`);
}

const LOOK_NAMES = Object.keys(LOOKS) as Look[];

describe('the public help centre', () => {
  for (const look of LOOK_NAMES) {
    it(`reads well and passes axe in the ${look} look: home, category, article, search`, async () => {
      const { context, page, problems } = await open(look);
      try {
        const locale = look === 'zh-CN' ? 'zh-CN' : 'en';
        // The root chooses the language from the browser's.
        await page.goto(`${suite.server.url}/help/${suite.server.workspace}`);
        expect(new URL(page.url()).pathname).toBe(`/help/${suite.server.workspace}/${locale}`);
        expect(await page.getAttribute('html', 'lang')).toBe(locale);
        await expect(page.locator('h1').textContent()).resolves.toContain(
          locale === 'en' ? 'Help Centre' : '帮助中心',
        );
        await checkPage(page, problems, look, 'home');

        await page.locator(`a[href$="/categories/${categorySlug}"]`).first().click();
        await expect(page.locator('h1').textContent()).resolves.toBe(
          locale === 'en' ? 'Orders and refunds' : '订单与退款',
        );
        expect(await page.locator('main').textContent()).not.toContain('Unreleased');
        await checkPage(page, problems, look, 'category');

        await page.locator(`a[href*="/articles/${locale === 'en' ? ids.refund : ids.refundZh}-"]`).click();
        await expect(page.locator('h1').textContent()).resolves.toBe(
          locale === 'en' ? 'How refunds work' : '退款是如何处理的',
        );
        expect(await page.locator('main table').count()).toBe(1);
        await checkPage(page, problems, look, 'article');

        // Search from the box, as a customer would: a Chinese query of two characters in zh-CN.
        await page.locator('input[name="q"]').fill(locale === 'en' ? 'refund' : '退款');
        await page.locator('form.search button[type="submit"]').click();
        await page.waitForURL(/\/search\?q=/);
        const results = await page.locator('ol.results li a').allTextContents();
        expect(results[0]).toBe(locale === 'en' ? 'How refunds work' : '退款是如何处理的');
        await checkPage(page, problems, look, 'search');
      } finally {
        await context.close();
      }
    }, 120_000);
  }

  it('records "Was this helpful?" with the browser’s own form post, without JavaScript', async () => {
    const context = await suite.browser.newContext({ ...LOOKS.light, javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await page.goto(
        `${suite.server.url}/help/${suite.server.workspace}/en/articles/${ids.password}-reset-your-password`,
      );
      await page.locator('section.feedback button[value="yes"]').click();
      // The form posts, the server answers 303 back to the article (no script involved).
      await expect.poll(() => page.url(), { timeout: 15_000 }).toMatch(/\?feedback=thanks#feedback$/);
      await page.locator('section.feedback p[role="status"]').waitFor();
      await expect(page.locator('section.feedback').textContent()).resolves.toContain(
        'Thank you for your feedback.',
      );
      await screenshot(page, 'help-feedback-light');
      // axe runs as a script: the page with its thanks is checked in a tab that allows one.
      const { context: checking, page: checked } = await open('light');
      try {
        await checked.goto(page.url());
        expect(await seriousAccessibilityViolations(checked)).toEqual([]);
      } finally {
        await checking.close();
      }
    } finally {
      await context.close();
    }
  }, 60_000);

  it('finds the English article from a Chinese search page when it is not translated (fallback)', async () => {
    const { context, page } = await open('zh-CN');
    try {
      await page.goto(`${suite.server.url}/help/${suite.server.workspace}/zh-CN/search?q=password`);
      const link = page.locator('ol.results li a').first();
      await expect(link.textContent()).resolves.toBe('Reset your password');
      await link.click();
      expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
      expect(await page.getAttribute('main article', 'lang')).toBe('en');
      await expect(page.locator('.notice').textContent()).resolves.toContain('本文尚未翻译');
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
      await screenshot(page, 'help-fallback-zh-CN');
    } finally {
      await context.close();
    }
  }, 60_000);
});

describe('the dashboard’s Help centre page', () => {
  for (const look of LOOK_NAMES) {
    it(`lists the articles, categories and report, translated and accessible, in the ${look} look`, async () => {
      const { context, page, problems } = await open(look);
      try {
        await logIn(page);
        await page.goto(`${suite.server.url}/help-centre`);
        await page.locator(`tr[data-article="${ids.refund}"]`).waitFor({ timeout: 30_000 });
        await page.locator('.help-figures').waitFor();
        expect(await untranslated(page)).toEqual([]);
        expect(await seriousAccessibilityViolations(page), look).toEqual([]);
        expect(problems).toEqual([]);
        await screenshot(page, `help-dashboard-${look}`);
      } finally {
        await context.close();
      }
    }, 120_000);
  }

  it('writes an article with the editor, its preview rendered by the server', async () => {
    const { context, page, problems } = await open('light');
    try {
      await logIn(page);
      await page.goto(`${suite.server.url}/help-centre`);
      await page.getByRole('button', { name: 'New article' }).click();
      await page.getByLabel('Title', { exact: true }).fill('Store pickup');
      await page
        .getByLabel('Text (Markdown)')
        .fill('Collect your order **in store** within 7 days.\n\n<script>x</script>');
      await page.locator('.help-preview strong').waitFor({ timeout: 15_000 });
      expect(await page.locator('.help-preview script').count()).toBe(0);
      await page.getByLabel('Status').selectOption('published');
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
      await screenshot(page, 'help-dashboard-editor-light');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('rowheader', { name: 'Store pickup' }).waitFor({ timeout: 15_000 });
      const found = await fetch(`${suite.server.url}/help/${suite.server.workspace}/search.json?q=pickup`);
      const { results } = (await found.json()) as { results: { title: string }[] };
      expect(results.map((result) => result.title)).toEqual(['Store pickup']);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
