/**
 * `GET /api/v1/analytics/overview`: the dashboard's first screen in one call — the KPIs of a chosen
 * period beside those of the period before, and the trend lines of retention and of the at-risk
 * count. Every figure is one the other analytics endpoints (or `retain analyze`) give for the same
 * range, computed by the same core functions from the same day-aggregated rows
 * (overview.service.test.ts compares them on SQLite and PostgreSQL); docs/api.md, "Overview".
 */
import type { Kysely } from 'kysely';
import {
  addLocalDays,
  addPeriods,
  analyzeAtRisk,
  analyzeSubscriptions,
  BgNbd,
  customerLifetimeValue,
  fitSampleOf,
  GammaGamma,
  instantFromLocal,
  isSupportedDate,
  localDayNumber,
  mrrMovements,
  type OrderTable,
  orderReportParts,
  PeriodGrid,
  type PeriodRetention,
  periodLabel,
  periodStart,
  type SubscriptionTable,
  summarizeColumns,
  type WeekStart,
} from '../core/index.js';
import type { Database } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import { getWorkspace } from '../workspaces/workspace.repository.js';
import { dataBounds, loadDayOrderTable, loadSubscriptionTable } from './analytics.repository.js';
import { analyticsVersion } from './overview.repository.js';

/** The period sizes the overview offers (a custom range is `from`–`to`). */
export type OverviewPeriod = 'month' | 'quarter' | 'year';

export interface OverviewQuery {
  /** Size of the default period and of the trend lines' periods; default `month`. */
  readonly period?: OverviewPeriod | undefined;
  /** First local date of the range, `YYYY-MM-DD` (with `to`); default the last complete period. */
  readonly from?: string | undefined;
  /** Last local date of the range, inclusive (with `from`). */
  readonly to?: string | undefined;
}

/**
 * A customer is counted **at risk** at an instant when their at-risk score (the at-risk endpoint's,
 * metrics.md §7) is at least this — half of the score's range — and they are still active (an
 * order in the activity window): a customer already lapsed is lost, not at risk.
 */
export const AT_RISK_THRESHOLD = 50;
/** At most this many periods in the retention trend (the latest ones). */
export const RETENTION_TREND_PERIODS = 24;
/** At most this many points in the at-risk trend (each fits the model as of its date). */
export const AT_RISK_TREND_PERIODS = 12;
/** Horizon and discount rate of the average predicted CLV: the clv endpoint's defaults. */
const CLV_HORIZON_MONTHS = 12;
const CLV_MONTHLY_DISCOUNT_RATE = 0.01;

/** The KPIs of one range; `null` where a figure is undefined or the data to compute it is missing. */
export interface OverviewKpis {
  /** (E − N) / S × 100 (metrics.md §2). */
  readonly crr: number | null;
  readonly S: number;
  readonly E: number;
  readonly N: number;
  readonly retentionRate: number | null;
  readonly churnRate: number | null;
  /** Customers active at the range's end (= E). */
  readonly activeCustomers: number;
  /** Customers acquired in the range (= N). */
  readonly newCustomers: number;
  /** Net revenue of the range's orders and refunds, in currency units (metrics.md §7). */
  readonly revenue: number | null;
  readonly orders: number | null;
  readonly averageOrderValue: number | null;
  readonly repeatPurchaseRate: number | null;
  /** MRR at the range's end, currency units (subscriptions only). */
  readonly mrr: number | null;
  /** Net / gross revenue retention over the range when it is one whole period (subscriptions only). */
  readonly nrr: number | null;
  readonly grr: number | null;
  /** Mean predicted CLV over the customers with an order, as of the range's end (12 months, 1 %/month). */
  readonly averagePredictedClv: number | null;
  /** Active customers with an at-risk score ≥ AT_RISK_THRESHOLD at the range's end. */
  readonly customersAtRisk: number | null;
  /** Their net revenue over the activity window before the range's end, currency units. */
  readonly revenueAtRisk: number | null;
}

