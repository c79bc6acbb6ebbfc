/**
 * The dashboard (web/, built by Vite into `dist/web/`) served by the API's own server at `/`:
 * its files, and `index.html` for every other page path so the single-page app can route itself.
 * `/api/*` and `/v1/*` are never answered from here (an unknown API path keeps its JSON 404).
 *
 * Caching: Vite names the files under `assets/` by their content hash, so they are cached for a
 * year as immutable; `index.html` (and the other unhashed files) are revalidated on every load
 * (`no-cache` with an ETag), so a new build is picked up at once. Text files are sent gzip- or
 * brotli-compressed when the browser accepts it, compressed once and kept in memory.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Context, Hono } from 'hono';
import type { AppEnv } from '../http/index.js';

/** Where `npm run build:web` writes the dashboard: `<package>/dist/web/` (from src/ and dist/ alike). */
export function defaultWebRoot(): string {
  return fileURLToPath(new URL('../../dist/web/', import.meta.url));
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.json', '.svg', '.txt', '.webmanifest']);
const IMMUTABLE = 'public, max-age=31536000, immutable';

interface Asset {
  readonly mtimeMs: number;
  readonly size: number;
  readonly type: string;
  readonly etag: string;
  readonly body: Uint8Array;
  readonly gzip?: Uint8Array;
  readonly brotli?: Uint8Array;
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Retain</title></head>
<body><h1>The dashboard is not built yet</h1>
<p>Run <code>npm run build:web</code> (or <code>npm start</code>, which builds it when missing), then reload.
The API is running: see <a href="/api/docs">/api/docs</a>.</p></body></html>`;

/** The API's own paths: never answered with the app. */
function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/') || path === '/v1' || path.startsWith('/v1/');
}

/** Serves the built dashboard from `root` on every GET not taken by an earlier route. Mount last. */
export function mountWebAssets(app: Hono<AppEnv>, root: string = defaultWebRoot()): void {
  const cache = new Map<string, Asset>();

  /** The file at `relative` under `root` (re-read when it changed on disk), or `undefined`. */
  const load = (relative: string): Asset | undefined => {
    const path = normalize(join(root, relative));
    if (!path.startsWith(normalize(root + sep))) return undefined;
    let stats: ReturnType<typeof statSync>;
    try {
      stats = statSync(path);
    } catch {
      return undefined;
    }
    if (!stats.isFile()) return undefined;
    const known = cache.get(path);
    if (known && known.mtimeMs === stats.mtimeMs && known.size === stats.size) return known;
    const body = readFileSync(path);
    const extension = extname(path);
    const compress = COMPRESSIBLE.has(extension) && body.length > 512;
    const asset: Asset = {
      mtimeMs: stats.mtimeMs,
      size: stats.size,
      type: TYPES[extension] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      body,
      ...(compress
        ? {
            gzip: gzipSync(body, { level: 9 }),
            brotli: brotliCompressSync(body, {
              params: {
                [constants.BROTLI_PARAM_QUALITY]: 11,
                [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
              },
            }),
          }
        : {}),
    };
    cache.set(path, asset);
    return asset;
  };

  const send = (c: Context<AppEnv>, asset: Asset, cacheControl: string): Response => {
    const headers: Record<string, string> = {
      'Content-Type': asset.type,
      'Cache-Control': cacheControl,
      ETag: asset.etag,
      Vary: 'Accept-Encoding',
    };
    if (c.req.header('If-None-Match') === asset.etag) return c.body(null, 304, headers);
    const accepted = c.req.header('Accept-Encoding') ?? '';
    let body = asset.body;
    if (asset.brotli && /\bbr\b/.test(accepted)) {
      body = asset.brotli;
      headers['Content-Encoding'] = 'br';
    } else if (asset.gzip && /\bgzip\b/.test(accepted)) {
      body = asset.gzip;
      headers['Content-Encoding'] = 'gzip';
    }
    return c.body(body as Uint8Array<ArrayBuffer>, 200, headers);
  };

  app.get('*', (c) => {
    const path = c.req.path;
    if (isApiPath(path)) return c.notFound();
    let relative: string;
    try {
      relative = decodeURIComponent(path);
    } catch {
      return c.notFound();
    }
    if (relative !== '/' && !relative.split('/').some((part) => part.startsWith('.'))) {
      const file = load(relative);
      if (file) return send(c, file, relative.startsWith('/assets/') ? IMMUTABLE : 'no-cache');
      // A missing script or image is a 404, never the page in its place.
      if (relative.startsWith('/assets/') || extname(relative) !== '') return c.notFound();
    }
    const page = load('index.html');
    if (!page) return c.html(NOT_BUILT, 503, { 'Cache-Control': 'no-store' });
    return send(c, page, 'no-cache');
  });
}
