/**
 * The analytics behind `/api/v1/analytics/*`: reads the workspace's orders aggregated per
 * (customer, local day) in SQL (analytics.repository.ts) and feeds the pure core, so every number
 * is the one `retain analyze` prints for the same orders (the tests compare them field by field).
 */
import type { Kysely } from 'kysely';
import {
  type AtRiskExtraSignals,
  analyzeAtRisk,
  analyzeClv,
  analyzeSubscriptions,
  atRiskCustomer,
  type CohortKind,
  type CohortMeasure,
  clvSummaries,
  DAYS_PER_MONTH,
  type Granularity,
  histogram,
  historicalValue,
  instantFromLocal,
  isInvalidInputError,
  isSupportedDate,
  type OrderReportPart,
  type OrderReportParts,
  orderReportHeader,
  orderReportParts,
  type ReportOptions,
  type RetentionReport,
  RFM_SEGMENT_NAMES,
  rfm,
} from '../core/index.js';
import type { Database } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import { negativeFeedbackSignal } from '../feedback/index.js';
import { getWorkspace } from '../workspaces/workspace.repository.js';
import {
  customerLabels,
  type DataBounds,
  dataBounds,
  loadDayOrderTable,
  loadSubscriptionTable,
} from './analytics.repository.js';

/** The query every analytics endpoint takes (the options of `retain analyze`). */
export interface AnalyticsQuery {
  readonly period?: Granularity | undefined;
  /** First local date of the analysed range, `YYYY-MM-DD`. */
  readonly from?: string | undefined;
  /** Last local date of the analysed range, inclusive, `YYYY-MM-DD`. */
  readonly to?: string | undefined;
  readonly mode?: 'transactional' | 'subscription' | undefined;
  /** Activity window W in days; default the workspace's. */
  readonly windowDays?: number | undefined;
  /** Customer column (`country`, `language`, `time_zone`) or attribute key to break cohorts down by. */
  readonly by?: string | undefined;
  /** Cohorts: first-time (default) or recurring (metrics.md §3); read by the cohort endpoints. */
  readonly kind?: CohortKind | undefined;
  /** Cohort cells: classic (default) or rolling (metrics.md §3); read by the cohort endpoints. */
  readonly measure?: CohortMeasure | undefined;
  /** Gross margin (0–1) for value figures; default 1. */
  readonly margin?: number | undefined;
  /** The server's limits on what one analysis computes (default the core's, core/limits.ts). */
  readonly limits?: AnalyticsLimits | undefined;
}

/** The most periods and cohort cells one analysis may compute (docs/operations.md, "Limits"). */
export interface AnalyticsLimits {
  readonly maxPeriods?: number | undefined;
  readonly maxCohortCells?: number | undefined;
}

export interface PageQuery {
  readonly limit: number;
  readonly offset: number;
}

