/**
 * The retention report: everything `retain analyze` prints, as one plain object with stable,
 * documented field names (docs/cli.md). It only assembles the core's metrics — each number is
 * defined in docs/metrics.md — so the CLI, the API and the dashboard give identical results.
 */
import { historicalValue } from '../clv/historical-value.js';
import {
  type CohortKind,
  type CohortMatrix,
  type CohortMeasure,
  orderCohortMembers,
  orderCohorts,
  orderCohortsBy,
  subscriptionCohortMembers,
  subscriptionCohorts,
  subscriptionCohortsBy,
} from '../cohorts/index.js';
import type { OrderTable } from '../data/order-table.js';
import type { SubscriptionTable } from '../data/subscription-table.js';
import { InvalidInputError } from '../input-error.js';
import { orderMetrics } from '../orders/index.js';
import {
  type PeriodRetention,
  periodRetention,
  retentionSeries,
  subscriptionPeriodRetention,
  subscriptionRetentionSeries,
} from '../retention/index.js';
import { mrrAt, mrrMovements } from '../revenue/index.js';
import { rfm } from '../rfm/index.js';
import { type Granularity, PeriodGrid, type WeekStart } from '../time/periods.js';

export interface ReportOptions {
  /** Granularity of the retention period, the series and the cohorts. Default `month`. */
  readonly period?: Granularity;
  /** Start of the analysed range (an instant); default: the start of the data. */
  readonly from?: number;
  /** End of the analysed range (exclusive instant); default: the last order's instant. */
  readonly to?: number;
  readonly timeZone?: string;
  readonly weekStartsOn?: WeekStart;
  /** Transactional activity window W in days (metrics.md §1). Default 365. */
  readonly windowDays?: number;
  /** A customer attribute to break the cohort matrix down by (its value at acquisition). */
  readonly by?: string;
  /** Cohorts: `first-time` (default) or `recurring` (metrics.md §3). */
  readonly cohortKind?: CohortKind;
  /** Cohort cells: `classic` (default) or `rolling` (metrics.md §3). */
  readonly cohortMeasure?: CohortMeasure;
  /** Gross margin applied to value figures (0–1). Default 1. */
  readonly margin?: number;
  /** Most periods of the report's grid (default `MAX_PERIODS`, core/limits.ts). */
  readonly maxPeriods?: number;
  /** Most cells of its cohort matrices, breakdown included (default `MAX_COHORT_CELLS`). */
  readonly maxCohortCells?: number;
}

/** A cohort matrix in the report's JSON form. */
export interface ReportCohorts {
  readonly granularity: Granularity;
  readonly mode: 'transactional' | 'subscription';
  readonly kind: 'first-time' | 'recurring';
  readonly measure: 'classic' | 'rolling';
  readonly rows: readonly ReportCohortRow[];
  readonly average: { readonly rates: readonly (number | null)[]; readonly sizes: readonly number[] };
  /** Present with `by`: one matrix per attribute value. */
  readonly breakdown?: readonly {
    readonly attribute: string;
    readonly value: string;
    readonly rows: readonly ReportCohortRow[];
    readonly average: { readonly rates: readonly (number | null)[]; readonly sizes: readonly number[] };
  }[];
}

export interface ReportCohortRow {
  readonly cohort: string;
  readonly size: number;
  /** `counts[k]`: customers of the cohort active in period cohort + k; `null` once that period is incomplete. */
  readonly counts: readonly (number | null)[];
  /** Percentages 0–100, unrounded. */
  readonly rates: readonly (number | null)[];
  /** Net revenue of the cohort in period cohort + k, in currency units. */
  readonly revenue: readonly (number | null)[];
}

export interface RetentionReport {
  readonly mode: 'transactional' | 'subscription';
  readonly timeZone: string;
  readonly period: Granularity;
  /** ISO instants of the first row and of the data's end. */
  readonly dataStart: string;
  readonly dataEnd: string;
  /** Retention over the reported period; `null` when the data holds no complete period. */
  readonly retention: (PeriodRetention & { readonly from: string; readonly to: string }) | null;
  /** One entry per complete period of the analysed range. */
  readonly series: readonly (PeriodRetention & { readonly from: string; readonly to: string })[];
  readonly cohorts: ReportCohorts;
  readonly orders: ReportOrders | null;
  readonly rfm: ReportRfm | null;
  readonly clv: ReportClv;
  readonly mrr: ReportMrr | null;
  /** Sentences explaining anything the report could not compute. */
  readonly notes: readonly string[];
}

