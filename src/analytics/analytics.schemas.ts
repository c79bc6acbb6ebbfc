/**
 * The answers of the analytics endpoints the dashboard's Cohorts, Value and Subscriptions pages
 * read, field by field, so the OpenAPI document describes them and the dashboard's client is typed
 * from it (web/src/api/openapi.gen.ts). The services build these objects (analytics.service.ts,
 * cohort-customers.service.ts, clv-diagnostics.service.ts, survival.service.ts); docs/api.md says
 * what each field means.
 */
import { z } from '@hono/zod-openapi';

const computedAt = z.string().openapi({ description: 'When these numbers were computed (ISO 8601).' });
const granularity = z.enum(['day', 'week', 'month', 'quarter', 'year']);
const cohortKind = z.enum(['first-time', 'recurring']);
const cohortMeasure = z.enum(['classic', 'rolling']);
const nullableNumbers = z.array(z.number().nullable());

/** What every report endpoint starts with: what was analysed. */
const reportHeader = {
  computedAt,
  mode: z.enum(['transactional', 'subscription']),
  timeZone: z.string(),
  period: granularity,
  dataStart: z.string(),
  dataEnd: z.string(),
};

const CohortRowSchema = z
  .object({
    cohort: z.string().openapi({ description: 'The cohort period’s label, e.g. 1997-03' }),
    size: z.number(),
    counts: nullableNumbers.openapi({
      description: 'counts[k]: members active in period cohort + k; null once that period is incomplete',
    }),
    rates: nullableNumbers.openapi({ description: 'counts[k] / size × 100 (null: incomplete, or size 0)' }),
    revenue: nullableNumbers.openapi({ description: 'Net revenue (subscriptions: MRR), currency units' }),
  })
  .openapi('CohortRow');

const CohortAverageSchema = z.object({ rates: nullableNumbers, sizes: z.array(z.number()) });

export const CohortsAnswerSchema = z
  .object({
    ...reportHeader,
    cohorts: z.object({
      granularity,
      mode: z.enum(['transactional', 'subscription']),
      kind: cohortKind,
      measure: cohortMeasure,
      rows: z.array(CohortRowSchema),
      average: CohortAverageSchema,
      breakdown: z
        .array(
          z.object({
            attribute: z.string(),
            value: z.string(),
            rows: z.array(CohortRowSchema),
            average: CohortAverageSchema,
          }),
        )
        .optional()
        .openapi({ description: 'With `by`: one matrix per value at acquisition' }),
    }),
    notes: z.array(z.string()),
  })
  .openapi('Cohorts');

export const CohortCustomersAnswerSchema = z
  .object({
    computedAt,
    mode: z.enum(['transactional', 'subscription']),
    period: granularity,
    kind: cohortKind,
    measure: cohortMeasure,
    by: z.string().nullable(),
    value: z.string().nullable(),
    cohort: z.string(),
    age: z.number().int(),
    count: z.number().int().openapi({ description: 'The cell’s count: every page together lists this many' }),
    limit: z.number().int(),
    customers: z.array(
      z.object({
        customerId: z.string(),
        externalId: z.string().nullable(),
        email: z.string().nullable(),
        name: z.string().nullable(),
      }),
    ),
    nextCursor: z.string().nullable().openapi({ description: '`cursor` of the next page; null on the last' }),
  })
  .openapi('CohortCustomers');

export const MrrAnswerSchema = z
  .object({
    ...reportHeader,
    mrr: z
      .object({
        current: z.number().openapi({ description: 'MRR at the data’s end, currency units' }),
        movements: z.array(
          z.object({
            month: z.string(),
            mrrStart: z.number(),
            mrrEnd: z.number(),
            new: z.number(),
            expansion: z.number(),
            contraction: z.number(),
            churn: z.number(),
            reactivation: z.number(),
            nrr: z.number().nullable(),
            grr: z.number().nullable(),
          }),
        ),
      })
      .nullable(),
    notes: z.array(z.string()),
  })
  .openapi('Mrr');

