/**
 * `/api/docs`: a browsable API reference (Swagger UI) served from the installed `swagger-ui-dist`
 * package, so it works offline and loads nothing from a CDN.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Hono } from 'hono';
import swaggerUi from 'swagger-ui-dist';

const ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
};

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Retain API</title>
<link rel="stylesheet" href="/api/docs/swagger-ui.css"></head>
<body><div id="docs"></div>
<script src="/api/docs/swagger-ui-bundle.js"></script>
<script src="/api/docs/swagger-ui-standalone-preset.js"></script>
<script src="/api/docs/init.js"></script>
</body></html>`;

/** Started from a file, not inline, so the page's content security policy allows no inline script. */
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#docs', presets: [SwaggerUIBundle.presets.apis] });\n`;

export function mountApiDocs(app: Hono<never>): void {
  const directory = swaggerUi.getAbsoluteFSPath();
  const cache = new Map<string, string>();
  // With or without the trailing slash: the page names its assets by absolute path, so both work.
  app.get('/api/docs', (c) => c.html(PAGE));
  app.get('/api/docs/', (c) => c.html(PAGE));
  app.get('/api/docs/init.js', (c) =>
    c.body(INIT_SCRIPT, 200, {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': 'no-cache',
    }),
  );
  app.get('/api/docs/:asset', (c) => {
    const asset = c.req.param('asset');
    const type = ASSETS[asset];
    if (!type) return c.notFound();
    let body = cache.get(asset);
    if (body === undefined) {
      body = readFileSync(join(directory, asset), 'utf8');
      cache.set(asset, body);
    }
    return c.body(body, 200, { 'Content-Type': type, 'Cache-Control': 'public, max-age=86400' });
  });
}