export interface ReportOrders {
  readonly customers: number;
  readonly orders: number;
  readonly refunds: number;
  readonly revenue: number;
  readonly averageOrderValue: number | null;
  readonly purchaseFrequency: number | null;
  readonly repeatPurchaseRate: number | null;
}

export interface ReportRfm {
  readonly asOf: string;
  readonly segments: readonly {
    readonly name: string;
    readonly customers: number;
    readonly revenue: number;
  }[];
}

export interface ReportClv {
  readonly margin: number;
  readonly historical: {
    readonly customers: number;
    readonly total: number;
    readonly mean: number | null;
    readonly median: number | null;
  };
}

export interface ReportMrr {
  /** MRR at the data's end, in currency units. */
  readonly current: number;
  readonly movements: readonly {
    readonly month: string;
    readonly mrrStart: number;
    readonly mrrEnd: number;
    readonly new: number;
    readonly expansion: number;
    readonly contraction: number;
    readonly churn: number;
    readonly reactivation: number;
    readonly nrr: number | null;
    readonly grr: number | null;
  }[];
}

const iso = (instant: number): string => new Date(instant).toISOString();
const units = (cents: number): number => cents / 100;
const unitsOrNull = (cents: number | null): number | null => (cents === null ? null : cents / 100);

interface Range {
  readonly dataStart: number;
  readonly dataEnd: number;
  readonly rangeStart: number;
}

function withDates(retention: PeriodRetention): PeriodRetention & { from: string; to: string } {
  return { ...retention, from: iso(retention.start), to: iso(retention.end) };
}

/** The complete periods of the analysed range, and the period the summary reports. */
function reportPeriods(range: Range, options: ReportOptions) {
  const period = options.period ?? 'month';
  const calendar = { timeZone: options.timeZone ?? 'UTC', weekStartsOn: options.weekStartsOn ?? 'monday' };
  const grid = PeriodGrid.covering(range.rangeStart, Math.max(range.dataEnd, range.rangeStart + 1), period, {
    ...calendar,
    ...(options.maxPeriods === undefined ? {} : { maxPeriods: options.maxPeriods }),
  });
  let completeCount = 0;
  while (completeCount < grid.count && grid.isComplete(completeCount, range.dataEnd)) completeCount++;
  return { grid, completeCount, period, calendar };
}

/** The cohort options of a report: its grid, its end, kind, measure and cell limit. */
function cohortOptionsOf(grid: PeriodGrid, dataEnd: number, options: ReportOptions) {
  return {
    grid,
    dataEnd,
    ...(options.cohortKind === undefined ? {} : { kind: options.cohortKind }),
    ...(options.cohortMeasure === undefined ? {} : { measure: options.cohortMeasure }),
    ...(options.maxCohortCells === undefined ? {} : { maxCells: options.maxCohortCells }),
  };
}

function cohortRows(matrix: CohortMatrix): ReportCohortRow[] {
  return matrix.rows.map((row) => ({
    cohort: row.cohort,
    size: row.size,
    counts: row.counts,
    rates: row.rates,
    revenue: row.revenueCents.map(unitsOrNull),
  }));
}

function cohortAverage(matrix: CohortMatrix) {
  return { rates: matrix.average.rates, sizes: matrix.average.sizes };
}

function cohortReport(
  matrix: CohortMatrix,
  breakdown?: { attribute: string; values: { value: string; matrix: CohortMatrix }[] },
): ReportCohorts {
  return {
    granularity: matrix.granularity,
    mode: matrix.mode,
    kind: matrix.kind,
    measure: matrix.measure,
    rows: cohortRows(matrix),
    average: cohortAverage(matrix),
    ...(breakdown
      ? {
          breakdown: breakdown.values.map(({ value, matrix: part }) => ({
            attribute: breakdown.attribute,
            value,
            rows: cohortRows(part),
            average: cohortAverage(part),
          })),
        }
      : {}),
  };
}

/**
 * Retention over the reported period: an explicit --from/--to range is itself that period;
 * otherwise the last complete one (`null` with none: `reportNotes` says why).
 */
function summaryRetention(
  options: ReportOptions,
  periods: ReturnType<typeof reportPeriods>,
  series: RetentionReport['series'],
  compute: (start: number, end: number, label: string) => PeriodRetention,
): RetentionReport['retention'] {
  if (options.from !== undefined && options.to !== undefined) {
    return withDates(compute(options.from, options.to, ''));
  }
  if (periods.completeCount === 0) return null;
  // The series' last row is that period's retention (the series is pinned to the single-period
  // definition by its property tests), so it is not computed a second time.
  return series[periods.completeCount - 1]!;
}

