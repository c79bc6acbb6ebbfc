/**
 * `GET /api/v1/analytics/{retention,series,cohorts,mrr,rfm,clv,at-risk}`, and for the dashboard
 * `cohorts/customers`, `clv/diagnostics` and `survival`: thin HTTP over
 * analytics.service.ts, computed by an AnalyticsRunner (analytics-runner.ts). Query parameters
 * mirror `retain analyze` (docs/api.md, "Analytics").
 * Roles: owner, admin, analyst, marketer.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context, TypedResponse } from 'hono';
import type { JSONValue } from 'hono/utils/types';
import { isSupportedDate } from '../core/index.js';
import {
  type AppEnv,
  AUTHENTICATED_ERRORS,
  authenticatedErrors,
  createRouter,
  requireRole,
} from '../http/index.js';
import {
  ClvAnswerSchema,
  ClvDiagnosticsAnswerSchema,
  CohortCustomersAnswerSchema,
  CohortsAnswerSchema,
  MrrAnswerSchema,
  SurvivalAnswerSchema,
} from './analytics.schemas.js';
import type { AnalyticsJob } from './analytics-jobs.js';
import { AnalyticsRunner } from './analytics-runner.js';

/**
 * A local date query parameter: a calendar date `YYYY-MM-DD` from 1970-01-01 to 2100-12-31, the
 * dates Retain accepts (core/limits.ts; the probe's `from=0001-01-01&to=9999-12-31` ran for minutes).
 */
export const localDateParameter = z
  .string()
  .refine(isSupportedDate, `Expected a calendar date YYYY-MM-DD from 1970-01-01 to 2100-12-31.`)
  .openapi({ format: 'date', example: '2024-03-01' });

const AnalyticsQuerySchema = z.object({
  period: z.enum(['day', 'week', 'month', 'quarter', 'year']).optional().openapi({
    description: 'Granularity of the periods and cohorts (default month).',
  }),
  from: localDateParameter.optional().openapi({
    description: 'First local date of the analysed range (workspace time zone), 1970-01-01 to 2100-12-31.',
  }),
  to: localDateParameter.optional().openapi({
    description: 'Last local date of the analysed range, inclusive; default the last order.',
  }),
  mode: z.enum(['transactional', 'subscription']).optional().openapi({
    description:
      'transactional (orders, the default) or subscription (paid subscriptions: retention, series, cohorts and mrr only).',
  }),
  windowDays: z.coerce.number().int().positive().max(36_500).optional().openapi({
    description: 'Activity window W in days (default: the workspace setting, 365).',
  }),
  by: z.string().min(1).max(100).optional().openapi({
    description: 'Break cohorts down by a customer column (country, language, time_zone) or attribute key.',
  }),
  margin: z.coerce
    .number()
    .min(0)
    .max(1)
    .optional()
    .openapi({ description: 'Gross margin 0–1 (default 1).' }),
});

const PageSchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

const ClvQuerySchema = AnalyticsQuerySchema.extend(PageSchema.shape).extend({
  horizonMonths: z.coerce.number().int().min(0).max(120).optional(),
  monthlyDiscountRate: z.coerce.number().min(0).max(1).optional(),
});

const RfmQuerySchema = AnalyticsQuerySchema.extend(PageSchema.shape);
const AtRiskQuerySchema = AnalyticsQuerySchema.extend({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  horizonDays: z.coerce.number().int().min(1).max(3650).optional().openapi({
    description: 'Horizon of the expected purchases and length of the learning window, in days (default 90).',
  }),
});

const CohortOptionsSchema = z.object({
  kind: z.enum(['first-time', 'recurring']).optional().openapi({
    description:
      'first-time cohorts (default: each customer in the cohort of their acquisition) or recurring (in every active period).',
  }),
  measure: z.enum(['classic', 'rolling']).optional().openapi({
    description: 'classic cells (default: active in period c + k) or rolling (in c + k or any later period).',
  }),
});

const CohortsQuerySchema = AnalyticsQuerySchema.extend(CohortOptionsSchema.shape);

