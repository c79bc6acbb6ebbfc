/**
 * Builds the Hono app: shared services on every request, body-size limits, the capabilities'
 * routes (server/routes.ts), the OpenAPI document at `/api/openapi.json`, browsable docs at
 * `/api/docs`, and the single error → HTTP mapping (server/errors.ts). Building the app opens no
 * port, so tests call `app.request()` directly.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context, Next } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { createMiddleware } from 'hono/factory';
import { secureHeaders } from 'hono/secure-headers';
import { AnalyticsRunner, type AnalyticsSettings } from '../analytics/index.js';
import type { LoginThrottleOptions } from '../auth/index.js';
import { dataDirectoryFor } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import { rateLimitedSurveyPage } from '../feedback/index.js';
import {
  type AppEnv,
  type AppServices,
  createRouter,
  multipartBoundary,
  refuseHostileInput,
  tooLargeError,
} from '../http/index.js';
import { DEFAULT_MAX_UPLOAD_BYTES } from '../imports/index.js';
import { mountApiDocs } from './docs.js';
import { handleError, handleNotFound } from './errors.js';
import { type RateLimitOptions, rateLimit } from './rate-limit.js';
import { mountRoutes } from './routes.js';
import { mountWebAssets } from './web-assets.js';

export interface AppOptions {
  /** Largest accepted request body for the JSON API, in bytes (default 1 MiB). */
  readonly maxBodyBytes?: number;
  /**
   * Largest accepted file upload (`POST /api/v1/imports`), in bytes (default 256 MiB), counted while
   * the upload streams to disk (imports/import.upload.ts).
   */
  readonly maxUploadBytes?: number;
  /** How long an import's kept files outlive it, ms (default 7 days; imports/import.files.ts). */
  readonly importFilesRetentionMs?: number;
  /** Per-caller request rate limit on `/api/v1` (default 600/min, per process); `false` turns it off. */
  readonly rateLimit?: RateLimitOptions | false;
  /**
   * Per-write-key rate limit on the tracking endpoints `/v1/*` (default 6,000 requests a minute
   * with bursts of 1,000, per process); `false` turns it off. Segment's clients honour the 429's
   * `Retry-After` and send again.
   */
  readonly trackingRateLimit?: RateLimitOptions | false;
  /**
   * Per-address rate limit on the public survey pages `/s/*` (default 120 requests a minute with
   * bursts of 60, per process); `false` turns it off.
   */
  readonly surveyRateLimit?: RateLimitOptions | false;
  /** Wrong-password limits on login, per account and per address (auth/login-throttle.ts); `false` off. */
  readonly loginThrottle?: LoginThrottleOptions | false;
  /** Directory of the built dashboard served at `/` (default `dist/web/`, server/web-assets.ts); `false`: none. */
  readonly webRoot?: string | false;
  /**
   * Where analytics are computed: a pool of `workers` worker threads opening `services.databaseUrl`
   * (default one per core but one), each request waiting at most `timeoutMs` (default 60 s), with
   * `limits` on the periods and cohort cells one request may ask for (docs/operations.md, "Limits").
   */
  readonly analytics?: AnalyticsSettings;
  /** The origin the public help centre is reached at (`RETAIN_PUBLIC_URL`; default: each request's). */
  readonly publicUrl?: string;
  /**
   * Per-address limit of the public help centre's POSTs (votes, deflections), on top of the API's
   * limit that `/help/*` shares (default 30 a minute, bursts of 10, per process); `false` off.
   */
  readonly helpPostRateLimit?: RateLimitOptions | false;
}

/** Default per-address limit of the public survey pages `/s/*`: 2 a second sustained, bursts of 60. */
export const DEFAULT_SURVEY_RATE_LIMIT: RateLimitOptions = Object.freeze({
  requestsPerMinute: 120,
  burst: 60,
});

/** Default per-write-key limit of `/v1/*`: 100 requests a second sustained, bursts of 1,000. */
export const DEFAULT_TRACKING_RATE_LIMIT: RateLimitOptions = Object.freeze({
  requestsPerMinute: 6_000,
  burst: 1_000,
});

/**
 * Headers every response carries (Hono's secureHeaders: nosniff, frame denial, HSTS, referrer
 * policy, cross-origin isolation…) with a content security policy that allows only this origin.
 * The API docs page needs Swagger UI's inline styles; nothing needs inline script.
 */
const STRICT_CSP = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  frameAncestors: ["'none'"],
  formAction: ["'self'"],
  objectSrc: ["'none'"],
  imgSrc: ["'self'", 'data:'],
  styleSrc: ["'self'"],
};
const DOCS_CSP = { ...STRICT_CSP, styleSrc: ["'self'", "'unsafe-inline'"] };
/** The public help centre: articles may show images from any HTTPS address. */
const HELP_CSP = { ...STRICT_CSP, imgSrc: ["'self'", 'data:', 'https:'] };

export const API_VERSION = '0.1.0';