/** Sentences on what the report could not compute: no complete period to report. */
function reportNotes(options: ReportOptions, periods: ReturnType<typeof reportPeriods>): string[] {
  const explicitRange = options.from !== undefined && options.to !== undefined;
  if (explicitRange || periods.completeCount > 0) return [];
  return [
    `The data covers no complete ${periods.period}: choose a shorter --period or give --from and --to.`,
  ];
}

function dataRange(first: number, last: number, options: ReportOptions): Range {
  const dataEnd = options.to ?? last;
  return { dataStart: first, dataEnd, rangeStart: options.from ?? first };
}

/**
 * The parts of an order report that are computed separately: each is one or two passes over the
 * table and depends on no other part, so they can run on different threads (the CLI runs them on
 * two) and an API endpoint can compute only the one it returns. `analyzeOrders` computes them all.
 */
export const ORDER_REPORT_PARTS = ['retention', 'cohorts', 'orders', 'rfm', 'clv'] as const;
export type OrderReportPart = (typeof ORDER_REPORT_PARTS)[number];

/**
 * Computed parts of an order report, by name: plain data (numbers, strings, arrays), so a part can
 * be posted between threads as is. `retention` holds the summary and the series.
 */
export interface OrderReportParts {
  readonly retention?: {
    readonly retention: RetentionReport['retention'];
    readonly series: RetentionReport['series'];
  };
  readonly cohorts?: ReportCohorts;
  readonly orders?: ReportOrders;
  readonly rfm?: ReportRfm;
  readonly clv?: ReportClv;
}

/** What every part needs: the data's range and the report's periods. One pass over `orderedAt`. */
function orderReportFrame(orders: OrderTable, options: ReportOptions) {
  if (orders.length === 0) throw new InvalidInputError('There are no orders to analyse.');
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < orders.length; i++) {
    const at = orders.orderedAt[i]!;
    if (at < first) first = at;
    if (at > last) last = at;
  }
  const range = dataRange(first, last, options);
  return { range, periods: reportPeriods(range, options), timeZone: options.timeZone ?? 'UTC' };
}

/**
 * The named parts of the order report for `orders` (see `ORDER_REPORT_PARTS`), each exactly as
 * `analyzeOrders` reports it. O(rows) per part, plus the customers for the per-customer parts.
 *
 * Example: `orderReportParts(table, { period: 'month' }, ['rfm']).rfm?.segments`.
 */
export function orderReportParts(
  orders: OrderTable,
  options: ReportOptions,
  parts: readonly OrderReportPart[],
): OrderReportParts {
  const { range, periods, timeZone } = orderReportFrame(orders, options);
  const wanted = new Set(parts);
  const computed: {
    -readonly [Part in keyof OrderReportParts]: OrderReportParts[Part];
  } = {};
  if (wanted.has('retention')) {
    const windowDays = options.windowDays ?? 365;
    const series = retentionSeries(orders, { grid: periods.grid, windowDays })
      .slice(0, periods.completeCount)
      .map(withDates);
    const retention = summaryRetention(options, periods, series, (start, end, label) =>
      periodRetention(orders, { start, end, windowDays, timeZone, label }),
    );
    computed.retention = { retention, series };
  }
  if (wanted.has('cohorts')) {
    const cohortOptions = cohortOptionsOf(periods.grid, range.dataEnd, options);
    computed.cohorts = cohortReport(
      orderCohorts(orders, cohortOptions),
      options.by
        ? { attribute: options.by, values: orderCohortsBy(orders, options.by, cohortOptions) }
        : undefined,
    );
  }
  if (wanted.has('orders')) {
    const metrics = orderMetrics(orders, { from: range.rangeStart, to: nextInstant(range.dataEnd, options) });
    computed.orders = {
      customers: metrics.customers,
      orders: metrics.orders,
      refunds: metrics.refunds,
      revenue: units(metrics.netRevenueCents),
      averageOrderValue: unitsOrNull(metrics.averageOrderValueCents),
      purchaseFrequency: metrics.purchaseFrequency,
      repeatPurchaseRate: metrics.repeatPurchaseRate,
    };
  }
  if (wanted.has('rfm')) {
    const scores = rfm(orders, { asOf: range.dataEnd, timeZone });
    computed.rfm = {
      asOf: iso(scores.asOf),
      segments: scores.segments.map((segment) => ({
        name: segment.name,
        customers: segment.customers,
        revenue: units(segment.revenueCents),
      })),
    };
  }
  if (wanted.has('clv')) {
    const margin = options.margin ?? 1;
    const historical = historicalValue(orders, { margin, asOf: nextInstant(range.dataEnd, options) });
    computed.clv = {
      margin,
      historical: {
        customers: historical.customers,
        total: units(historical.totalCents),
        mean: unitsOrNull(historical.meanCents),
        median: unitsOrNull(historical.medianCents),
      },
    };
  }
  return computed;
}