const CohortCustomersQuerySchema = CohortsQuerySchema.extend({
  cohort: z.string().min(1).max(32).openapi({
    description:
      'The cohort, as a row of the matrix labels it: 1997-03 (month), 1997-Q1 (quarter), or the first day of a day or week, 1997-03-03.',
    example: '1997-01',
  }),
  age: z
    .string()
    .regex(/^(0|[1-9][0-9]{0,4})$/, 'Expected a whole number from 0 (the cohort’s own period).')
    .transform(Number)
    .openapi({
      description: 'k: the cell of period cohort + k (the index in the row’s counts).',
      example: '0',
    }),
  value: z.string().max(200).optional().openapi({
    description: 'With `by`: the value whose breakdown matrix the cell is in (default the overall matrix).',
  }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, 'Expected the nextCursor of a previous page.')
    .optional()
    .openapi({ description: 'The previous page’s `nextCursor`.' }),
});

const ClvDiagnosticsQuerySchema = z.object({
  calibrationEnd: localDateParameter.optional().openapi({
    description: 'Last local day of the calibration period; default the day halfway through the data.',
  }),
  observationEnd: localDateParameter.optional().openapi({
    description: 'Last local day of the holdout period; default the last order’s day.',
  }),
  model: z.enum(['bgnbd', 'mbgnbd', 'paretonbd', 'auto']).optional().openapi({
    description: 'The transaction model (default bgnbd); auto: the lowest holdout MAE of the three.',
  }),
});

const SurvivalQuerySchema = z.object({
  to: localDateParameter.optional().openapi({
    description: 'Last local day of data used; default the day of the latest start or end.',
  }),
  unit: z
    .enum(['day', 'month'])
    .optional()
    .openapi({ description: 'Unit of the curve’s times (default month).' }),
  by: z.string().min(1).max(100).optional().openapi({
    description: 'Split the customers by a customer column (country, language, time_zone) or attribute key.',
  }),
});

/** The report documents are described in docs/api.md; the schema keeps them open. */
const ReportSchema = z.object({}).passthrough();

const ROLES = ['analyst', 'marketer'] as const;

/** The error responses of every analytics route (the overview's included). */
export const ANALYTICS_ERRORS = authenticatedErrors({
  403: 'Only owners, admins, analysts and marketers read analytics.',
  404: 'The workspace has no orders (with `mode=subscription`: no paid subscriptions) to analyse yet.',
  503: `${AUTHENTICATED_ERRORS[503]} Also when the answer took longer than \`RETAIN_ANALYTICS_TIMEOUT_SECONDS\` (60 s by default), queue included.`,
});

function analyticsRoute<Query extends z.ZodObject, Answer extends z.ZodType = typeof ReportSchema>(
  path: string,
  operationId: string,
  summary: string,
  query: Query,
  answer: Answer = ReportSchema as unknown as Answer,
) {
  return createRoute({
    method: 'get',
    path: `/analytics/${path}`,
    operationId,
    tags: ['Analytics'],
    summary,
    middleware: [requireRole(...ROLES)] as const,
    request: { query },
    responses: {
      200: { description: summary, content: { 'application/json': { schema: answer } } },
      ...ANALYTICS_ERRORS,
    },
  });
}

/**
 * The JSON text of an answer, sent exactly as `c.json(answer)` sends the object (same body, same
 * `Content-Type`), typed as the route's documented JSON answer.
 */
export function jsonText<Answer = Record<string, JSONValue>>(c: Context<AppEnv>, json: string) {
  return c.body(json, 200, { 'Content-Type': 'application/json' }) as unknown as TypedResponse<
    Answer,
    200,
    'json'
  >;
}

/**
 * The analytics router, mounted under `/api/v1`. Each handler validates and checks the role here,
 * then has `runner` compute the answer (in its worker pool, off this thread: analytics-runner.ts)
 * and sends the JSON text it gets back. Without a runner, answers are computed inline.
 */
