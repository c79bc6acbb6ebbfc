/**
 * The public help centre of each workspace, under `/help/{workspaceSlug}` — no account needed:
 *
 * - HTML pages, rendered on the server (help-site.ts): `/help/{ws}` redirects to the visitor's
 *   language (`Accept-Language`, else the default), `/help/{ws}/{locale}` home,
 *   `…/categories/{slug}`, `…/sections/{slug}`, `…/articles/{id}-{slug}`, `…/search?q=`, and the
 *   "Was this helpful?" form `POST …/articles/{id}-{slug}/feedback` (help-form-token.ts says
 *   what protects it), which answers 303 back to the article.
 * - JSON for other programs (documented in the OpenAPI document): `GET /help/{ws}/search.json`
 *   (the search, logged for the report), `GET /help/{ws}/suggestions.json` (articles for a
 *   question being typed: the last word as a prefix, not logged — for the support desk's request
 *   form and chat widget, which may be on another origin, so CORS allows any) and
 *   `POST /help/{ws}/deflections` ("this solved it", recorded for the report).
 *
 * The server applies the API's per-caller rate limit to `/help/*`, a stricter one to its POSTs,
 * and refuses input no store can keep (server/app.ts).
 */
import { createRoute } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { createMiddleware } from 'hono/factory';
import { parseRowId } from '../db/index.js';
import { notFound, RetainError } from '../errors/index.js';
import { type AppEnv, clientAddress, createRouter, describeErrors } from '../http/index.js';
import { getWorkspaceBySlug, type Workspace } from '../workspaces/workspace.repository.js';
import { type HelpSettings, loadHelpSettings } from './help.repository.js';
import { publicOrigin } from './help.routes.js';
import { DeflectionBody, PublicParams, PublicResultsSchema, PublicSearchQuery } from './help.schemas.js';
import { recordDeflection, recordVote, searchHelpCentre } from './help.service.js';
import { isSameSiteRequest, verifyFormToken, voterKeyOf } from './help-form-token.js';
import { type HelpLocale, isHelpLocale, matchHelpLocale, negotiateHelpLocale } from './help-locales.js';
import { articlePath, homePath, type SiteUrls } from './help-pages.js';
import {
  articlePage,
  categoryPage,
  homePage,
  notFoundPage,
  type SiteContext,
  type SitePage,
  searchPage,
  sectionPage,
} from './help-site.js';
import { HELP_CSS } from './help-style.js';

export interface HelpPublicOptions {
  /** `RETAIN_PUBLIC_URL`: the origin of canonical and result links (default: each request's). */
  readonly publicUrl?: string | undefined;
  /** Count voters by the first `X-Forwarded-For` address (only behind your own proxy). */
  readonly trustProxy?: boolean;
}

const TAGS = ['Help centre (public)'];
const PAGE_CACHE = 'public, max-age=60';

interface Site {
  readonly workspace: Workspace;
  readonly settings: HelpSettings;
}

/** The workspace of the path's slug and its help settings; `not_found` for an unknown slug. */
async function siteOf(c: Context<AppEnv>, slug: string): Promise<Site> {
  const { db, now } = c.get('services');
  const workspace = await getWorkspaceBySlug(db, slug);
  if (workspace === undefined) throw notFound('Help centre');
  return { workspace, settings: await loadHelpSettings(db, workspace.id, now()) };
}

/** Resolved before validation, so an unknown help centre is a 404 whatever the request holds. */
const sites = new WeakMap<Request, Site>();
const resolveSite: MiddlewareHandler<AppEnv> = createMiddleware<AppEnv>(async (c, next) => {
  // A body of the wrong type is refused first, as on every other route (the media type gate).
  const type = c.req.header('Content-Type');
  if (c.req.method === 'POST' && type !== undefined && !/^application\/([a-z0-9.+-]+\+)?json\b/i.test(type)) {
    throw new RetainError('unsupported_media_type', 'Send the body as application/json.');
  }
  sites.set(c.req.raw, await siteOf(c, c.req.param('workspaceSlug') ?? ''));
  await next();
});
function siteFor(c: Context<AppEnv>): Site {
  const site = sites.get(c.req.raw);
  if (site === undefined) throw notFound('Help centre');
  return site;
}