/** The resolved analysis: the workspace's calendar plus the query, as the core's options. */
export interface Analysis {
  readonly options: ReportOptions & {
    readonly period: Granularity;
    readonly timeZone: string;
    readonly windowDays: number;
  };
  readonly bounds: DataBounds;
  /** RFM's analysis instant, as in the report: `to`, else the last order's instant. */
  readonly dataEnd: number;
  /** Exclusive end of the data: `to`, else one millisecond after the last row. */
  readonly dataEndExclusive: number;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Midnight starting local date `value` in `timeZone` (`days` later when given). */
export function localMidnight(value: string, field: string, timeZone: string, days = 0): number {
  const match = DATE.exec(value);
  const invalid = () =>
    new RetainError('invalid_input', 'The request is not valid.', [
      {
        path: ['query', field],
        message: `Expected a calendar date YYYY-MM-DD from 1970-01-01 to 2100-12-31, got "${value}".`,
      },
    ]);
  if (!match || !isSupportedDate(value)) throw invalid();
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const probe = new Date(Date.UTC(year, month - 1, day + days));
  if (days === 0 && (probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day)) throw invalid();
  return instantFromLocal(
    { year: probe.getUTCFullYear(), month: probe.getUTCMonth() + 1, day: probe.getUTCDate() },
    timeZone,
  );
}

/** The core's report options for `query` in the workspace's calendar (`from`, `to` validated). */
export async function reportOptions(
  db: Kysely<Database>,
  workspaceId: number,
  query: AnalyticsQuery,
): Promise<Analysis['options']> {
  const workspace = await getWorkspace(db, workspaceId);
  if (!workspace) throw new RetainError('not_found', 'Workspace not found');
  const { timeZone, activityWindowDays, weekStart } = workspace.settings;
  const from = query.from === undefined ? undefined : localMidnight(query.from, 'from', timeZone);
  let to: number | undefined;
  if (query.to !== undefined) {
    localMidnight(query.to, 'to', timeZone); // validates the date itself
    to = localMidnight(query.to, 'to', timeZone, 1);
  }
  if (from !== undefined && to !== undefined && !(to > from)) {
    throw new RetainError('invalid_input', 'The request is not valid.', [
      { path: ['query', 'to'], message: `to (${query.to}) must not be before from (${query.from}).` },
    ]);
  }
  return {
    period: query.period ?? 'month',
    timeZone,
    weekStartsOn: weekStart,
    windowDays: query.windowDays ?? activityWindowDays,
    margin: query.margin ?? 1,
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(query.by !== undefined ? { by: query.by } : {}),
    ...(query.kind !== undefined ? { cohortKind: query.kind } : {}),
    ...(query.measure !== undefined ? { cohortMeasure: query.measure } : {}),
    ...(query.limits?.maxPeriods !== undefined ? { maxPeriods: query.limits.maxPeriods } : {}),
    ...(query.limits?.maxCohortCells !== undefined ? { maxCohortCells: query.limits.maxCohortCells } : {}),
  };
}

/** The transactional analysis of `query`: options, data bounds and end; 404 without orders. */
export async function resolve(
  db: Kysely<Database>,
  workspaceId: number,
  query: AnalyticsQuery,
): Promise<Analysis> {
  if (query.mode === 'subscription') {
    throw new RetainError('invalid_input', 'The request is not valid.', [
      {
        path: ['query', 'mode'],
        message:
          'Subscription mode is served by the retention, series, cohorts and mrr endpoints; use transactional here.',
      },
    ]);
  }
  const options = await reportOptions(db, workspaceId, query);
  const bounds = await dataBounds(db, workspaceId);
  if (!bounds) throw new RetainError('not_found', 'This workspace has no orders to analyse yet.');
  return {
    options,
    bounds,
    dataEnd: options.to ?? bounds.last,
    dataEndExclusive: options.to ?? bounds.last + 1,
  };
}

/**
 * The subscription report (`mode=subscription`, metrics.md §1–§4) over the workspace's stored
 * subscriptions, each over its paid coverage (`loadSubscriptionTable`): exactly what `retain
 * analyze --mode subscription` reports for the file they were imported from. Input errors from the
 * core (e.g. a bad `by`) become 400; a workspace without paid subscriptions, 404.
 * O(subscriptions × periods) in the core after one query.
 */
async function subscriptionReport(
  db: Kysely<Database>,
  workspaceId: number,
  query: AnalyticsQuery,
): Promise<RetentionReport> {
  const options = await reportOptions(db, workspaceId, query);
  const table = await loadSubscriptionTable(
    db,
    workspaceId,
    options.by === undefined ? {} : { attribute: options.by },
  );
  if (table.length === 0) {
    throw new RetainError('not_found', 'This workspace has no paid subscriptions to analyse yet.');
  }
  try {
    return analyzeSubscriptions(table, options);
  } catch (error) {
    if (isInvalidInputError(error)) {
      throw new RetainError('invalid_input', error.message, [
        { path: ['query', ...error.path], message: error.message },
      ]);
    }
    throw error;
  }
}

/** The report's header fields (what was analysed), as every report endpoint returns them. */
function reportHeader(report: RetentionReport) {
  const { mode, timeZone, period, dataStart, dataEnd } = report;
  return { mode, timeZone, period, dataStart, dataEnd };
}

/**
 * The parts of the core's order report (`orderReportParts`) each report endpoint computes: only
 * what it returns, each part exactly as `retain analyze` reports it.
 */
const REPORT_ENDPOINT_PARTS = {
  retention: ['retention'],
  series: ['retention'],
  cohorts: ['cohorts'],
} as const satisfies Record<string, readonly OrderReportPart[]>;

type ReportEndpoint = keyof typeof REPORT_ENDPOINT_PARTS;
type EndpointParts<Endpoint extends ReportEndpoint> = Required<
  Pick<OrderReportParts, (typeof REPORT_ENDPOINT_PARTS)[Endpoint][number]>
>;

/**
 * The report header and the parts `endpoint` returns, over the day-aggregated orders. Input errors
 * from the core (e.g. a bad `by`) become 400.
 */
async function reportParts<Endpoint extends ReportEndpoint>(
  db: Kysely<Database>,
  workspaceId: number,
  query: AnalyticsQuery,
  endpoint: Endpoint,
) {
  const analysis = await resolve(db, workspaceId, query);
  const parts: readonly OrderReportPart[] = REPORT_ENDPOINT_PARTS[endpoint];
  const table = await dayTable(db, workspaceId, analysis, { attribute: parts.includes('cohorts') });
  try {
    // orderReportParts returns every part it is asked for.
    const computed = orderReportParts(table, analysis.options, parts) as EndpointParts<Endpoint>;
    const { notes, ...header } = orderReportHeader(table, analysis.options);
    return { header, notes, parts: computed };
  } catch (error) {
    if (isInvalidInputError(error)) {
      throw new RetainError('invalid_input', error.message, [
        { path: ['query', ...error.path], message: error.message },
      ]);
    }
    throw error;
  }
}

/**
 * The workspace's orders per (customer, local day); `forRfm`: one row per order, before RFM's
 * analysis instant; `attribute`: with `by`'s value on every row, which only the cohort matrix reads
 * (loading it scans every customer).
 */
export async function dayTable(
  db: Kysely<Database>,
  workspaceId: number,
  analysis: Analysis,
  { forRfm = false, attribute = false } = {},
) {
  return loadDayOrderTable(db, workspaceId, {
    timeZone: analysis.options.timeZone,
    bounds: analysis.bounds,
    // RFM counts orders and reads only rows strictly before its analysis instant.
    ...(forRfm ? { expandOrderCounts: true, before: analysis.dataEnd } : {}),
    ...(attribute && analysis.options.by !== undefined ? { attribute: analysis.options.by } : {}),
  });
}

/**
 * Retention over the reported period (metrics.md §2): the range `from`–`to` when both are given,
 * else the last complete period — the `retention` field of `retain analyze --json`; with
 * `mode=subscription`, over the paid subscriptions (`--mode subscription`).
 * O(customer-days) after two grouped SQL scans.
 */
export async function retentionReport(db: Kysely<Database>, workspaceId: number, query: AnalyticsQuery) {
  if (query.mode === 'subscription') {
    const report = await subscriptionReport(db, workspaceId, query);
    return { ...reportHeader(report), retention: report.retention, notes: report.notes };
  }
  const { header, notes, parts } = await reportParts(db, workspaceId, query, 'retention');
  return { ...header, retention: parts.retention.retention, notes };
}

/** Retention over every complete period of the range (the `series` of `retain analyze`); `mode=subscription` too. */
export async function seriesReport(db: Kysely<Database>, workspaceId: number, query: AnalyticsQuery) {
  if (query.mode === 'subscription') {
    const report = await subscriptionReport(db, workspaceId, query);
    return { ...reportHeader(report), series: report.series, notes: report.notes };
  }
  const { header, notes, parts } = await reportParts(db, workspaceId, query, 'series');
  return { ...header, series: parts.retention.series, notes };
}

/**
 * The first-time classic cohort matrix with revenue (metrics.md §3), broken down by `by`; in
 * subscription mode the revenue cells hold the cohort's MRR.
 */
export async function cohortsReport(db: Kysely<Database>, workspaceId: number, query: AnalyticsQuery) {
  if (query.mode === 'subscription') {
    const report = await subscriptionReport(db, workspaceId, query);
    return { ...reportHeader(report), cohorts: report.cohorts, notes: report.notes };
  }
  const { header, notes, parts } = await reportParts(db, workspaceId, query, 'cohorts');
  return { ...header, cohorts: parts.cohorts, notes };
}

/**
 * MRR at the data's end and its movements, NRR and GRR by complete month (metrics.md §4): the `mrr`
 * of `retain analyze --mode subscription`, over the stored subscriptions (always subscription mode).
 */
export async function mrrReport(db: Kysely<Database>, workspaceId: number, query: AnalyticsQuery) {
  if (query.mode === 'transactional') {
    throw new RetainError('invalid_input', 'The request is not valid.', [
      {
        path: ['query', 'mode'],
        message: 'MRR is a subscription figure: leave mode out or use subscription.',
      },
    ]);
  }
  const report = await subscriptionReport(db, workspaceId, { ...query, mode: 'subscription' });
  return { ...reportHeader(report), mrr: report.mrr, notes: report.notes };
}

/**
 * RFM (metrics.md §6) as of the data's end: the segments exactly as `retain analyze` reports them,
 * and a page of scored customers (worst recency first is not implied: ordered by segment, then
 * monetary descending). Orders are expanded to one row each, as frequency counts orders.
 */
export async function rfmReport(
  db: Kysely<Database>,
  workspaceId: number,
  query: AnalyticsQuery,
  page: PageQuery,
) {
  const analysis = await resolve(db, workspaceId, query);
  const table = await dayTable(db, workspaceId, analysis, { forRfm: true });
  const scores = rfm(table, { asOf: analysis.dataEnd, timeZone: analysis.options.timeZone });
  const order = Array.from({ length: scores.length }, (_, position) => position).sort(
    (left, right) =>
      scores.segment[left]! - scores.segment[right]! ||
      scores.monetaryCents[right]! - scores.monetaryCents[left]!,
  );
  const pageRows = order.slice(page.offset, page.offset + page.limit);
  const labels = await customerLabels(
    db,
    workspaceId,
    pageRows.map((position) => table.customerIds[scores.customer[position]!]!),
  );
  return {
    asOf: new Date(scores.asOf).toISOString(),
    timeZone: analysis.options.timeZone,
    segments: scores.segments.map((segment) => ({
      name: segment.name,
      customers: segment.customers,
      revenue: segment.revenueCents / 100,
    })),
    customers: {
      total: scores.length,
      offset: page.offset,
      limit: page.limit,
      items: pageRows.map((position) => {
        const customerId = table.customerIds[scores.customer[position]!]!;
        return {
          customerId,
          externalId: labels.get(customerId)?.externalId ?? null,
          recencyDays: scores.recencyDays[position]!,
          frequency: scores.frequency[position]!,
          monetary: scores.monetaryCents[position]! / 100,
          r: scores.r[position]!,
          f: scores.f[position]!,
          m: scores.m[position]!,
          segment: RFM_SEGMENT_NAMES[scores.segment[position]!]!,
        };
      }),
    },
  };
}

export interface ClvQuery extends AnalyticsQuery {
  /** H in metrics.md §5 (default 12). */
  readonly horizonMonths?: number | undefined;
  /** d in metrics.md §5 (default 0.01). */
  readonly monthlyDiscountRate?: number | undefined;
}

const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

/**
 * `GET /analytics/clv`: the core's CLV analysis (`analyzeClv`, what `retain clv` computes) with
 * BG/NBD and Gamma-Gamma over the per-customer summaries (metrics.md §5; weeks, calibration ending
 * on the data's last local day, so no holdout), then historical value, the distribution of
 * predicted CLV and a page of customers by predicted CLV (highest first). The summaries come from
 * the day-aggregated orders, which is exact because purchase periods are local days. A fit that
 * fails is reported in `notes` with null predictions.
 */
export async function clvReport(db: Kysely<Database>, workspaceId: number, query: ClvQuery, page: PageQuery) {
  const analysis = await resolve(db, workspaceId, query);
  const table = await dayTable(db, workspaceId, analysis);
  const margin = analysis.options.margin ?? 1;
  const horizonMonths = query.horizonMonths ?? 12;
  const monthlyDiscountRate = query.monthlyDiscountRate ?? 0.01;
  const historical = historicalValue(table, { margin, asOf: analysis.dataEndExclusive });
  const { summaries } = clvSummaries(table, {
    calibrationEnd: analysis.dataEndExclusive - 1,
    timeUnit: 'week',
    timeZone: analysis.options.timeZone,
  });
  const analyzed = analyzeClv(summaries, {
    model: 'bgnbd',
    timeUnit: 'week',
    predictT: (horizonMonths * DAYS_PER_MONTH) / 7,
    horizonMonths,
    monthlyDiscountRate,
    margin,
  });
  const notes: string[] = [];
  const result = analyzed.ok ? analyzed.value : null;
  if (!analyzed.ok) notes.push(`${fitName(analyzed.error.fit)}: ${analyzed.error.issue.message}`);
  else for (const warning of analyzed.value.warnings) notes.push(`Gamma-Gamma: ${warning}`);
  const order = Array.from({ length: summaries.length }, (_, index) => index);
  const customers = result?.customers;
  if (customers && result.gammaGamma) {
    order.sort((left, right) => customers[right]!.clv! - customers[left]!.clv! || left - right);
  }
  const pageRows = order.slice(page.offset, page.offset + page.limit);
  const labels = await customerLabels(
    db,
    workspaceId,
    pageRows.map((index) => summaries.ids[index]!),
  );
  const clvValues = customers && result.gammaGamma ? customers.map((customer) => customer.clv!) : [];
  return {
    asOf: new Date(analysis.dataEndExclusive - 1).toISOString(),
    timeUnit: 'week' as const,
    horizonMonths,
    monthlyDiscountRate,
    margin,
    historical: {
      customers: historical.customers,
      total: historical.totalCents / 100,
      mean: historical.meanCents === null ? null : historical.meanCents / 100,
      median: historical.medianCents === null ? null : historical.medianCents / 100,
    },
    bgNbd: result ? { params: result.params, logLikelihood: finiteOrNull(result.logLikelihood) } : null,
    gammaGamma: result?.gammaGamma
      ? {
          params: { p: result.gammaGamma.p, q: result.gammaGamma.q, gamma: result.gammaGamma.gamma },
          repeatCustomers: result.gammaGamma.repeatCustomers,
          frequencyMonetaryCorrelation: result.gammaGamma.frequencyMonetaryCorrelation,
        }
      : null,
    // Cents: a bar narrower than a cent says nothing about money.
    distribution: histogram(clvValues, { bins: 20, minWidth: 0.01 }),
    customers: {
      total: summaries.length,
      offset: page.offset,
      limit: page.limit,
      items: pageRows.map((index) => {
        const customerId = summaries.ids[index]!;
        const customer = customers?.[index];
        return {
          customerId,
          externalId: labels.get(customerId)?.externalId ?? null,
          frequency: summaries.frequency[index]!,
          recencyWeeks: summaries.recency[index]!,
          ageWeeks: summaries.T[index]!,
          monetary: summaries.monetary[index]! / 100,
          probabilityAlive: customer ? finiteOrNull(customer.pAlive) : null,
          expectedPurchases: customer ? finiteOrNull(customer.expectedPurchases) : null,
          clv: customer && customer.clv !== null ? finiteOrNull(customer.clv) : null,
        };
      }),
    },
    notes,
  };
}

/** A fit's name as the notes spell it (`bgnbd` → `BG/NBD`). */
export function fitName(fit: string): string {
  const names: Record<string, string> = { bgnbd: 'BG/NBD', mbgnbd: 'MBG/NBD', paretonbd: 'Pareto/NBD' };
  return names[fit] ?? fit;
}

export interface AtRiskQuery extends AnalyticsQuery {
  /** h of the at-risk analysis: horizon of the expected purchases and learning window (default 90). */
  readonly horizonDays?: number | undefined;
}

/**
 * The feedback signal of the at-risk score (feedback/`negativeFeedbackSignal`), aligned with the
 * order table's customers: `undefined` for a workspace that collects no rated feedback, so its
 * scores stay exactly those of its order history. `until`: answers before it only (a report
 * with `to`).
 */
export async function feedbackExtraSignals(
  db: Kysely<Database>,
  workspaceId: number,
  customerIds: readonly string[],
  window: { readonly asOf: number; readonly until: number | undefined },
): Promise<AtRiskExtraSignals | undefined> {
  const signal = await negativeFeedbackSignal(db, workspaceId, window);
  if (!signal.supplied) return undefined;
  const negativeFeedback = new Uint8Array(customerIds.length);
  customerIds.forEach((id, row) => {
    if (signal.customers.has(id)) negativeFeedback[row] = 1;
  });
  return { negativeFeedback, negativeFeedbackDetails: signal.customers };
}

/**
 * `GET /analytics/at-risk`: the core's `analyzeAtRisk` — the same function, options and scores as
 * `retain at-risk` — as of the data's last local day (or `to`), with the `limit` customers most at
 * risk, their reasons, and how the weights and the model were chosen. Feedback, SLA and engagement
 * signals join (`extraSignals`) when those capabilities store them.
 */
export async function atRiskReport(
  db: Kysely<Database>,
  workspaceId: number,
  query: AtRiskQuery,
  limit: number,
) {
  const analysis = await resolve(db, workspaceId, query);
  const table = await dayTable(db, workspaceId, analysis);
  const extraSignals = await feedbackExtraSignals(db, workspaceId, table.customerIds, {
    asOf: analysis.dataEndExclusive - 1,
    until: query.to === undefined ? undefined : analysis.dataEndExclusive,
  });
  const analyzed = analyzeAtRisk(table, {
    asOf: analysis.dataEndExclusive - 1,
    timeZone: analysis.options.timeZone,
    ...(query.horizonDays === undefined ? {} : { horizonDays: query.horizonDays }),
    ...(extraSignals === undefined ? {} : { extraSignals }),
  });
  if (!analyzed.ok) throw new RetainError('not_found', analyzed.error.message);
  const result = analyzed.value;
  const top = Array.from(result.ranking.subarray(0, limit), (row) => atRiskCustomer(result, row));
  const labels = await customerLabels(
    db,
    workspaceId,
    top.map((customer) => customer.id),
  );
  const { typicalValueCents, ...reference } = result.reference;
  return {
    asOf: result.asOf,
    timeZone: result.timeZone,
    horizonDays: result.horizonDays,
    total: result.customers.length,
    model: result.model,
    weights: result.weights,
    reference: { ...reference, typicalValue: typicalValueCents === null ? null : typicalValueCents / 100 },
    evaluation: result.evaluation,
    customers: top.map(({ id, pAlive, ...customer }) => {
      const label = labels.get(id);
      return {
        customerId: id,
        externalId: label?.externalId ?? null,
        email: label?.email ?? null,
        name: label?.name ?? null,
        score: customer.score,
        reasons: customer.reasons,
        points: customer.points,
        expectedPurchases: customer.expectedPurchases,
        probabilityAlive: pAlive,
        daysSinceLastOrder: customer.daysSinceLastOrder,
        typicalGapDays: customer.typicalGapDays,
        purchaseDays: customer.purchaseDays,
        value: customer.value,
      };
    }),
    notes: result.notes,
  };
}