const noStore = createMiddleware(async (c, next) => {
  await next();
  // In place, as secureHeaders does: `c.header` after the response exists rebuilds it around its
  // body stream (on @hono/node-server, the costliest step of a small JSON answer). A response
  // whose headers are immutable (one fetched elsewhere) is rebuilt by `c.header` instead.
  try {
    c.res.headers.set('Cache-Control', 'no-store');
  } catch {
    c.header('Cache-Control', 'no-store');
  }
});

/** Each app's analytics runner: what `closeApp` stops. */
const runners = new WeakMap<object, AnalyticsRunner>();

/**
 * Stops what `buildApp` started for `app` — the analytics workers (their waiting requests answer
 * 503) — once the server no longer takes requests. Idempotent; a no-op for an app that started none.
 */
export async function closeApp(app: object): Promise<void> {
  await runners.get(app)?.close();
}

/** The runner computing `app`'s analytics (its mode, workers and counts), `undefined` for another object. */
export function analyticsRunnerOf(app: object): AnalyticsRunner | undefined {
  return runners.get(app);
}

export function buildApp(services: AppServices, options: AppOptions = {}): OpenAPIHono<AppEnv> {
  const app = createRouter();
  const analytics = new AnalyticsRunner({ ...options.analytics, databaseUrl: services.databaseUrl });
  runners.set(app, analytics);
  app.onError(handleError);
  app.notFound(handleNotFound);

  const withDefaults: AppServices = {
    ...services,
    dataDirectory: services.dataDirectory ?? dataDirectoryFor(process.env, services.databaseUrl),
  };
  app.use('*', async (c, next) => {
    c.set('services', withDefaults);
    await next();
  });
  const strictHeaders = secureHeaders({ contentSecurityPolicy: STRICT_CSP });
  const docsHeaders = secureHeaders({ contentSecurityPolicy: DOCS_CSP });
  // The help centre's JSON is read by widgets on the shops' own sites (CORS), as tracking is.
  const helpHeaders = secureHeaders({
    contentSecurityPolicy: HELP_CSP,
    crossOriginResourcePolicy: 'cross-origin',
  });
  // Tracking answers browsers on any site (analytics.js): their resources may be read cross-origin.
  const trackingHeaders = secureHeaders({
    contentSecurityPolicy: STRICT_CSP,
    crossOriginResourcePolicy: 'cross-origin',
  });
  app.use('*', (c, next) =>
    c.req.path.startsWith('/api/docs')
      ? docsHeaders(c, next)
      : c.req.path.startsWith('/v1/') ||
          c.req.path.startsWith('/e/o/') ||
          c.req.path.startsWith('/storefront/')
        ? trackingHeaders(c, next)
        : c.req.path.startsWith('/help/')
          ? helpHeaders(c, next)
          : strictHeaders(c, next),
  );
  // analytics.js posts from the customer's own site: any origin may call /v1/*, without cookies
  // (the write key is the credential, and it is public in a web page anyway). Preflights are
  // answered here, before the rate limit and authentication.
  app.use(
    '/v1/*',
    cors({
      origin: '*',
      allowMethods: ['POST', 'OPTIONS'],
      allowHeaders: ['Authorization', 'Content-Type', 'Content-Encoding'],
      exposeHeaders: ['Retry-After'],
      maxAge: 86_400,
    }),
  );
  // API answers carry keys and personal data: no cache (browser, proxy) may keep them.
  app.use('/api/v1/*', noStore);
  app.use('/v1/*', noStore);
  app.use('/storefront/v1/*', noStore);
  const tooLarge = (what: string) => () => {
    throw new RetainError('payload_too_large', `The ${what} is too large.`);
  };
  // File uploads (imports) stream to disk under their own, larger limit, counted as they arrive
  // (import.routes.ts): Hono's bodyLimit would hold a body without Content-Length in memory. Every
  // other body stays small.
  const bodyLimitDefault = bodyLimit({
    maxSize: options.maxBodyBytes ?? 1024 * 1024,
    onError: tooLarge('request body'),
  });
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  // A declared length is checked from the header alone (Node's parser never delivers more than it
  // declares): asking for the web Request's body stream just to check it (Hono's bodyLimit) costs
  // more than the rest of a small JSON request, and loses @hono/node-server's direct body read.
  const bodyLimitByHeader = async (c: Context<AppEnv>, next: Next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    const declared = c.req.header('Content-Length');
    if (declared === undefined || c.req.header('Transfer-Encoding') !== undefined) {
      return bodyLimitDefault(c, next);
    }
    if (Number.parseInt(declared, 10) > maxBodyBytes) tooLarge('request body')();
    return next();
  };
  const maxUploadBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  app.use('*', async (c, next) => {
    const upload =
      c.req.method === 'POST' &&
      c.req.path === '/api/v1/imports' &&
      multipartBoundary(c.req.header('Content-Type')) !== null;
    // Anything else keeps the small limit — a JSON body to the upload path included, which the
    // hostile-input check would otherwise read whole before the route refuses it (415).
    if (!upload) return bodyLimitByHeader(c, next);
    // A declared size over the limit is refused before anything else is done.
    if (Number(c.req.header('Content-Length')) > maxUploadBytes) {
      throw tooLargeError(maxUploadBytes, 'RETAIN_MAX_UPLOAD_BYTES');
    }
    await next();
  });

  if (options.rateLimit !== false) {
    // One bucket per caller across the API and the public help centre.
    const perCaller = rateLimit(options.rateLimit);
    app.use('/api/v1/*', perCaller);
    app.use('/help/*', perCaller);
    if (options.helpPostRateLimit !== false) {
      const posts = rateLimit({
        requestsPerMinute: 30,
        burst: 10,
        trustProxy: options.rateLimit?.trustProxy ?? false,
        ...options.helpPostRateLimit,
      });
      app.post('/help/*', posts);
    }
  }
  app.use('/api/v1/*', refuseHostileInput());
  app.use('/help/*', refuseHostileInput());
  // Tracking requests carry the write key in Authorization, so each key has its own bucket.
  if (options.trackingRateLimit !== false) {
    app.use('/v1/*', rateLimit({ ...DEFAULT_TRACKING_RATE_LIMIT, ...options.trackingRateLimit }));
  }
  // The loyalty storefront (shops' pages, per token — else per address): the API's limit.
  if (options.rateLimit !== false) app.use('/storefront/*', rateLimit(options.rateLimit));

  // Survey pages are public (the signed token is the credential): each address has its own bucket.
  if (options.surveyRateLimit !== false) {
    const surveyLimit = rateLimit({ ...DEFAULT_SURVEY_RATE_LIMIT, ...options.surveyRateLimit });
    app.use('/s/*', async (c, next) => {
      try {
        return await surveyLimit(c, next);
      } catch (error) {
        // A browser gets a page (with Retry-After); a JSON caller the API's error body.
        const wantsJson = c.req.header('Content-Type')?.startsWith('application/json') ?? false;
        if (!(error instanceof RetainError && error.code === 'rate_limited') || wantsJson) throw error;
        c.header('Cache-Control', 'no-store');
        return c.html(rateLimitedSurveyPage(c.req.header('Accept-Language'), c.req.query('lang')), 429);
      }
    });
  }

  app.get('/api/health', (c) => c.json({ ok: true }));
  mountRoutes(app, {
    auth: {
      ...(options.loginThrottle === undefined ? {} : { loginThrottle: options.loginThrottle }),
      trustProxy: options.rateLimit ? (options.rateLimit.trustProxy ?? false) : false,
    },
    analytics,
    publicUrl: options.publicUrl,
    imports: {
      maxUploadBytes,
      ...(options.importFilesRetentionMs === undefined
        ? {}
        : { filesRetentionMs: options.importFilesRetentionMs }),
    },
  });

  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'A workspace API key (`retain key create`), sent as `Authorization: Bearer <key>`.',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: 'retain_session',
    description: 'The session cookie set by `POST /api/v1/auth/login`.',
  });
  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Retain API',
      version: API_VERSION,
      description:
        'Customer retention analytics and the data behind them. Every route is scoped to the caller’s workspace.',
      license: { name: 'MIT', url: 'https://spdx.org/licenses/MIT.html' },
    },
    // Relative: the server that serves this document, whatever address it is reached at.
    servers: [{ url: '/', description: 'This server' }],
    tags: [
      { name: 'Authentication', description: 'Sessions (people) and API keys (machines).' },
      { name: 'Workspace', description: 'The caller’s workspace and its settings.' },
      { name: 'Customers', description: 'Customers, orders, subscriptions and events, as stored.' },
      { name: 'Imports', description: 'CSV files imported in the background.' },
      { name: 'Privacy', description: 'Export and erasure of one customer’s data.' },
      { name: 'Analytics', description: 'Retention, cohorts, revenue, RFM, CLV and at-risk customers.' },
      { name: 'Segments', description: 'Saved rules over customers, their live members, and the preview.' },
      {
        name: 'Flows',
        description:
          'Automated journeys with a holdout: triggers, steps, runs, and the report with its uplift.',
      },
      {
        name: 'Loyalty',
        description: 'The points ledger (earn, redeem, adjust, history), the programme’s rules, coupons.',
      },
      { name: 'Feedback', description: 'CSAT, NPS and custom-form surveys, their answers and the report.' },
      { name: 'Tracking', description: 'Segment-compatible tracking calls, authenticated by the write key.' },
      {
        name: 'E-mail',
        description: 'The outbox, templates, test sends, settings, suppressions and consent.',
      },
      {
        name: 'Help centre',
        description: 'Articles, categories, sections and the report of the help centre.',
      },
      {
        name: 'Help centre (public)',
        description: 'The public help centre’s search, suggestions and deflections: no account needed.',
      },
    ],
    security: [{ apiKey: [] }, { session: [] }],
  });
  mountApiDocs(app as never);
  if (options.webRoot !== false) mountWebAssets(app, options.webRoot); // last: it answers every other GET
  return app;
}
