import { groupRowsByCustomer, type OrderTable } from '../data/order-table.js';
import { InvalidInputError } from '../input-error.js';
import { LocalDayMapper } from '../time/periods.js';
import type { SummaryColumns } from './summary-columns.js';

/** Options of `summarize` / `summarizeColumns`. */
export interface SummarizeOptions {
  /**
   * An instant inside the last local day of the calibration period: that whole day is included
   * (calibration end 1997-09-30 = orders dated ≤ 1997-09-30, as in the literature).
   */
  readonly calibrationEnd: number;
  /** An instant inside the last local day of the holdout period; gives `holdoutFrequency`. */
  readonly observationEnd?: number;
  /** Unit of `recency` and `T`: days, or weeks = days / 7 (unrounded). */
  readonly timeUnit: 'day' | 'week';
  /** IANA zone whose local dates are the purchase periods (default `UTC`). */
  readonly timeZone?: string;
}

/** One customer's summary (metrics.md §5). */
export interface CustomerSummary {
  readonly id: string;
  /** x: distinct purchase days in the calibration period − 1. */
  readonly frequency: number;
  /** t_x: last − first purchase day, in the time unit. */
  readonly recency: number;
  /** Calibration end day − first purchase day, in the time unit. */
  readonly T: number;
  /** Mean per-day order total of the repeat days, cents (unrounded); 0 when x = 0. */
  readonly monetary: number;
  /** Distinct purchase days after the calibration end day, up to the observation end day. */
  readonly holdoutFrequency?: number;
}

/** The summary as columns, with each row's customer id (and holdout counts when asked). */
export type CustomerSummaryColumns = SummaryColumns & {
  readonly ids: string[];
  readonly monetary: Float64Array;
  readonly holdoutFrequency?: Float64Array;
};

/** Distinct values of `days[0, count)`, sorting them in place first unless `sorted`. */
function distinctCount(days: Float64Array, count: number, sorted: boolean): number {
  if (count === 0) return 0;
  const values = days.subarray(0, count);
  if (!sorted) values.sort();
  let distinct = 1;
  for (let index = 1; index < count; index++) if (values[index] !== values[index - 1]) distinct++;
  return distinct;
}

/**
 * The per-customer summary the BG/NBD, Pareto/NBD and Gamma-Gamma models take (metrics.md §5;
 * Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way", §2 notation (X = x, t_x, T)),
 * as columns. Purchase periods are local calendar days in `timeZone`; an order is a row with
 * amount ≥ 0 dated on or before the calibration end day:
 * - frequency x = distinct purchase days − 1 (several orders on one day are one purchase);
 * - recency t_x = last purchase day − first purchase day; T = calibration end day − first
 *   purchase day; both in days, or in weeks (days / 7, not rounded);
 * - monetary = mean of the per-day order totals of the repeat days (every day after the first),
 *   in cents, 0 when x = 0. This is the definition that reproduces `zbar` of the published CDNOW
 *   summary to the cent (the mean per repeat *row*, or excluding only the first row, do not);
 * - holdoutFrequency (with `observationEnd`) = distinct purchase days in
 *   (calibration end day, observation end day].
 *
 * Choices: refunds (negative rows) are not purchases and are left out entirely, including from
 * monetary, because the Gamma-Gamma model needs positive spends; customers whose first order is
 * after the calibration end day (or who have only refunds) are left out; rows are in ascending
 * customer index order. Days come from `LocalDayMapper` (23- and 25-hour DST days are one day).
 *
 * Complexity: O(n) for n rows (customer grouping by counting sort; a customer's rows are sorted
 * only if they are out of time order), plus the day lookups; memory O(n + customers).
 *
 * @example
 * // calibration ending 1997-09-30: orders on 01-01 (29.33), 01-18 (29.73), 08-02 (14.96)
 * summarizeColumns(table, { calibrationEnd, timeUnit: 'week' })
 * // → frequency [2], recency [213 / 7 = 30.43], T [272 / 7 = 38.86], monetary [(2973 + 1496) / 2 = 2234.5]
 */