/** The report's fields that belong to no part: what was analysed, and the notes. */
export type OrderReportHeader = Pick<
  RetentionReport,
  'mode' | 'timeZone' | 'period' | 'dataStart' | 'dataEnd' | 'notes'
>;

/**
 * The report's header for `orders` and `options`, exactly as `analyzeOrders` reports it. O(rows)
 * for the data's range. Example: `orderReportHeader(table, {}).dataEnd` → the last order's instant.
 */
export function orderReportHeader(orders: OrderTable, options: ReportOptions): OrderReportHeader {
  const { range, periods, timeZone } = orderReportFrame(orders, options);
  return {
    mode: 'transactional',
    timeZone,
    period: periods.period,
    dataStart: iso(range.dataStart),
    dataEnd: iso(range.dataEnd),
    notes: reportNotes(options, periods),
  };
}

/**
 * The full report from its parts (each from `orderReportParts` on the same table and options,
 * possibly on different threads). Throws when a part is missing. O(rows) for the data's range.
 */
export function assembleOrderReport(
  orders: OrderTable,
  options: ReportOptions,
  parts: OrderReportParts,
): RetentionReport {
  const { retention, cohorts, orders: orderSummary, rfm: segments, clv } = parts;
  if (!retention || !cohorts || !orderSummary || !segments || !clv) {
    const missing = ORDER_REPORT_PARTS.filter((part) => parts[part] === undefined);
    throw new RangeError(`The report is missing its ${missing.join(', ')} part(s).`);
  }
  const { notes, ...header } = orderReportHeader(orders, options);
  return {
    ...header,
    retention: retention.retention,
    series: retention.series,
    cohorts,
    orders: orderSummary,
    rfm: segments,
    clv,
    mrr: null,
    notes,
  };
}

/** The full report for a table of orders (transactional mode): every part, on this thread. */
export function analyzeOrders(orders: OrderTable, options: ReportOptions = {}): RetentionReport {
  return assembleOrderReport(orders, options, orderReportParts(orders, options, ORDER_REPORT_PARTS));
}

/**
 * Without `--to`, the data's end is the last order's instant and that order belongs to the data:
 * ranges that must include it end one millisecond later.
 */
function nextInstant(dataEnd: number, options: ReportOptions): number {
  return options.to === undefined ? dataEnd + 1 : dataEnd;
}

/** What the subscription report needs first: the data's range (starts and ends) and the periods. */
function subscriptionReportFrame(subscriptions: SubscriptionTable, options: ReportOptions) {
  if (subscriptions.length === 0) throw new InvalidInputError('There are no paid subscriptions to analyse.');
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < subscriptions.length; i++) {
    const started = subscriptions.startedAt[i]!;
    const ended = subscriptions.endedAt[i]!;
    if (started < first) first = started;
    if (started > last) last = started;
    if (Number.isFinite(ended) && ended > last) last = ended;
  }
  const range = dataRange(first, last, options);
  return { range, periods: reportPeriods(range, options), timeZone: options.timeZone ?? 'UTC' };
}

/** A cell of the report's cohort matrix, as the report labels it. */
export interface ReportCohortCell {
  /** The cohort's label, e.g. `1997-03` (a row's `cohort`). */
  readonly cohort: string;
  /** k: the cell's period is the cohort's + k (an index of the row's `counts`). */
  readonly age: number;
  /** With the report's `by`: the breakdown value whose matrix the cell is in; absent, the overall one. */
  readonly value?: string;
}

