import { describe, expect, it } from 'vitest';
import { apiWorkspace } from '../../test/customers/api.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { analyticsRunnerOf, buildApp, closeApp } from './app.js';

describeEachDatabase('the app skeleton', (getDb) => {
  const app = () => {
    const { db, dialect } = getDb();
    return buildApp({ db, dialect, now: () => Date.UTC(2026, 0, 1) }, { maxBodyBytes: 1024 });
  };

  it('answers the health check without authentication', async () => {
    const response = await app().request('/api/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('serves the OpenAPI 3.1 document and the browsable docs with their assets', async () => {
    const document = (await (await app().request('/api/openapi.json')).json()) as {
      openapi: string;
      info: { title: string };
    };
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.title).toBe('Retain API');
    const page = await app().request('/api/docs');
    expect(page.status).toBe(200);
    const pageText = await page.text();
    expect(pageText).toContain('/api/docs/init.js');
    // With a trailing slash too (issue 10): the same page, whose assets are named by absolute path.
    const slashed = await app().request('/api/docs/');
    expect(slashed.status).toBe(200);
    expect(slashed.headers.get('content-type')).toContain('text/html');
    expect(await slashed.text()).toBe(pageText);
    const init = await app().request('/api/docs/init.js');
    expect(await init.text()).toContain('/api/openapi.json');
    const script = await app().request('/api/docs/swagger-ui-bundle.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('javascript');
    expect((await app().request('/api/docs/../../package.json')).status).toBe(404);
  });
});

describeEachDatabase('where the app computes analytics', (getDb) => {
  it('in worker threads on its store’s URL (as retain start builds it), else on this thread', async () => {
    const api = await apiWorkspace(getDb(), Date.UTC(2026, 0, 1));
    const runner = analyticsRunnerOf(api.app)!;
    expect(runner).toMatchObject({ mode: 'pool', timeoutMs: 60_000 });
    expect(runner.workers).toBeGreaterThanOrEqual(1);
    // No orders yet: the worker answers 404, through the pool.
    expect((await api.request('/api/v1/analytics/retention')).status).toBe(404);
    expect(runner.stats).toMatchObject({ workers: 1, started: 1 });
    await closeApp(api.app);
    const closed = await api.request('/api/v1/analytics/retention');
    expect(closed).toMatchObject({ status: 503, body: { error: { code: 'unavailable' } } });

    const { db, dialect } = getDb();
    expect(analyticsRunnerOf(buildApp({ db, dialect, now: Date.now }))?.mode).toBe('inline');
    const memory = buildApp({ db, dialect, now: Date.now, databaseUrl: 'sqlite::memory:' });
    expect(analyticsRunnerOf(memory)?.mode).toBe('inline');
    const configured = buildApp(
      { db, dialect, now: Date.now, databaseUrl: getDb().url },
      { analytics: { workers: 3, timeoutMs: 5_000 } },
    );
    expect(analyticsRunnerOf(configured)).toMatchObject({ mode: 'pool', workers: 3, timeoutMs: 5_000 });
    await closeApp(configured);
  });
});

describe('errors', () => {
  const app = buildApp({ db: null as never, dialect: 'sqlite', now: () => 0 }, { maxBodyBytes: 1024 });

  it('answers an unknown route with a JSON 404', async () => {
    const response = await app.request('/api/nothing-here');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'not_found' } });
  });

  it('rejects a body over the limit with 413 and no stack trace', async () => {
    const response = await app.request('/api/health', {
      method: 'POST',
      body: 'x'.repeat(2048),
      headers: { 'Content-Length': '2048' },
    });
    expect(response.status).toBe(413);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(text).not.toMatch(/at .*\.ts:\d+/);
  });

  it('lets file uploads (imports) exceed the JSON body limit, up to their own', async () => {
    const small = buildApp(
      { db: null as never, dialect: 'sqlite', now: () => 0 },
      { maxBodyBytes: 1024, maxUploadBytes: 4096 },
    );
    const body = (bytes: number) => ({
      method: 'POST',
      body: 'x'.repeat(bytes),
      headers: { 'Content-Length': String(bytes), 'Content-Type': 'multipart/form-data; boundary=b' },
    });
    // 2 KiB: over the JSON limit, under the upload limit → reaches authentication (401), not 413.
    expect((await small.request('/api/v1/imports', body(2048))).status).toBe(401);
    expect((await small.request('/api/v1/customers', body(2048))).status).toBe(413);
    expect((await small.request('/api/v1/imports', body(8192))).status).toBe(413);
    // Only a multipart upload gets the larger limit: another body to the upload path keeps the small one.
    const json = { ...body(2048), headers: { 'Content-Length': '2048', 'Content-Type': 'application/json' } };
    expect((await small.request('/api/v1/imports', json)).status).toBe(413);
  });
});

describe('security headers and caching', () => {
  const app = buildApp({ db: null as never, dialect: 'sqlite', now: () => 0 }, { rateLimit: false });

  it('sends the security headers on every response: health, 404, docs, API and tracking errors', async () => {
    const responses = {
      health: await app.request('/api/health'),
      unknown: await app.request('/nothing'),
      docs: await app.request('/api/docs'),
      openapi: await app.request('/api/openapi.json'),
      api: await app.request('/api/v1/customers'),
      tracking: await app.request('/v1/track', { method: 'POST', body: '{}' }),
    };
    for (const [name, response] of Object.entries(responses)) {
      expect(response.headers.get('x-content-type-options'), name).toBe('nosniff');
      expect(response.headers.get('x-frame-options'), name).toBe('SAMEORIGIN');
      expect(response.headers.get('strict-transport-security'), name).toContain('max-age=');
      expect(response.headers.get('referrer-policy'), name).toBe('no-referrer');
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp, name).toContain("default-src 'self'");
      expect(csp, name).toContain("frame-ancestors 'none'");
      // No page may run inline script; only the docs page allows inline styles (Swagger UI's).
      expect(csp, name).not.toContain('script-src');
      expect(csp.includes("'unsafe-inline'"), name).toBe(name === 'docs');
    }
  });

  it('forbids caching API and tracking answers (they carry keys and personal data)', async () => {
    expect((await app.request('/api/v1/customers')).headers.get('cache-control')).toBe('no-store');
    expect(
      (await app.request('/api/v1/auth/login', { method: 'POST', body: '{}' })).headers.get('cache-control'),
    ).toBe('no-store');
    expect(
      (await app.request('/v1/batch', { method: 'POST', body: '{}' })).headers.get('cache-control'),
    ).toBe('no-store');
    // Static docs assets may be cached.
    expect((await app.request('/api/docs/swagger-ui.css')).headers.get('cache-control')).toContain('max-age');
  });
});