function localeOf(text: string | undefined, fallback: HelpLocale): HelpLocale {
  if (text === undefined || text === '') return fallback;
  const locale = matchHelpLocale(text);
  if (locale === undefined) {
    throw new RetainError('invalid_input', `"${text}" is not a help centre language (en, zh-CN).`, [
      { path: ['query', 'locale'], message: 'Expected en or zh-CN.' },
    ]);
  }
  return locale;
}

const publicErrors = (specific: { 400?: string; 404?: string } = {}) =>
  describeErrors({
    400: 'A parameter is not valid (each named in `error.issues`), or holds input no store can keep.',
    404: 'No help centre has this workspace slug.',
    429: 'Too many requests from this address; retry after `Retry-After` seconds.',
    503: 'The store cannot be reached; retry after `Retry-After` seconds.',
    ...specific,
  });

const searchRoute = createRoute({
  method: 'get',
  path: '/help/{workspaceSlug}/search.json',
  operationId: 'searchHelpCentre',
  tags: TAGS,
  summary: 'Search the published articles, best first (logged for the report)',
  description:
    'Full text, ranked with a title match above a body match; Chinese searchable; typos tolerated when nothing matches exactly. Articles not translated into `locale` are searched in the default language.',
  security: [],
  middleware: [resolveSite] as const,
  request: { params: PublicParams, query: PublicSearchQuery },
  responses: {
    200: { description: 'The results', content: { 'application/json': { schema: PublicResultsSchema } } },
    ...publicErrors(),
  },
});

const suggestionsRoute = createRoute({
  method: 'get',
  path: '/help/{workspaceSlug}/suggestions.json',
  operationId: 'suggestHelpArticles',
  tags: TAGS,
  summary: 'Articles answering a question as it is typed (the last word as a prefix; not logged)',
  description:
    'For the support desk’s request form and chat widget: call it debounced (~250 ms) as the customer types; show the results; when one solves the question, `POST /help/{workspaceSlug}/deflections`. Any origin may call it (CORS).',
  security: [],
  middleware: [resolveSite] as const,
  request: { params: PublicParams, query: PublicSearchQuery },
  responses: {
    200: { description: 'The suggestions', content: { 'application/json': { schema: PublicResultsSchema } } },
    ...publicErrors(),
  },
});

const deflectionRoute = createRoute({
  method: 'post',
  path: '/help/{workspaceSlug}/deflections',
  operationId: 'recordHelpDeflection',
  tags: TAGS,
  summary: 'Record that a suggested article solved the question (no ticket needed)',
  description: 'Any origin may call it (CORS). Rate-limited per address.',
  security: [],
  middleware: [resolveSite] as const,
  request: {
    params: PublicParams,
    body: { required: true, content: { 'application/json': { schema: DeflectionBody } } },
  },
  responses: {
    204: { description: 'Recorded' },
    ...publicErrors({
      400: 'The body is not valid (each field named in `error.issues`), or `articleId` names no published article of the help centre.',
    }),
    ...describeErrors({
      413: 'The body is larger than the limit.',
      415: 'A body that is not `application/json`.',
    }),
  },
});