export function summarizeColumns(orders: OrderTable, options: SummarizeOptions): CustomerSummaryColumns {
  const mapper = new LocalDayMapper(options.timeZone ?? 'UTC');
  if (!Number.isFinite(options.calibrationEnd)) {
    throw new InvalidInputError(`calibrationEnd must be a finite instant, got ${options.calibrationEnd}`);
  }
  const calibrationEndDay = mapper.dayNumber(options.calibrationEnd);
  const withHoldout = options.observationEnd !== undefined;
  const observationEndDay = withHoldout ? mapper.dayNumber(options.observationEnd!) : calibrationEndDay;
  if (observationEndDay < calibrationEndDay) {
    throw new InvalidInputError('observationEnd must not fall on a day before calibrationEnd');
  }
  const unit = options.timeUnit === 'week' ? 7 : 1;

  const { orderedAt, amountCents, customerIds } = orders;
  const { offsets, rows } = groupRowsByCustomer(orders, orderedAt);
  const customerTotal = customerIds.length;
  let largestGroup = 0;
  for (let customer = 0; customer < customerTotal; customer++) {
    largestGroup = Math.max(largestGroup, offsets[customer + 1]! - offsets[customer]!);
  }
  // Scratch day lists, reused for every customer.
  const calibrationDays = new Float64Array(largestGroup);
  const holdoutDays = new Float64Array(largestGroup);

  const frequency = new Float64Array(customerTotal);
  const recency = new Float64Array(customerTotal);
  const T = new Float64Array(customerTotal);
  const monetary = new Float64Array(customerTotal);
  const holdoutFrequency = new Float64Array(customerTotal);
  const ids: string[] = [];
  let length = 0;
  for (let customer = 0; customer < customerTotal; customer++) {
    let calibrationCount = 0;
    let holdoutCount = 0;
    let calibrationSorted = true;
    let holdoutSorted = true;
    let firstDay = Number.POSITIVE_INFINITY;
    let lastDay = Number.NEGATIVE_INFINITY;
    let firstDayCents = 0;
    let calibrationCents = 0;
    for (let position = offsets[customer]!; position < offsets[customer + 1]!; position++) {
      const row = rows[position]!;
      const amount = amountCents[row]!;
      if (amount < 0) continue;
      const day = mapper.dayNumber(orderedAt[row]!);
      if (day <= calibrationEndDay) {
        // Rows are in time order, so days ascend unless a zone moves its clocks back across midnight.
        if (calibrationCount > 0 && day < calibrationDays[calibrationCount - 1]!) calibrationSorted = false;
        calibrationDays[calibrationCount++] = day;
        calibrationCents += amount;
        if (day < firstDay) {
          firstDay = day;
          firstDayCents = amount;
        } else if (day === firstDay) firstDayCents += amount;
        if (day > lastDay) lastDay = day;
      } else if (withHoldout && day <= observationEndDay) {
        if (holdoutCount > 0 && day < holdoutDays[holdoutCount - 1]!) holdoutSorted = false;
        holdoutDays[holdoutCount++] = day;
      }
    }
    if (calibrationCount === 0) continue;
    const repeatDays = distinctCount(calibrationDays, calibrationCount, calibrationSorted) - 1;
    frequency[length] = repeatDays;
    recency[length] = (lastDay - firstDay) / unit;
    T[length] = (calibrationEndDay - firstDay) / unit;
    // Mean of the repeat days' totals = (all calibration spend − first day's spend) / x.
    monetary[length] = repeatDays === 0 ? 0 : (calibrationCents - firstDayCents) / repeatDays;
    holdoutFrequency[length] = distinctCount(holdoutDays, holdoutCount, holdoutSorted);
    ids.push(customerIds[customer]!);
    length++;
  }

  return {
    length,
    ids,
    frequency: frequency.slice(0, length),
    recency: recency.slice(0, length),
    T: T.slice(0, length),
    monetary: monetary.slice(0, length),
    ...(withHoldout ? { holdoutFrequency: holdoutFrequency.slice(0, length) } : {}),
  };
}

/**
 * `summarizeColumns` as one plain object per customer, for small data and display. Same
 * definitions, options and order; O(c) objects for c customers on top of it.
 *
 * @example
 * summarize(table, { calibrationEnd, timeUnit: 'day' })
 * // → [{ id: '0001', frequency: 2, recency: 213, T: 272, monetary: 2234.5 }]
 */
export function summarize(orders: OrderTable, options: SummarizeOptions): CustomerSummary[] {
  const columns = summarizeColumns(orders, options);
  const summaries: CustomerSummary[] = [];
  for (let index = 0; index < columns.length; index++) {
    const summary = {
      id: columns.ids[index]!,
      frequency: columns.frequency[index]!,
      recency: columns.recency[index]!,
      T: columns.T[index]!,
      monetary: columns.monetary[index]!,
    };
    summaries.push(
      columns.holdoutFrequency ? { ...summary, holdoutFrequency: columns.holdoutFrequency[index]! } : summary,
    );
  }
  return summaries;
}