/** The cell's grid indexes and breakdown; throws `InvalidInputError` for an unknown cohort label. */
function reportCell(grid: PeriodGrid, options: ReportOptions, cell: ReportCohortCell) {
  const labels = grid.labels();
  const cohort = labels.indexOf(cell.cohort);
  if (cohort < 0) {
    throw new InvalidInputError(
      `Unknown cohort "${cell.cohort}": the matrix's cohorts are ${labels[0]} … ${labels[labels.length - 1]}.`,
      ['cohort'],
    );
  }
  if (cell.value !== undefined && options.by === undefined) {
    throw new InvalidInputError('A breakdown value needs the attribute it is a value of (by).', ['value']);
  }
  return {
    cohort,
    age: cell.age,
    ...(cell.value === undefined ? {} : { breakdown: { attribute: options.by!, value: cell.value } }),
  };
}

/**
 * The customers counted in one cell of the report's cohort matrix (`cohorts` of `analyzeOrders`
 * with the same options): their ids, in the table's customer order. As many as the cell's count.
 * Throws `InvalidInputError` for an unknown cohort, a cell outside the row or not complete (a
 * `null` count), and a value without `by`. O(rows) (see `orderCohortMembers`).
 *
 * Example: `orderCohortCellCustomers(table, { period: 'month' }, { cohort: '1997-01', age: 1 })`.
 */
export function orderCohortCellCustomers(
  orders: OrderTable,
  options: ReportOptions,
  cell: ReportCohortCell,
): string[] {
  const { range, periods } = orderReportFrame(orders, options);
  const members = orderCohortMembers(
    orders,
    cohortOptionsOf(periods.grid, range.dataEnd, options),
    reportCell(periods.grid, options, cell),
  );
  return Array.from(members, (customer) => orders.customerIds[customer]!);
}

/** `orderCohortCellCustomers` for the cohorts of `analyzeSubscriptions` (subscription mode). */
export function subscriptionCohortCellCustomers(
  subscriptions: SubscriptionTable,
  options: ReportOptions,
  cell: ReportCohortCell,
): string[] {
  const { range, periods } = subscriptionReportFrame(subscriptions, options);
  const members = subscriptionCohortMembers(
    subscriptions,
    cohortOptionsOf(periods.grid, range.dataEnd, options),
    reportCell(periods.grid, options, cell),
  );
  return Array.from(members, (customer) => subscriptions.customerIds[customer]!);
}

/** The full report for a table of paid subscriptions (subscription mode). */
export function analyzeSubscriptions(
  subscriptions: SubscriptionTable,
  options: ReportOptions = {},
): RetentionReport {
  const { range, periods, timeZone } = subscriptionReportFrame(subscriptions, options);

  const series = subscriptionRetentionSeries(subscriptions, { grid: periods.grid })
    .slice(0, periods.completeCount)
    .map(withDates);
  const retention = summaryRetention(options, periods, series, (start, end, label) =>
    subscriptionPeriodRetention(subscriptions, { start, end, label }),
  );

  const cohortOptions = cohortOptionsOf(periods.grid, range.dataEnd, options);
  const matrix = subscriptionCohorts(subscriptions, cohortOptions);
  const cohorts = cohortReport(
    matrix,
    options.by
      ? { attribute: options.by, values: subscriptionCohortsBy(subscriptions, options.by, cohortOptions) }
      : undefined,
  );

  const monthGrid = PeriodGrid.covering(
    range.rangeStart,
    Math.max(range.dataEnd, range.rangeStart + 1),
    'month',
    {
      timeZone,
      ...(options.maxPeriods === undefined ? {} : { maxPeriods: options.maxPeriods }),
    },
  );
  let completeMonths = 0;
  while (completeMonths < monthGrid.count && monthGrid.isComplete(completeMonths, range.dataEnd))
    completeMonths++;
  const movements =
    completeMonths === 0 ? [] : mrrMovements(subscriptions, monthGrid).slice(0, completeMonths);

  return {
    mode: 'subscription',
    timeZone,
    period: periods.period,
    dataStart: iso(range.dataStart),
    dataEnd: iso(range.dataEnd),
    retention,
    series,
    cohorts,
    orders: null,
    rfm: null,
    clv: { margin: options.margin ?? 1, historical: { customers: 0, total: 0, mean: null, median: null } },
    mrr: {
      current: units(mrrAt(subscriptions, range.dataEnd)),
      movements: movements.map((movement) => ({
        month: movement.label,
        mrrStart: units(movement.mrrStartCents),
        mrrEnd: units(movement.mrrEndCents),
        new: units(movement.newCents),
        expansion: units(movement.expansionCents),
        contraction: units(movement.contractionCents),
        churn: units(movement.churnCents),
        reactivation: units(movement.reactivationCents),
        nrr: movement.nrr,
        grr: movement.grr,
      })),
    },
    notes: reportNotes(options, periods),
  };
}