/** The public help centre; mount at the root, before the dashboard's catch-all. */
export function helpPublicRoutes(options: HelpPublicOptions = {}) {
  const router = createRouter();
  const anyOrigin = cors({
    origin: '*',
    allowMethods: ['GET', 'POST', 'OPTIONS'],
    allowHeaders: ['Content-Type'],
    maxAge: 86_400,
  });
  router.use('/help/:workspaceSlug/suggestions.json', anyOrigin);
  router.use('/help/:workspaceSlug/search.json', anyOrigin);
  router.use('/help/:workspaceSlug/deflections', anyOrigin);

  router.get('/help/assets/help.css', (c) =>
    c.body(HELP_CSS, 200, {
      'Content-Type': 'text/css; charset=utf-8',
      'Cache-Control': 'public, max-age=86400',
    }),
  );

  async function results(c: Context<AppEnv>, prefix: boolean) {
    const { db, dialect, now } = c.get('services');
    const site = siteFor(c);
    const query = c.req.query();
    const limit = query.limit === undefined ? (prefix ? 5 : 10) : Number(query.limit);
    const locale = localeOf(query.locale, site.settings.defaultLocale);
    const { results: found } = await searchHelpCentre(db, {
      workspaceId: site.workspace.id,
      dialect,
      query: query.q ?? '',
      locale,
      defaultLocale: site.settings.defaultLocale,
      limit,
      prefix,
      log: !prefix,
      now: now(),
    });
    const urls: SiteUrls = { origin: publicOrigin(c, options.publicUrl), workspaceSlug: site.workspace.slug };
    c.header('Cache-Control', prefix ? 'public, max-age=30' : 'no-store');
    return {
      results: found.map((result) => ({
        id: String(result.id),
        title: result.title,
        snippet: result.snippet,
        url: `${urls.origin}${articlePath(urls, locale, result)}`,
        locale: result.locale,
      })),
    };
  }

  router.openapi(searchRoute, async (c) => {
    c.req.valid('query');
    return c.json(await results(c, false), 200);
  });
  router.openapi(suggestionsRoute, async (c) => {
    c.req.valid('query');
    return c.json(await results(c, true), 200);
  });
  router.openapi(deflectionRoute, async (c) => {
    const { db, now } = c.get('services');
    const site = siteFor(c);
    const input = c.req.valid('json');
    const articleId = parseRowId(input.articleId);
    const invalidArticle = new RetainError('invalid_input', 'No such published article.', [
      { path: ['json', 'articleId'], message: 'Not a published article of this help centre.' },
    ]);
    if (articleId === undefined) throw invalidArticle;
    try {
      await recordDeflection(db, {
        workspaceId: site.workspace.id,
        articleId,
        source: input.source,
        query: input.query ?? null,
        now: now(),
      });
    } catch (error) {
      if (error instanceof RetainError && error.code === 'not_found') throw invalidArticle;
      throw error;
    }
    return c.body(null, 204);
  });

  // --- HTML -------------------------------------------------------------------------------

  function send(c: Context<AppEnv>, page: SitePage, cache = PAGE_CACHE): Response {
    if (page.kind === 'redirect') return c.redirect(page.location, 301);
    c.header('Cache-Control', page.status === 200 ? cache : 'no-store');
    return c.html(page.html, page.status);
  }

  /** The page context, or the response for a path that is not one (unknown site, odd language). */
  async function contextOf(c: Context<AppEnv>): Promise<SiteContext | Response> {
    const { db, dialect, now } = c.get('services');
    const slug = c.req.param('workspaceSlug') ?? '';
    const workspace = await getWorkspaceBySlug(db, slug);
    if (workspace === undefined) {
      return c.html(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Help centre not found</title></head><body><main><h1>Help centre not found</h1></main></body></html>',
        404,
      );
    }
    const settings = await loadHelpSettings(db, workspace.id, now());
    const given = c.req.param('locale') ?? '';
    if (!isHelpLocale(given)) {
      const locale = matchHelpLocale(given);
      const urls = { origin: '', workspaceSlug: workspace.slug };
      // `zh-cn` → `zh-CN`; an unknown language → the default home.
      return c.redirect(
        locale === undefined
          ? homePath(urls, settings.defaultLocale)
          : c.req.path.replace(`/${given}`, `/${locale}`),
        locale === undefined ? 302 : 301,
      );
    }
    return {
      db,
      dialect,
      workspace,
      settings,
      locale: given,
      urls: { origin: publicOrigin(c, options.publicUrl), workspaceSlug: workspace.slug },
      now: now(),
    };
  }

  router.get('/help/:workspaceSlug', async (c) => {
    const { db, now } = c.get('services');
    const workspace = await getWorkspaceBySlug(db, c.req.param('workspaceSlug'));
    if (workspace === undefined) throw notFound('Help centre');
    const settings = await loadHelpSettings(db, workspace.id, now());
    const locale = negotiateHelpLocale(c.req.header('Accept-Language'), settings.defaultLocale);
    c.header('Vary', 'Accept-Language');
    c.header('Cache-Control', 'no-store');
    return c.redirect(homePath({ origin: '', workspaceSlug: workspace.slug }, locale), 302);
  });

  router.get('/help/:workspaceSlug/:locale', async (c) => {
    const context = await contextOf(c);
    return context instanceof Response ? context : send(c, await homePage(context));
  });
  router.get('/help/:workspaceSlug/:locale/categories/:slug', async (c) => {
    const context = await contextOf(c);
    return context instanceof Response ? context : send(c, await categoryPage(context, c.req.param('slug')));
  });
  router.get('/help/:workspaceSlug/:locale/sections/:slug', async (c) => {
    const context = await contextOf(c);
    return context instanceof Response ? context : send(c, await sectionPage(context, c.req.param('slug')));
  });
  router.get('/help/:workspaceSlug/:locale/search', async (c) => {
    const context = await contextOf(c);
    if (context instanceof Response) return context;
    return send(c, await searchPage(context, c.req.query('q') ?? ''), 'no-store');
  });
  router.get('/help/:workspaceSlug/:locale/articles/:article', async (c) => {
    const context = await contextOf(c);
    if (context instanceof Response) return context;
    const match = /^(\d{1,15})(?:-(.*))?$/.exec(c.req.param('article'));
    const id = match === null ? undefined : parseRowId(match[1]!);
    if (id === undefined) return send(c, notFoundPage(context));
    const feedback = c.req.query('feedback');
    const state = feedback === 'thanks' || feedback === 'expired' ? feedback : undefined;
    return send(
      c,
      await articlePage(context, id, match?.[2] ?? '', state),
      state === undefined ? PAGE_CACHE : 'no-store',
    );
  });

  router.post('/help/:workspaceSlug/:locale/articles/:article/feedback', async (c) => {
    const context = await contextOf(c);
    if (context instanceof Response) return context;
    if (
      !isSameSiteRequest({
        secFetchSite: c.req.header('Sec-Fetch-Site'),
        origin: c.req.header('Origin'),
        host: c.req.header('Host') ?? new URL(c.req.url).host,
      })
    ) {
      throw new RetainError('forbidden', 'Votes are taken only from the help centre’s own pages.');
    }
    const match = /^(\d{1,15})(?:-(.*))?$/.exec(c.req.param('article'));
    const id = match === null ? undefined : parseRowId(match[1]!);
    if (id === undefined) throw notFound('Article');
    // A body that does not parse as its type says (a multipart body cut short) is the sender's fault.
    const form = await c.req.parseBody().catch(() => {
      throw new RetainError('invalid_input', 'The form could not be read as its Content-Type says.');
    });
    const helpful = form.helpful;
    const token = typeof form.token === 'string' ? form.token : '';
    if (helpful !== 'yes' && helpful !== 'no') {
      throw new RetainError('invalid_input', 'Answer yes or no.', [
        { path: ['form', 'helpful'], message: 'Expected yes or no.' },
      ]);
    }
    const back = articlePath({ origin: '', workspaceSlug: context.workspace.slug }, context.locale, {
      id,
      slug: match?.[2] ?? '',
    });
    c.header('Cache-Control', 'no-store');
    if (!verifyFormToken(context.settings.formKey, id, token, context.now)) {
      return c.redirect(`${back}?feedback=expired#feedback`, 303);
    }
    await recordVote(context.db, {
      workspaceId: context.workspace.id,
      articleId: id,
      voterKey: voterKeyOf(
        context.settings.formKey,
        clientAddress(c, options.trustProxy ?? false),
        c.req.header('User-Agent') ?? '',
      ),
      helpful: helpful === 'yes',
      now: context.now,
    });
    return c.redirect(`${back}?feedback=thanks#feedback`, 303);
  });

  return router;
}
