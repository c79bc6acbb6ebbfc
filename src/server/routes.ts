/**
 * The one list of what the API serves. Each capability owns its routes (`<name>.routes.ts`, built
 * with `createRouter()` from src/http) and is mounted here, in this order.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { type AnalyticsRunner, analyticsRoutes, overviewRoutes } from '../analytics/index.js';
import { type AuthRoutesOptions, apiKeyRoutes, authenticate, authRoutes, userRoutes } from '../auth/index.js';
import { customerRoutes } from '../customers/index.js';
import { emailPublicRoutes, emailRoutes } from '../email/index.js';
import {
  type FeedbackRoutesOptions,
  feedbackRoutes,
  storefrontSurveyRoutes,
  surveyPageRoutes,
} from '../feedback/index.js';
import { afterSurveyAnswerLogged, flowRoutes } from '../flows/index.js';
import { helpPublicRoutes, helpRoutes } from '../help/index.js';
import type { AppEnv } from '../http/index.js';
import { type ImportRoutesOptions, importPreviewRoutes, importRoutes } from '../imports/index.js';
import {
  couponRoutes,
  loyaltyRoutes,
  referralRoutes,
  rewardRoutes,
  storefrontRoutes,
  tierRoutes,
} from '../loyalty/index.js';
import { privacyRoutes } from '../privacy/index.js';
import { segmentRoutes } from '../segments/index.js';
import { trackingRoutes } from '../tracking/index.js';
import { workspaceRoutes } from '../workspaces/index.js';

export function mountRoutes(
  app: OpenAPIHono<AppEnv>,
  options: {
    auth?: AuthRoutesOptions;
    analytics?: AnalyticsRunner;
    imports?: ImportRoutesOptions;
    /** `RETAIN_PUBLIC_URL`: the origin of the public help centre's links (default: each request's). */
    publicUrl?: string | undefined;
    feedback?: FeedbackRoutesOptions;
  } = {},
): void {
  // Every /api/v1 route needs a session or an API key, except the login route (PUBLIC_PATHS).
  app.use('/api/v1/*', authenticate());
  app.route('/api/v1', authRoutes(options.auth));
  app.route('/api/v1', apiKeyRoutes());
  app.route('/api/v1', userRoutes());
  app.route('/api/v1', workspaceRoutes());
  app.route('/api/v1', customerRoutes());
  app.route('/api/v1', importPreviewRoutes());
  app.route('/api/v1', importRoutes(options.imports));
  app.route('/api/v1', privacyRoutes());
  app.route('/api/v1', analyticsRoutes(options.analytics));
  app.route('/api/v1', overviewRoutes(options.analytics));
  app.route('/api/v1', segmentRoutes());
  app.route('/api/v1', emailRoutes());
  app.route('/api/v1', flowRoutes());
  app.route('/api/v1', loyaltyRoutes());
  app.route('/api/v1', couponRoutes());
  app.route('/api/v1', tierRoutes());
  app.route('/api/v1', rewardRoutes());
  app.route('/api/v1', referralRoutes());
  app.route('/api/v1', helpRoutes({ publicUrl: options.publicUrl }));
  app.route('/api/v1', feedbackRoutes(options.feedback));
  app.route('/', trackingRoutes());
  // What recipients reach from a message (unsubscribe, open pixel, click): signed tokens, no login.
  app.route('/', emailPublicRoutes());
  // Public, no account: the help centre's pages and its search, suggestions and deflections.
  app.route(
    '/',
    helpPublicRoutes({ publicUrl: options.publicUrl, trustProxy: options.auth?.trustProxy ?? false }),
  );
  // The public survey page: the signed token in its path is the credential (no /api/v1 auth).
  // A logged answer brings the flows' tick forward and schedules the prune of the answer log
  // (feedback cannot import flows: handed in here).
  app.route('/', surveyPageRoutes({ afterAnswerLogged: afterSurveyAnswerLogged }));
  // Customer-facing, authenticated by a storefront token (not an API key): outside /api/v1.
  app.route('/', storefrontRoutes());
  // The survey widget of the storefront, with the same token.
  app.route('/', storefrontSurveyRoutes({ afterAnswerLogged: afterSurveyAnswerLogged }));
}
