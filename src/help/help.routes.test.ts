/**
 * The help centre over HTTP on both engines: the contract shapes used by tests outside the
 * project (`POST /api/v1/help/articles` → 201 `{ id }`; `GET /help/{slug}/search.json` →
 * `{ results: [{ id, title, snippet, url }] }`), the server-rendered pages (lang, canonical,
 * hreflang, no script, escaped article bodies), drafts never public, the language fallback, the
 * "Was this helpful?" form and its protections, suggestions, deflections and the report.
 */
import { beforeAll, expect, it } from 'vitest';
import { type ApiWorkspace, apiWorkspace } from '../../test/customers/api.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import type { Role } from '../auth/index.js';
import { buildApp } from '../server/index.js';
import { getWorkspace } from '../workspaces/workspace.repository.js';

const NOW = Date.UTC(2026, 5, 1, 12);

describeEachDatabase('help centre routes', (getDb) => {
  let api: ApiWorkspace;
  let slug: string;

  async function call(path: string, init: { method?: string; body?: unknown; role?: Role } = {}) {
    const response = await api.app.request(path, {
      method: init.method ?? 'GET',
      headers: {
        Authorization: `Bearer ${api.keys[init.role ?? 'owner']}`,
        ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const text = await response.text();
    // biome-ignore lint/suspicious/noExplicitAny: bodies are asserted shape by shape.
    let body: any = text;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {}
    return { status: response.status, body, headers: response.headers };
  }

  async function write(title: string, body: string, locale: string, status: string, extra: object = {}) {
    const response = await call('/api/v1/help/articles', {
      method: 'POST',
      body: { title, body, locale, status, ...extra },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return response.body.id as string;
  }

  beforeAll(async () => {
    const made = await apiWorkspace(getDb(), NOW);
    // The public POST limit (10 at once per address) is tested on its own below; here every
    // request comes from the same test "address".
    const { db, dialect } = getDb();
    api = { ...made, app: buildApp({ db, dialect, now: () => NOW }, { helpPostRateLimit: false }) };
    slug = (await getWorkspace(getDb().db, api.workspaceId))!.slug;
  });

  it('limits the public POSTs of one address (10 at once, then 30 a minute)', async () => {
    const limited = await apiWorkspace(getDb(), NOW);
    const limitedSlug = (await getWorkspace(getDb().db, limited.workspaceId))!.slug;
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 12; attempt++) {
      const response = await limited.app.request(`/help/${limitedSlug}/deflections`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ articleId: '1', source: 'chat' }),
      });
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 10).every((status) => status === 400)).toBe(true); // no such article
    expect(statuses.slice(10)).toEqual([429, 429]);
  });

  it('creates an article as the contract says: 201 { id }', async () => {
    const response = await call('/api/v1/help/articles', {
      method: 'POST',
      body: {
        title: 'Refund policy',
        body: 'Refunds within **30 days**.',
        locale: 'en',
        status: 'published',
      },
    });
    expect(response.status).toBe(201);
    expect(response.body.id).toMatch(/^\d+$/);
    expect(response.body).toMatchObject({
      title: 'Refund policy',
      locale: 'en',
      status: 'published',
      version: 1,
    });
  });

  it('refuses bad input with a 400 naming the field, and analysts as writers', async () => {
    const bad = await call('/api/v1/help/articles', {
      method: 'POST',
      body: { title: '', body: 'x', locale: 'fr', status: 'live' },
    });
    expect(bad.status).toBe(400);
    const paths = bad.body.error.issues.map((issue: { path: string[] }) => issue.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['json.title', 'json.locale', 'json.status']));
    const analyst = await call('/api/v1/help/articles', {
      method: 'POST',
      role: 'analyst',
      body: { title: 'x', body: 'x', locale: 'en', status: 'draft' },
    });
    expect(analyst.status).toBe(403);
    const agent = await call('/api/v1/help/articles', {
      method: 'POST',
      role: 'agent',
      body: { title: 'Agent article', body: 'x', locale: 'en', status: 'draft' },
    });
    expect(agent.status).toBe(201);
  });

  it('searches as the contract says, best first, and never shows drafts', async () => {
    const title = await write('Change your delivery address', 'Open the order page.', 'en', 'published');
    const body = await write(
      'Orders',
      'You can change the delivery address until the parcel ships.',
      'en',
      'published',
    );
    const draft = await write('Delivery address secrets', 'delivery address', 'en', 'draft');
    const response = await api.app.request(`/help/${slug}/search.json?q=delivery%20address&locale=en`);
    expect(response.status).toBe(200);
    const { results } = (await response.json()) as {
      results: { id: string; title: string; snippet: string; url: string }[];
    };
    expect(results.map((result) => result.id)).toEqual([title, body]);
    expect(results.map((result) => result.id)).not.toContain(draft);
    expect(results[1]).toMatchObject({
      id: body,
      title: 'Orders',
      snippet: 'You can change the delivery address until the parcel ships.',
    });
    expect(results[0]!.url).toMatch(
      new RegExp(`/help/${slug}/en/articles/${title}-change-your-delivery-address$`),
    );
    // The draft's page is not public either.
    const page = await api.app.request(`/help/${slug}/en/articles/${draft}-delivery-address-secrets`);
    expect(page.status).toBe(404);
    expect(await page.text()).not.toContain('secrets');
  });

  it('publishing makes an article public; a new version keeps the old one', async () => {
    const id = await write('Gift wrapping', 'We wrap gifts.', 'en', 'draft');
    const before = await api.app.request(`/help/${slug}/search.json?q=gift%20wrapping`);
    expect(((await before.json()) as { results: unknown[] }).results).toEqual([]);
    const updated = await call(`/api/v1/help/articles/${id}`, {
      method: 'PATCH',
      body: { status: 'published', body: 'We wrap gifts for free.', version: 1 },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.version).toBe(2);
    const stale = await call(`/api/v1/help/articles/${id}`, {
      method: 'PATCH',
      body: { title: 'X', version: 1 },
    });
    expect(stale.status).toBe(409);
    const after = await api.app.request(`/help/${slug}/search.json?q=gift%20wrapping`);
    expect(
      ((await after.json()) as { results: { id: string }[] }).results.map((result) => result.id),
    ).toEqual([id]);
    const revisions = await call(`/api/v1/help/articles/${id}/revisions`);
    expect(
      revisions.body.items.map((revision: { version: number; status: string }) => [
        revision.version,
        revision.status,
      ]),
    ).toEqual([
      [2, 'published'],
      [1, 'draft'],
    ]);
  });

  it('serves readable, indexable pages: lang, title, description, canonical, hreflang, no script', async () => {
    const category = await call('/api/v1/help/categories', {
      method: 'POST',
      body: {
        translations: {
          en: { title: 'Billing', description: 'Payments and refunds' },
          'zh-CN': { title: '账单' },
        },
      },
    });
    expect(category.status).toBe(201);
    const section = await call('/api/v1/help/sections', {
      method: 'POST',
      body: {
        categoryId: category.body.id,
        translations: { en: { title: 'Payments' }, 'zh-CN': { title: '付款' } },
      },
    });
    expect(section.status).toBe(201);
    const english = await write('Pay by card', 'We take **Visa** and Mastercard.', 'en', 'published', {
      sectionId: section.body.id,
    });
    const chinese = await write('银行卡付款', '我们接受 Visa 和万事达卡。', 'zh-CN', 'published', {
      sectionId: section.body.id,
      translationOf: english,
    });

    const home = await api.app.request(`/help/${slug}/en`);
    expect(home.status).toBe(200);
    const homeHtml = await home.text();
    expect(homeHtml).toContain('<html lang="en">');
    expect(homeHtml).toMatch(/<link rel="canonical" href="http:\/\/localhost\/help\/[^"]+\/en">/);
    expect(homeHtml).toContain(`hreflang="zh-CN" href="http://localhost/help/${slug}/zh-CN"`);
    expect(homeHtml).toContain('<meta name="description"');
    expect(homeHtml).toContain('Billing');
    expect(homeHtml).not.toContain('<script');

    const article = await api.app.request(`/help/${slug}/en/articles/${english}-pay-by-card`);
    const articleHtml = await article.text();
    expect(article.status).toBe(200);
    expect(articleHtml).toContain('<title>Pay by card · Shop Help Centre</title>');
    expect(articleHtml).toContain('<strong>Visa</strong>');
    expect(articleHtml).toContain(
      `hreflang="zh-CN" href="http://localhost/help/${slug}/zh-CN/articles/${chinese}-`,
    );
    expect(articleHtml).toContain('Was this article helpful?');

    // The Chinese page of the English article redirects to its translation.
    const redirect = await api.app.request(`/help/${slug}/zh-CN/articles/${english}-pay-by-card`);
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('Location')).toContain(`/zh-CN/articles/${chinese}-`);
    const zh = await api.app.request(redirect.headers.get('Location')!);
    const zhHtml = await zh.text();
    expect(zhHtml).toContain('<html lang="zh-CN">');
    expect(zhHtml).toContain('这篇文章对您有帮助吗？');

    // The root redirects by Accept-Language.
    const root = await api.app.request(`/help/${slug}`, {
      headers: { 'Accept-Language': 'zh-CN,zh;q=0.9,en;q=0.5' },
    });
    expect(root.status).toBe(302);
    expect(root.headers.get('Location')).toBe(`/help/${slug}/zh-CN`);

    const categoryPage = await api.app.request(`/help/${slug}/zh-CN/categories/${category.body.slug}`);
    const categoryHtml = await categoryPage.text();
    expect(categoryHtml).toContain('账单');
    expect(categoryHtml).toContain('银行卡付款');
    expect(categoryHtml).not.toContain('Pay by card');
  });

  it('falls back to the default language for articles not translated', async () => {
    const only = await write('Loyalty points expire', 'Points expire after a year.', 'en', 'published');
    const response = await api.app.request(`/help/${slug}/search.json?q=loyalty&locale=zh-CN`);
    const { results } = (await response.json()) as { results: { id: string; url: string; locale: string }[] };
    expect(results.map((result) => [result.id, result.locale])).toEqual([[only, 'en']]);
    const page = await api.app.request(new URL(results[0]!.url).pathname);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('<article lang="en">');
    expect(html).toContain('本文尚未翻译');
  });

  it('shows article bodies and titles as text: no HTML or script from an article gets through', async () => {
    const id = await write(
      '<img src=x onerror=alert(1)> Title',
      '<script>alert(1)</script>\n\n[click](javascript:alert(1)) <b onclick="x">bold</b>\n\n![i](x" onerror="alert(1))',
      'en',
      'published',
    );
    const html = await (
      await api.app.request(`/help/${slug}/en/articles/${id}-img-src-x-onerror-alert-1-title`)
    ).text();
    expect(html).not.toMatch(/<script>alert/);
    expect(html).not.toMatch(/<img src=x/);
    expect(html).not.toContain('href="javascript:');
    expect(html).not.toMatch(/<b onclick/);
    expect(html).not.toMatch(/ onerror="alert/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('answers hostile queries without an error and bounds them', async () => {
    for (const q of ['"', 'NEAR(a b)', "' or 1=1 --", '*', '-x', 'a:b', '%_\\']) {
      const response = await api.app.request(`/help/${slug}/search.json?q=${encodeURIComponent(q)}`);
      expect(response.status, q).toBe(200);
    }
    const long = await api.app.request(`/help/${slug}/search.json?q=${'x'.repeat(201)}`);
    expect(long.status).toBe(400);
    const nul = await api.app.request(`/help/${slug}/search.json?q=%00`);
    expect(nul.status).toBe(400);
    const language = await api.app.request(`/help/${slug}/search.json?q=a&locale=xx`);
    expect(language.status).toBe(400);
    const page = await api.app.request(
      `/help/${slug}/en/search?q=${encodeURIComponent('<script>x</script>')}`,
    );
    expect(await page.text()).not.toContain('<script>x');
    expect((await api.app.request('/help/no-such-workspace/search.json?q=a')).status).toBe(404);
  });

  it('records "Was this helpful?" from its own form only, once per voter, and refuses forged posts', async () => {
    const id = await write('Track a parcel', 'Use the tracking link.', 'en', 'published');
    const path = `/help/${slug}/en/articles/${id}-track-a-parcel`;
    const html = await (await api.app.request(path)).text();
    const token = /name="token" value="([^"]+)"/.exec(html)?.[1];
    expect(token).toBeDefined();
    const vote = (helpful: string, headers: Record<string, string> = {}, formToken = token!) =>
      api.app.request(`${path}/feedback`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Host: 'localhost', ...headers },
        body: new URLSearchParams({ helpful, token: formToken }).toString(),
      });
    const first = await vote('no', { Origin: 'http://localhost', 'Sec-Fetch-Site': 'same-origin' });
    expect(first.status).toBe(303);
    expect(first.headers.get('Location')).toBe(`${path}?feedback=thanks#feedback`);
    const changed = await vote('yes', { Origin: 'http://localhost' });
    expect(changed.status).toBe(303);
    // Another site's form: refused by the browser's own headers.
    expect((await vote('no', { Origin: 'https://evil.example' })).status).toBe(403);
    expect((await vote('no', { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    expect((await vote('no', { 'Sec-Fetch-Site': 'same-site', Origin: 'null' })).status).toBe(403);
    // The site's own form under its no-referrer policy: Origin null, Sec-Fetch-Site same-origin.
    expect((await vote('yes', { 'Sec-Fetch-Site': 'same-origin', Origin: 'null' })).status).toBe(303);
    // A made-up or another article's token: not recorded, asked again.
    const forged = await vote('no', {}, '29000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(forged.headers.get('Location')).toContain('feedback=expired');
    // A form that does not parse as its type says (a multipart body cut short): 400, not a 500.
    const unreadable = await api.app.request(`${path}/feedback`, {
      method: 'POST',
      headers: { 'Content-Type': 'multipart/form-data; boundary=x', 'Sec-Fetch-Site': 'same-origin' },
      body: '--x\r\nContent-Disposition: form-data; name="helpful"\r\n',
    });
    expect(unreadable.status).toBe(400);
    expect(await unreadable.json()).toMatchObject({ error: { code: 'invalid_input' } });
    const thanks = await (await api.app.request(`${path}?feedback=thanks`)).text();
    expect(thanks).toContain('Thank you for your feedback.');

    const report = await call('/api/v1/help/report?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z');
    expect(report.status).toBe(200);
    // One voter (same address and browser) who changed their answer: one helpful vote.
    expect(report.body.ratings.find((entry: { articleId: string }) => entry.articleId === id)).toMatchObject({
      helpful: 1,
      notHelpful: 0,
    });
  });

  it('suggests articles for a question being typed, records deflections, and reports', async () => {
    const id = await write(
      'Cancel a subscription',
      'Go to your subscriptions and press cancel.',
      'en',
      'published',
    );
    const suggestions = await api.app.request(
      `/help/${slug}/suggestions.json?q=how%20do%20I%20canc&locale=en`,
      {
        headers: { Origin: 'https://shop.example' },
      },
    );
    expect(suggestions.status).toBe(200);
    expect(suggestions.headers.get('Access-Control-Allow-Origin')).toBe('*');
    // "how do I canc": every word must match; the words here are not all in the article.
    const prefix = await api.app.request(`/help/${slug}/suggestions.json?q=cancel%20subscr`);
    expect(
      ((await prefix.json()) as { results: { id: string }[] }).results.map((result) => result.id),
    ).toEqual([id]);

    const deflect = (body: object) =>
      api.app.request(`/help/${slug}/deflections`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await deflect({ articleId: id, source: 'request_form', query: 'How do I cancel?' })).status).toBe(
      204,
    );
    expect((await deflect({ articleId: id, source: 'chat' })).status).toBe(204);
    expect((await deflect({ articleId: '999999', source: 'chat' })).status).toBe(400);
    expect((await deflect({ articleId: id, source: 'email' })).status).toBe(400);

    await api.app.request(`/help/${slug}/search.json?q=nothing%20matches%20this`);
    await api.app.request(`/help/${slug}/search.json?q=Nothing%20matches%20THIS`);
    const report = await call('/api/v1/help/report?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z', {
      role: 'analyst',
    });
    expect(report.status).toBe(200);
    expect(report.body.noResultSearches).toEqual(
      expect.arrayContaining([{ query: 'nothing matches this', count: 2 }]),
    );
    expect(report.body.deflections.bySource).toMatchObject({ request_form: 1, chat: 1 });
    expect(report.body.deflections.byArticle).toEqual(
      expect.arrayContaining([{ articleId: id, title: 'Cancel a subscription', locale: 'en', count: 2 }]),
    );
    // Suggestions are not logged as searches.
    expect(report.body.topSearches.map((entry: { query: string }) => entry.query)).not.toContain(
      'cancel subscr',
    );
  });

  it('keeps another workspace’s help centre apart', async () => {
    const other = await apiWorkspace(getDb(), NOW);
    const created = await other.app.request('/api/v1/help/articles', {
      method: 'POST',
      headers: { Authorization: `Bearer ${other.keys.owner}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: 'Zanzibar shipping', body: 'x', locale: 'en', status: 'published' }),
    });
    const { id } = (await created.json()) as { id: string };
    expect((await call(`/api/v1/help/articles/${id}`)).status).toBe(404);
    expect((await call(`/api/v1/help/articles/${id}`, { method: 'DELETE' })).status).toBe(404);
    // Another workspace's category and section: unknown here, as parents and as targets.
    const category = await other.app.request('/api/v1/help/categories', {
      method: 'POST',
      headers: { Authorization: `Bearer ${other.keys.owner}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ translations: { en: { title: 'Theirs' } } }),
    });
    const theirs = (await category.json()) as { id: string };
    expect((await call(`/api/v1/help/categories/${theirs.id}`, { method: 'DELETE' })).status).toBe(404);
    const section = await call('/api/v1/help/sections', {
      method: 'POST',
      body: { categoryId: theirs.id, translations: { en: { title: 'Mine in theirs' } } },
    });
    expect(section.status).toBe(400);
    expect(section.body.error.issues[0].path).toEqual(['json', 'categoryId']);
    const translation = await call('/api/v1/help/articles', {
      method: 'POST',
      body: { title: 'x', body: 'x', locale: 'zh-CN', status: 'draft', translationOf: id },
    });
    expect(translation.status).toBe(400);
    const response = await api.app.request(`/help/${slug}/search.json?q=zanzibar`);
    expect(((await response.json()) as { results: unknown[] }).results).toEqual([]);
    expect((await api.app.request(`/help/${slug}/en/articles/${id}-zanzibar-shipping`)).status).toBe(404);
  });

  it('renders an article of 25,000 top-level headings (the longest body) in bounded time, each as an <h2>', async () => {
    // Each `# a` became an <h2> by copying the rest of the token list to find its closing tag: a
    // quadratic render of 4–5 s per page view (and per preview) for a 100,000-character body.
    const body = '# a\n'.repeat(25_000);
    const id = await write('Many headings', body, 'en', 'published');
    const started = performance.now();
    const page = await api.app.request(`/help/${slug}/en/articles/${id}-many-headings`);
    const html = await page.text();
    const elapsed = performance.now() - started;
    expect(page.status).toBe(200);
    expect(html.match(/<h2>a<\/h2>/g)).toHaveLength(25_000);
    expect(html).not.toContain('<h1>a');
    expect(elapsed).toBeLessThan(1_500);
    const preview = await call('/api/v1/help/preview', { method: 'POST', body: { body } });
    expect(preview.status).toBe(200);
    expect(preview.body.html.match(/<h2>a<\/h2>/g)).toHaveLength(25_000);
  });
});
