import { describe, expect, it } from 'vitest';
import { describeEachDatabase } from '../../test/support/databases.js';
import { buildApp } from './app.js';

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
    expect(await page.text()).toContain('/api/openapi.json');
    const script = await app().request('/api/docs/swagger-ui-bundle.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toContain('javascript');
    expect((await app().request('/api/docs/../../package.json')).status).toBe(404);
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
      headers: { 'Content-Length': String(bytes) },
    });
    // 2 KiB: over the JSON limit, under the upload limit → reaches authentication (401), not 413.
    expect((await small.request('/api/v1/imports', body(2048))).status).toBe(401);
    expect((await small.request('/api/v1/customers', body(2048))).status).toBe(413);
    expect((await small.request('/api/v1/imports', body(8192))).status).toBe(413);
  });
});
