/**
 * The dashboard's files served by the app (web-assets.ts), on a small stand-in build: hashed assets
 * cached for a year, the page revalidated, every page path answered with index.html, and the API's
 * paths left alone.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.js';

const root = mkdtempSync(join(tmpdir(), 'retain-web-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(join(root, 'assets'));
const INDEX =
  '<!doctype html><html><head><script type="module" src="/assets/index-AbC123.js"></script></head></html>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(2000))});`;
writeFileSync(join(root, 'index.html'), INDEX);
writeFileSync(join(root, 'assets', 'index-AbC123.js'), SCRIPT);
writeFileSync(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
writeFileSync(join(root, '.secret'), 'not served');

const services = { db: null as never, dialect: 'sqlite' as const, now: () => 0 };
const app = buildApp(services, { webRoot: root });

describe('the dashboard served at /', () => {
  it('serves index.html at / and at every page path, revalidated on each load, under the strict CSP', async () => {
    for (const path of ['/', '/overview', '/customers/42', '/login?next=%2F']) {
      const response = await app.request(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(response.headers.get('content-security-policy')).not.toContain('unsafe-inline');
      expect(await response.text()).toBe(INDEX);
    }
    const etag = (await app.request('/')).headers.get('etag')!;
    const again = await app.request('/', { headers: { 'If-None-Match': etag } });
    expect(again.status).toBe(304);
  });

  it('caches hashed assets for a year and compresses them when the browser accepts it', async () => {
    const plain = await app.request('/assets/index-AbC123.js');
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(plain.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await plain.text()).toBe(SCRIPT);
    const gzipped = await app.request('/assets/index-AbC123.js', { headers: { 'Accept-Encoding': 'gzip' } });
    expect(gzipped.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(Buffer.from(await gzipped.arrayBuffer())).toString()).toBe(SCRIPT);
    const brotli = await app.request('/assets/index-AbC123.js', {
      headers: { 'Accept-Encoding': 'gzip, br' },
    });
    expect(brotli.headers.get('content-encoding')).toBe('br');
    expect((await app.request('/favicon.svg')).headers.get('content-type')).toBe('image/svg+xml');
  });

  it('answers a missing asset, a dotfile or a path outside the build with 404 or the page, never the file', async () => {
    expect((await app.request('/assets/missing-123.js')).status).toBe(404);
    expect((await app.request('/missing.png')).status).toBe(404);
    expect(await (await app.request('/.secret')).text()).toBe(INDEX);
    expect(await (await app.request('/%2e%2e/%2e%2e/etc/passwd')).text()).not.toContain('root:');
  });

  it('leaves /api/* and /v1/* to the API: an unknown API path keeps its JSON 404', async () => {
    for (const path of ['/api', '/api/nothing', '/v1/nothing', '/v1']) {
      const response = await app.request(path);
      expect(response.status, path).toBe(404);
      expect(await response.json()).toMatchObject({ error: { code: 'not_found' } });
    }
    expect((await app.request('/api/health')).status).toBe(200);
    expect((await app.request('/api/v1/auth/me')).status).toBe(401);
    // Only GET (and HEAD) reach the app.
    expect((await app.request('/overview', { method: 'POST' })).status).toBe(404);
  });

  it('says how to build the dashboard when it is not built', async () => {
    const bare = buildApp(services, { webRoot: join(root, 'nothing-here') });
    const response = await bare.request('/');
    expect(response.status).toBe(503);
    expect(await response.text()).toContain('npm run build:web');
    expect((await buildApp(services, { webRoot: false }).request('/')).status).toBe(404);
  });
});