export const ClvAnswerSchema = z
  .object({
    computedAt,
    asOf: z.string(),
    timeUnit: z.literal('week'),
    horizonMonths: z.number(),
    monthlyDiscountRate: z.number(),
    margin: z.number(),
    historical: z.object({
      customers: z.number(),
      total: z.number(),
      mean: z.number().nullable(),
      median: z.number().nullable(),
    }),
    bgNbd: z
      .object({ params: z.record(z.string(), z.number()), logLikelihood: z.number().nullable() })
      .nullable(),
    gammaGamma: z
      .object({
        params: z.object({ p: z.number(), q: z.number(), gamma: z.number() }),
        repeatCustomers: z.number(),
        frequencyMonetaryCorrelation: z.number().nullable(),
      })
      .nullable(),
    distribution: z
      .object({
        bins: z.array(
          z.object({
            from: z.number(),
            to: z.number().nullable().openapi({ description: 'null: the open-ended tail bin' }),
            count: z.number(),
          }),
        ),
        total: z.number(),
      })
      .openapi({ description: 'Histogram of predicted CLV over every customer with one' }),
    customers: z.object({
      total: z.number(),
      offset: z.number(),
      limit: z.number(),
      items: z.array(
        z.object({
          customerId: z.string(),
          externalId: z.string().nullable(),
          frequency: z.number(),
          recencyWeeks: z.number(),
          ageWeeks: z.number(),
          monetary: z.number(),
          probabilityAlive: z.number().nullable(),
          expectedPurchases: z.number().nullable(),
          clv: z.number().nullable(),
        }),
      ),
    }),
    notes: z.array(z.string()),
  })
  .openapi('Clv');

const transactionModel = z.enum(['bgnbd', 'mbgnbd', 'paretonbd']);

export const ClvDiagnosticsAnswerSchema = z
  .object({
    computedAt,
    timeZone: z.string(),
    timeUnit: z.literal('week'),
    calibrationEnd: z.string().openapi({ description: 'Last local day of the calibration period' }),
    observationEnd: z.string().openapi({ description: 'Last local day of the holdout period' }),
    holdoutWeeks: z.number(),
    customers: z.number().int().openapi({ description: 'Customers whose first order is in the calibration' }),
    model: transactionModel.nullable(),
    params: z.record(z.string(), z.number()).nullable().openapi({
      description: 'BG/NBD and MBG/NBD: r, alpha, a, b; Pareto/NBD: r, alpha, s, beta',
    }),
    logLikelihood: z.number().nullable(),
    gammaGamma: z
      .object({
        p: z.number(),
        q: z.number(),
        gamma: z.number().openapi({ description: 'In currency units' }),
        repeatCustomers: z.number(),
        frequencyMonetaryCorrelation: z.number().nullable(),
      })
      .nullable(),
    holdout: z
      .object({
        customers: z.number(),
        actual: z.number(),
        predicted: z.number(),
        mae: z.number(),
        rmse: z.number(),
      })
      .nullable(),
    byFrequency: z.array(
      z.object({
        frequency: z.union([z.number().int(), z.literal('7+')]).openapi({
          description: 'Repeat purchases in calibration: 0 … 6, then 7+',
        }),
        customers: z.number(),
        actualMean: z.number().nullable(),
        predictedMean: z.number().nullable(),
      }),
    ),
    selection: z
      .array(z.object({ model: transactionModel, mae: z.number().nullable(), error: z.string().optional() }))
      .nullable()
      .openapi({ description: 'With model=auto: each candidate’s holdout MAE' }),
    notes: z.array(z.string()),
  })
  .openapi('ClvDiagnostics');

export const SurvivalAnswerSchema = z
  .object({
    computedAt,
    asOf: z.string().openapi({ description: 'Last local day of data used' }),
    unit: z.enum(['day', 'month']),
    by: z.string().nullable(),
    groups: z.array(
      z.object({
        group: z.string(),
        customers: z.number(),
        churned: z.number(),
        censored: z.number(),
        medianLifetime: z.number().nullable(),
        medianLower: z.number().nullable(),
        medianUpper: z.number().nullable(),
        curve: z.array(
          z.object({
            time: z.number(),
            atRisk: z.number(),
            events: z.number(),
            censored: z.number(),
            survival: z.number(),
            lower: z.number(),
            upper: z.number(),
          }),
        ),
        sbg: z.union([
          z.object({
            alpha: z.number(),
            beta: z.number(),
            logLikelihood: z.number(),
            fittedMonths: z.number(),
            expectedLifetimeMonths: z.number().nullable(),
            projection: z.array(
              z.object({ month: z.number(), survival: z.number(), retentionRate: z.number() }),
            ),
          }),
          z.object({ error: z.string() }),
        ]),
      }),
    ),
  })
  .openapi('Survival');
