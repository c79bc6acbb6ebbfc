/**
 * `GET /api/v1/analytics/overview` (roles owner, admin, analyst, marketer): thin HTTP over
 * overview.service.ts. Unlike the report endpoints, its answer is described field by field in the
 * OpenAPI document, so the dashboard's client types are derived from it (web/src/api/).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { createRouter, requireRole } from '../http/index.js';
import { ANALYTICS_ERRORS, jsonText, localDateParameter } from './analytics.routes.js';
import { AnalyticsRunner } from './analytics-runner.js';

const OverviewQuerySchema = z.object({
  period: z.enum(['month', 'quarter', 'year']).optional().openapi({
    description: 'Size of the default period and of the trend lines’ periods (default month).',
  }),
  from: localDateParameter.optional().openapi({
    description: 'First local date of the range (with `to`); default the last complete period.',
  }),
  to: localDateParameter.optional().openapi({
    description: 'Last local date of the range, inclusive (with `from`).',
  }),
});

const rate = z.number().nullable();

const KpisSchema = z
  .object({
    crr: rate.openapi({ description: '(E − N) / S × 100; null when S = 0' }),
    S: z.number().int().openapi({ description: 'Customers active at the range’s start' }),
    E: z.number().int().openapi({ description: 'Customers active at the range’s end' }),
    N: z.number().int().openapi({ description: 'Customers acquired in the range' }),
    retentionRate: rate.openapi({ description: 'Retained / S × 100' }),
    churnRate: rate.openapi({ description: 'Churned / S × 100' }),
    activeCustomers: z.number().int().openapi({ description: 'E' }),
    newCustomers: z.number().int().openapi({ description: 'N' }),
    revenue: z.number().nullable().openapi({ description: 'Net revenue, currency units' }),
    orders: z.number().int().nullable(),
    averageOrderValue: z.number().nullable().openapi({ description: 'Gross revenue ÷ orders' }),
    repeatPurchaseRate: rate.openapi({ description: 'Percent of buyers with 2+ orders in the range' }),
    mrr: z.number().nullable().openapi({ description: 'MRR at the range’s end (subscriptions)' }),
    nrr: rate.openapi({ description: 'Net revenue retention over one whole period (subscriptions)' }),
    grr: rate.openapi({ description: 'Gross revenue retention over one whole period (subscriptions)' }),
    averagePredictedClv: z.number().nullable().openapi({ description: 'Mean 12-month predicted CLV' }),
    customersAtRisk: z.number().int().nullable().openapi({
      description: 'Active customers whose at-risk score is at least `atRiskThreshold`',
    }),
    revenueAtRisk: z.number().nullable().openapi({
      description: 'Their net revenue over the activity window before the range’s end',
    }),
  })
  .openapi('OverviewKpis');

const RangeSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    label: z.string().nullable(),
    complete: z.boolean(),
    kpis: KpisSchema,
  })
  .openapi('OverviewRange');

const OverviewSchema = z
  .object({
    computedAt: z.string().openapi({ description: 'When these numbers were computed (ISO 8601)' }),
    timeZone: z.string(),
    currency: z.string(),
    windowDays: z.number().int(),
    period: z.enum(['month', 'quarter', 'year']),
    mode: z.enum(['transactional', 'subscription']),
    dataStart: z.string(),
    dataEnd: z.string(),
    hasOrders: z.boolean(),
    hasSubscriptions: z.boolean(),
    atRiskThreshold: z.number(),
    current: RangeSchema,
    previous: RangeSchema.nullable(),
    trends: z.object({
      retention: z.array(
        z.object({
          label: z.string(),
          from: z.string(),
          to: z.string(),
          crr: rate,
          retentionRate: rate,
          churnRate: rate,
          S: z.number().int(),
          E: z.number().int(),
          N: z.number().int(),
        }),
      ),
      atRisk: z.array(
        z.object({ label: z.string(), to: z.string(), customersAtRisk: z.number().int().nullable() }),
      ),
    }),
    notes: z.array(z.string()),
  })
  .openapi('Overview');

const overviewRoute = createRoute({
  method: 'get',
  path: '/analytics/overview',
  operationId: 'getOverview',
  tags: ['Analytics'],
  summary: 'The dashboard overview: KPIs of a period and the one before, retention and at-risk trends',
  description:
    'Answered from the last computation while the workspace’s data and settings are unchanged. With `Cache-Control: max-stale` (or `max-stale=<seconds>`: computed at most that long ago) the last answer is sent at once even when the data changed since, with `Retain-Stale: true` and `Age`, while a fresh one is computed for the next request; without it the numbers are always fresh.',
  middleware: [requireRole('analyst', 'marketer')] as const,
  request: { query: OverviewQuerySchema },
  responses: {
    200: {
      description: 'The overview',
      headers: z.object({
        'Retain-Stale': z.literal('true').optional().openapi({
          description: 'Present when the answer was computed before the data’s latest change (max-stale).',
        }),
        Age: z.string().optional().openapi({
          description: 'With Retain-Stale: seconds since the answer was computed (its `computedAt`).',
        }),
      }),
      content: { 'application/json': { schema: OverviewSchema } },
    },
    ...ANALYTICS_ERRORS,
  },
});

/**
 * The staleness a request accepts, ms, from its `Cache-Control` header (RFC 9111 §5.2.1.2):
 * `max-stale` alone accepts any age (`Infinity`), `max-stale=N` answers computed at most N seconds
 * ago; absent or malformed, none (`undefined`).
 * Example: `maxStaleMs('no-cache, max-stale=600')` → 600000.
 */
export function maxStaleMs(cacheControl: string | undefined): number | undefined {
  for (const directive of (cacheControl ?? '').split(',')) {
    const [name, value] = directive.trim().split('=', 2) as [string, string | undefined];
    if (name.toLowerCase() !== 'max-stale') continue;
    if (value === undefined) return Number.POSITIVE_INFINITY;
    const seconds = value.replace(/^"(.*)"$/, '$1');
    return /^\d{1,10}$/.test(seconds) ? Number(seconds) * 1000 : undefined;
  }
  return undefined;
}

/** The overview router, mounted under `/api/v1`; computed by `runner` as the other analytics are. */
export function overviewRoutes(runner: AnalyticsRunner = new AnalyticsRunner()) {
  const router = createRouter();
  router.openapi(overviewRoute, async (c) => {
    const { db, now } = c.get('services');
    const query = c.req.valid('query');
    const instant = now();
    const answer = await runner.answerWith(
      {
        endpoint: 'overview',
        workspaceId: c.get('auth').workspaceId,
        // The default period spelled out: one key (and one kept answer) with or without it.
        query: { ...query, period: query.period ?? 'month' },
        now: instant,
      },
      { db, signal: c.req.raw.signal },
      // At 10 M orders a first overview takes longer than a request may wait: it is finished and
      // kept for the next request rather than cancelled (docs/benchmarks.md, "Overview at size").
      { maxStaleMs: maxStaleMs(c.req.header('cache-control')), now: instant, finishInBackground: true },
    );
    if (answer.stale) {
      c.header('Retain-Stale', 'true');
      c.header('Age', String(Math.max(0, Math.floor((instant - answer.computedAt) / 1000))));
    }
    return jsonText<z.infer<typeof OverviewSchema>>(c, answer.json);
  });
  return router;
}