export interface OverviewRange {
  /** First and last local dates (inclusive). */
  readonly from: string;
  readonly to: string;
  /** `2024-03`, `2024-Q1`, `2024` when the range is one whole period, else `null`. */
  readonly label: string | null;
  /** False when the range ends after the data's last day (its figures may still change). */
  readonly complete: boolean;
  readonly kpis: OverviewKpis;
}

interface Calendar {
  readonly timeZone: string;
  readonly weekStartsOn: WeekStart;
  readonly windowDays: number;
}

interface Data {
  /** Orders and refunds, one row per order (day-aggregated amounts); `null` without orders. */
  readonly orders: OrderTable | null;
  readonly subscriptions: SubscriptionTable;
  /** First and last instant of the data (orders, refunds, else subscriptions). */
  readonly first: number;
  readonly last: number;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

function invalid(field: string, message: string): RetainError {
  return new RetainError('invalid_input', 'The request is not valid.', [{ path: ['query', field], message }]);
}

/** Local midnight starting `value` (`YYYY-MM-DD`) in `timeZone`, validating the calendar date. */
function localMidnight(value: string, field: string, timeZone: string): number {
  const match = DATE.exec(value);
  const [year, month, day] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (!match || !isSupportedDate(value) || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) {
    throw invalid(
      field,
      `Expected a calendar date YYYY-MM-DD from 1970-01-01 to 2100-12-31, got "${value}".`,
    );
  }
  return instantFromLocal({ year, month, day }, timeZone);
}

/** The local date `YYYY-MM-DD` of `instant`. */
function localDate(instant: number, timeZone: string): string {
  return new Date(localDayNumber(instant, timeZone) * DAY_MS).toISOString().slice(0, 10);
}

/** The last local date of the half-open range ending at `end` (a local midnight). */
function lastDate(end: number, timeZone: string): string {
  return localDate(addLocalDays(end, -1, timeZone), timeZone);
}

/** How many whole periods of `period` `[start, end)` is, or `null` when it is not aligned on them. */
function wholePeriods(start: number, end: number, period: OverviewPeriod, calendar: Calendar): number | null {
  if (periodStart(start, period, calendar) !== start) return null;
  let count = 0;
  for (let boundary = start; boundary < end; count++) {
    boundary = addPeriods(start, period, count + 1, calendar);
    if (boundary > end) return null;
  }
  return count;
}

/**
 * The range before `[start, end)`: as many whole periods when it is whole periods of `period`,
 * else as many local days.
 */
function previousRange(start: number, end: number, period: OverviewPeriod, calendar: Calendar) {
  const periods = wholePeriods(start, end, period, calendar);
  if (periods !== null) return { start: addPeriods(start, period, -periods, calendar), end: start };
  const days = localDayNumber(end, calendar.timeZone) - localDayNumber(start, calendar.timeZone);
  return { start: addLocalDays(start, -days, calendar.timeZone), end: start };
}

/** The last complete period of `period` in the data, else the one holding its last instant. */
function defaultRange(data: Data, period: OverviewPeriod, calendar: Calendar) {
  const grid = PeriodGrid.covering(data.first, Math.max(data.last, data.first + 1), period, calendar);
  let complete = 0;
  while (complete < grid.count && grid.isComplete(complete, data.last)) complete++;
  const index = complete > 0 ? complete - 1 : grid.count - 1;
  return { start: grid.start(index), end: grid.end(index) };
}

/** How long the last data loaded is kept for the next overview of the same version. */
const DATA_KEPT_MS = 120_000;
/** The last data loaded: one entry (a large workspace's table is hundreds of MB), by version. */
let lastData: { readonly version: string; readonly data: Promise<Data>; timer: NodeJS.Timeout } | null = null;

/**
 * `loadData`, shared with the overviews of the same data version that follow within
 * `DATA_KEPT_MS` — the refresh job's month, quarter and year, a dashboard switching periods — so
 * the workspace's orders are read once for them (25 s for 10 M orders on SQLite). `version`
 * covers the settings, the time zone included.
 */
function sharedData(db: Kysely<Database>, workspaceId: number, timeZone: string, version: string) {
  if (lastData?.version === version) {
    lastData.timer.refresh();
    return lastData.data;
  }
  if (lastData !== null) clearTimeout(lastData.timer);
  const data = loadData(db, workspaceId, timeZone);
  const entry = {
    version,
    data,
    timer: setTimeout(() => {
      if (lastData === entry) lastData = null;
    }, DATA_KEPT_MS).unref(),
  };
  lastData = entry;
  data.catch(() => {
    if (lastData === entry) {
      clearTimeout(entry.timer);
      lastData = null;
    }
  });
  return data;
}

async function loadData(db: Kysely<Database>, workspaceId: number, timeZone: string): Promise<Data> {
  const bounds = await dataBounds(db, workspaceId);
  const subscriptions = await loadSubscriptionTable(db, workspaceId);
  if (!bounds && subscriptions.length === 0) {
    throw new RetainError('not_found', 'This workspace has no orders or paid subscriptions to analyse yet.');
  }
  if (bounds) {
    // One row per order (RFM's expansion): the order count and repeat-purchase rate count orders,
    // and every other figure depends on orders only through their local day and amounts.
    const orders = await loadDayOrderTable(db, workspaceId, { timeZone, bounds, expandOrderCounts: true });
    return { orders, subscriptions, first: bounds.first, last: bounds.last };
  }
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (let row = 0; row < subscriptions.length; row++) {
    first = Math.min(first, subscriptions.startedAt[row]!);
    const ended = subscriptions.endedAt[row]!;
    last = Math.max(last, subscriptions.startedAt[row]!, Number.isFinite(ended) ? ended : 0);
  }
  return { orders: null, subscriptions, first, last };
}

/** Retention over `[start, end)`: the retention endpoint's figure for `from`–`to`. */
function rangeRetention(
  data: Data,
  start: number,
  end: number,
  period: OverviewPeriod,
  calendar: Calendar,
): PeriodRetention {
  const options = { ...calendar, period, from: start, to: end };
  const retention = data.orders
    ? orderReportParts(data.orders, options, ['retention']).retention!.retention
    : analyzeSubscriptions(data.subscriptions, options).retention;
  return retention!;
}

/**
 * BG/NBD and Gamma-Gamma fitted as the clv endpoint fits them, calibration ending just before
 * `end`, on the deterministic sample of at most `DEFAULT_FIT_SAMPLE_CUSTOMERS` customers
 * (`fitSampleOf`; all of them below it), to predict every customer.
 */
function fitModels(orders: OrderTable, end: number, timeZone: string) {
  const summary = summarizeColumns(orders, { calibrationEnd: end - 1, timeUnit: 'week', timeZone });
  if (summary.length === 0) return null;
  const { fitted } = fitSampleOf(summary);
  const transactions = BgNbd.fit(fitted);
  let spenders = 0;
  for (let index = 0; index < fitted.length; index++) {
    if (fitted.frequency[index]! > 0 && fitted.monetary[index]! > 0) spenders++;
  }
  const frequency = new Float64Array(spenders);
  const monetary = new Float64Array(spenders);
  for (let index = 0, next = 0; index < fitted.length; index++) {
    if (!(fitted.frequency[index]! > 0 && fitted.monetary[index]! > 0)) continue;
    frequency[next] = fitted.frequency[index]!;
    monetary[next] = fitted.monetary[index]!;
    next++;
  }
  const spend = GammaGamma.fit({ length: spenders, frequency, recency: frequency, T: frequency, monetary });
  return { summary, transactions, spend };
}

/** Mean predicted CLV (currency units) over the customers with an order before `end`. */
function averagePredictedClv(models: ReturnType<typeof fitModels>): number | null {
  if (!models?.transactions.ok || !models.spend.ok) return null;
  const values = customerLifetimeValue(models.transactions.value, models.spend.value, models.summary, {
    horizonMonths: CLV_HORIZON_MONTHS,
    monthlyDiscountRate: CLV_MONTHLY_DISCOUNT_RATE,
    margin: 1,
    timeUnit: 'week',
  });
  let sum = 0;
  let count = 0;
  for (const value of values) {
    if (!Number.isFinite(value)) continue;
    sum += value;
    count++;
  }
  return count === 0 ? null : sum / count / 100;
}

/**
 * The customers at risk at `end` and their net revenue over the activity window before it: the
 * active customers (an order in the W local days before `end`, metrics.md §1) whose at-risk score
 * is at least `AT_RISK_THRESHOLD` — the score the at-risk endpoint and `retain at-risk` give as of
 * the day before `end` (the core's `analyzeAtRisk`, weights learned on the workspace's past).
 * O(rows) plus the pipeline's model fits.
 */
function atRisk(
  orders: OrderTable,
  end: number,
  calendar: Calendar,
): { customers: number; revenue: number } | null {
  // Scores only: the count needs neither the reasons in words nor the ranking nor the evaluation.
  const analysis = analyzeAtRisk(orders, { asOf: end - 1, timeZone: calendar.timeZone, detail: 'scores' });
  if (!analysis.ok) return null;
  const scored = analysis.value.customers;
  const flagged = new Uint8Array(orders.customerIds.length);
  let customers = 0;
  for (let row = 0; row < scored.length; row++) {
    const active = scored.daysSinceLastOrder[row]! < calendar.windowDays;
    if (active && scored.scores[row]! >= AT_RISK_THRESHOLD) {
      flagged[scored.customerIndex[row]!] = 1;
      customers++;
    }
  }
  const windowStart = addLocalDays(end, -calendar.windowDays, calendar.timeZone);
  let cents = 0;
  for (let row = 0; row < orders.length; row++) {
    const at = orders.orderedAt[row]!;
    if (flagged[orders.customer[row]!] && at >= windowStart && at < end) cents += orders.amountCents[row]!;
  }
  return { customers, revenue: cents / 100 };
}

/** MRR at `end`, and NRR / GRR when `[start, end)` is one whole period of `period` (metrics.md §4). */
function subscriptionKpis(
  subscriptions: SubscriptionTable,
  start: number,
  end: number,
  period: OverviewPeriod,
  calendar: Calendar,
) {
  if (subscriptions.length === 0) return { mrr: null, nrr: null, grr: null };
  const single = wholePeriods(start, end, period, calendar) === 1;
  // A day grid only to read MRR at `end`: linear in days, so any range of supported dates will do.
  const grid = PeriodGrid.covering(start, end, single ? period : 'day', {
    ...calendar,
    maxPeriods: Number.POSITIVE_INFINITY,
  });
  const movements = mrrMovements(subscriptions, grid);
  const last = movements[movements.length - 1]!;
  return {
    mrr: last.mrrEndCents / 100,
    nrr: single ? last.nrr : null,
    grr: single ? last.grr : null,
  };
}

/** The model-based figures at an instant, computed once per data version (see `pointsOf`). */
interface Points {
  /** Customers at risk at `end` and their revenue (`atRisk`). */
  readonly riskAt: (end: number) => { customers: number; revenue: number } | null;
  /** Mean predicted CLV as of `end` (`averagePredictedClv`). */
  readonly clvAt: (end: number) => number | null;
}

function rangeKpis(
  data: Data,
  start: number,
  end: number,
  period: OverviewPeriod,
  calendar: Calendar,
  points: Points,
): OverviewKpis {
  const retention = rangeRetention(data, start, end, period, calendar);
  const orders = data.orders
    ? orderReportParts(data.orders, { ...calendar, period, from: start, to: end }, ['orders']).orders!
    : null;
  const risk = data.orders ? points.riskAt(end) : null;
  return {
    crr: retention.crr,
    S: retention.S,
    E: retention.E,
    N: retention.N,
    retentionRate: retention.retentionRate,
    churnRate: retention.churnRate,
    activeCustomers: retention.E,
    newCustomers: retention.N,
    revenue: orders?.revenue ?? null,
    orders: orders?.orders ?? null,
    averageOrderValue: orders?.averageOrderValue ?? null,
    repeatPurchaseRate: orders?.repeatPurchaseRate ?? null,
    ...subscriptionKpis(data.subscriptions, start, end, period, calendar),
    averagePredictedClv: data.orders ? points.clvAt(end) : null,
    customersAtRisk: risk?.customers ?? null,
    revenueAtRisk: risk?.revenue ?? null,
  };
}

function describeRange(
  data: Data,
  start: number,
  end: number,
  period: OverviewPeriod,
  calendar: Calendar,
  points: Points,
): OverviewRange {
  return {
    from: localDate(start, calendar.timeZone),
    to: lastDate(end, calendar.timeZone),
    label: wholePeriods(start, end, period, calendar) === 1 ? periodLabel(start, period, calendar) : null,
    complete: end <= data.last,
    kpis: rangeKpis(data, start, end, period, calendar, points),
  };
}

/** The complete periods of `period` from the data's start to `end`: the series endpoint with `to`. */
function retentionTrend(data: Data, end: number, period: OverviewPeriod, calendar: Calendar) {
  const options = { ...calendar, period, to: end };
  const series = data.orders
    ? orderReportParts(data.orders, options, ['retention']).retention!.series
    : analyzeSubscriptions(data.subscriptions, options).series;
  return series.slice(-RETENTION_TREND_PERIODS).map((entry) => ({
    label: entry.label,
    from: localDate(entry.start, calendar.timeZone),
    to: lastDate(entry.end, calendar.timeZone),
    crr: entry.crr,
    retentionRate: entry.retentionRate,
    churnRate: entry.churnRate,
    S: entry.S,
    E: entry.E,
    N: entry.N,
  }));
}

/**
 * The at-risk figures and the mean predicted CLV at an instant, by the data's version and instant:
 * a point is computed once and shared by every figure and query that shows it — the range's end is
 * also the trend's last point, the month's end also a quarter's, and the refresh job computes
 * the three periods in a row — each costing the model fits of the at-risk pipeline or the CLV.
 * Per process — per analytics worker (analytics-worker.ts) when the pool computes; whole answers
 * are kept by the AnalyticsRunner.
 */
const atRiskPoints = new Map<string, { customers: number; revenue: number } | null>();
const clvPoints = new Map<string, number | null>();
const AT_RISK_POINTS_KEPT = 512;

/** The `Points` of one version of `orders`, through the caches above. */
function pointsOf(orders: OrderTable | null, version: string, calendar: Calendar): Points {
  const cached = <Value>(cache: Map<string, Value>, at: number, compute: () => Value): Value => {
    const key = `${version}|${at}`;
    if (cache.has(key)) return cache.get(key) as Value;
    const value = compute();
    remember(cache, key, value, AT_RISK_POINTS_KEPT);
    return value;
  };
  return {
    riskAt: (end) => (orders ? cached(atRiskPoints, end, () => atRisk(orders, end, calendar)) : null),
    clvAt: (end) =>
      orders
        ? cached(clvPoints, end, () => averagePredictedClv(fitModels(orders, end, calendar.timeZone)))
        : null,
  };
}

/** A number per store connection, distinguishing the caches' entries of different stores. */
const storeTokens = new WeakMap<Kysely<Database>, number>();
let nextStoreToken = 1;
function storeToken(db: Kysely<Database>): number {
  let token = storeTokens.get(db);
  if (token === undefined) {
    token = nextStoreToken++;
    storeTokens.set(db, token);
  }
  return token;
}

/** Stores `value` as the most recent entry of `cache`, dropping the least recent beyond `kept`. */
function remember<Value>(cache: Map<string, Value>, key: string, value: Value, kept: number): void {
  cache.delete(key);
  cache.set(key, value);
  if (cache.size > kept) cache.delete(cache.keys().next().value!);
}

/**
 * `GET /analytics/overview`: the KPIs of the range (`from`–`to`, else the last complete `period`),
 * of the range before it (as many whole periods, or days, just before; `null` when it ends before
 * the data starts), the retention trend by `period` up to the range's end and the at-risk count at
 * the end of each of its last periods. `computedAt` is `now`, when these numbers were computed (the
 * AnalyticsRunner answers a repeated query on unchanged data with the first answer, its
 * `computedAt` included). `version` is the workspace's `analyticsVersion`, when the caller has it.
 *
 * Cost: two grouped SQL scans, then O(rows) per figure, two model fits per range and one per
 * at-risk trend point not seen before (for this version).
 */
export async function overviewReport(
  db: Kysely<Database>,
  workspaceId: number,
  query: OverviewQuery,
  now: number,
  version?: string,
): Promise<OverviewReport> {
  const workspace = await getWorkspace(db, workspaceId);
  if (!workspace) throw new RetainError('not_found', 'Workspace not found');
  // The store too: two stores in one process (tests) may hold a workspace of one id at one version.
  const pointsVersion = `${storeToken(db)}|${workspaceId}|${version ?? (await analyticsVersion(db, workspaceId))}`;
  return computeOverview(db, workspaceId, workspace.settings, pointsVersion, query, now);
}

async function computeOverview(
  db: Kysely<Database>,
  workspaceId: number,
  settings: { timeZone: string; activityWindowDays: number; weekStart: WeekStart; currency: string },
  version: string,
  query: OverviewQuery,
  now: number,
) {
  const { timeZone, activityWindowDays, weekStart, currency } = settings;
  const calendar: Calendar = { timeZone, weekStartsOn: weekStart, windowDays: activityWindowDays };
  const period = query.period ?? 'month';
  if ((query.from === undefined) !== (query.to === undefined)) {
    throw invalid(query.from === undefined ? 'from' : 'to', 'Give both from and to, or neither.');
  }
  let explicit: { start: number; end: number } | null = null;
  if (query.from !== undefined && query.to !== undefined) {
    const start = localMidnight(query.from, 'from', timeZone);
    const end = addLocalDays(localMidnight(query.to, 'to', timeZone), 1, timeZone);
    if (!(end > start)) throw invalid('to', `to (${query.to}) must not be before from (${query.from}).`);
    explicit = { start, end };
  }
  const data = await sharedData(db, workspaceId, timeZone, version);
  const { start, end } = explicit ?? defaultRange(data, period, calendar);
  const before = previousRange(start, end, period, calendar);
  const trend = retentionTrend(data, end, period, calendar);
  const points = pointsOf(data.orders, version, calendar);
  const atRiskTrend = data.orders
    ? trend.slice(-AT_RISK_TREND_PERIODS).map((entry) => {
        const at = addLocalDays(localMidnight(entry.to, 'to', timeZone), 1, timeZone);
        return { label: entry.label, to: entry.to, customersAtRisk: points.riskAt(at)?.customers ?? null };
      })
    : [];
  const notes: string[] = [];
  if (end > data.last) notes.push('The range ends after the last data: its figures may still change.');
  return {
    computedAt: new Date(now).toISOString(),
    timeZone,
    currency,
    windowDays: activityWindowDays,
    period,
    mode: data.orders ? ('transactional' as const) : ('subscription' as const),
    dataStart: localDate(data.first, timeZone),
    dataEnd: localDate(data.last, timeZone),
    hasOrders: data.orders !== null,
    hasSubscriptions: data.subscriptions.length > 0,
    atRiskThreshold: AT_RISK_THRESHOLD,
    current: describeRange(data, start, end, period, calendar, points),
    previous:
      before.end > data.first
        ? describeRange(data, before.start, before.end, period, calendar, points)
        : null,
    trends: { retention: trend, atRisk: atRiskTrend },
    notes,
  };
}

export type OverviewReport = Awaited<ReturnType<typeof computeOverview>>;