export function analyticsRoutes(runner: AnalyticsRunner = new AnalyticsRunner()) {
  const router = createRouter();
  const answer = (c: Context<AppEnv>, job: DistributiveOmit<AnalyticsJob, 'workspaceId'>) =>
    runner.answer(
      { ...job, workspaceId: c.get('auth').workspaceId, now: c.get('services').now() } as AnalyticsJob,
      {
        db: c.get('services').db,
        signal: c.req.raw.signal,
      },
    );

  router.openapi(
    analyticsRoute(
      'retention',
      'getRetention',
      'Retention over the reported period (CRR and its decomposition)',
      AnalyticsQuerySchema,
    ),
    async (c) => jsonText(c, await answer(c, { endpoint: 'retention', query: c.req.valid('query') })),
  );
  router.openapi(
    analyticsRoute(
      'series',
      'getRetentionSeries',
      'Retention for every complete period of the range',
      AnalyticsQuerySchema,
    ),
    async (c) => jsonText(c, await answer(c, { endpoint: 'series', query: c.req.valid('query') })),
  );
  router.openapi(
    analyticsRoute(
      'cohorts',
      'getCohorts',
      'Cohort retention matrix with revenue',
      CohortsQuerySchema,
      CohortsAnswerSchema,
    ),
    async (c) =>
      jsonText<z.infer<typeof CohortsAnswerSchema>>(
        c,
        await answer(c, { endpoint: 'cohorts', query: c.req.valid('query') }),
      ),
  );
  router.openapi(
    analyticsRoute(
      'mrr',
      'getMrr',
      'MRR and its monthly movements, NRR and GRR (subscriptions)',
      AnalyticsQuerySchema,
      MrrAnswerSchema,
    ),
    async (c) =>
      jsonText<z.infer<typeof MrrAnswerSchema>>(
        c,
        await answer(c, { endpoint: 'mrr', query: c.req.valid('query') }),
      ),
  );
  router.openapi(
    analyticsRoute('rfm', 'getRfm', 'RFM segments and a page of scored customers', RfmQuerySchema),
    async (c) => {
      const { limit, offset, ...query } = c.req.valid('query');
      return jsonText(c, await answer(c, { endpoint: 'rfm', query, page: { limit, offset } }));
    },
  );
  router.openapi(
    analyticsRoute(
      'clv',
      'getClv',
      'BG/NBD + Gamma-Gamma parameters, the CLV distribution and per-customer CLV',
      ClvQuerySchema,
      ClvAnswerSchema,
    ),
    async (c) => {
      const { limit, offset, ...query } = c.req.valid('query');
      return jsonText<z.infer<typeof ClvAnswerSchema>>(
        c,
        await answer(c, { endpoint: 'clv', query, page: { limit, offset } }),
      );
    },
  );
  router.openapi(
    analyticsRoute('at-risk', 'getAtRisk', 'Customers most at risk, with the reasons', AtRiskQuerySchema),
    async (c) => {
      const { limit, ...query } = c.req.valid('query');
      return jsonText(c, await answer(c, { endpoint: 'at-risk', query, limit }));
    },
  );

  // The dashboard's Cohorts, Value and Subscriptions pages (issue 11).
  router.openapi(
    analyticsRoute(
      'cohorts/customers',
      'listCohortCustomers',
      'The customers counted in one cell of the cohort matrix, a page at a time',
      CohortCustomersQuerySchema,
      CohortCustomersAnswerSchema,
    ),
    async (c) => {
      const { limit, cursor, ...query } = c.req.valid('query');
      const page = { limit, ...(cursor === undefined ? {} : { cursor }) };
      return jsonText<z.infer<typeof CohortCustomersAnswerSchema>>(
        c,
        await answer(c, { endpoint: 'cohort-customers', query, page }),
      );
    },
  );
  router.openapi(
    analyticsRoute(
      'clv/diagnostics',
      'getClvDiagnostics',
      'The CLV model on a calibration period against the holdout period that follows',
      ClvDiagnosticsQuerySchema,
      ClvDiagnosticsAnswerSchema,
    ),
    async (c) =>
      jsonText<z.infer<typeof ClvDiagnosticsAnswerSchema>>(
        c,
        await answer(c, { endpoint: 'clv-diagnostics', query: c.req.valid('query') }),
      ),
  );
  router.openapi(
    analyticsRoute(
      'survival',
      'getSurvival',
      'How long customers keep paying: Kaplan–Meier and the shifted-beta-geometric fit (subscriptions)',
      SurvivalQuerySchema,
      SurvivalAnswerSchema,
    ),
    async (c) =>
      jsonText<z.infer<typeof SurvivalAnswerSchema>>(
        c,
        await answer(c, { endpoint: 'survival', query: c.req.valid('query') }),
      ),
  );
  return router;
}

/** `Omit` applied to each member of a union. */
export type DistributiveOmit<Type, Key extends PropertyKey> = Type extends unknown ? Omit<Type, Key> : never;
