import { groupRowsByCustomer, type OrderTable } from '../data/order-table.js';
import type { SubscriptionTable } from '../data/subscription-table.js';
import { addLocalDays, type PeriodGrid } from '../time/periods.js';
import { type PeriodRetention, resolveWindowDays, retentionFromCounts } from './period-retention.js';

/** Options of `retentionSeries`. */
export interface RetentionSeriesOptions {
  /** The periods; period i is `[grid.start(i), grid.end(i))`, windows are counted in `grid.timeZone`. */
  readonly grid: PeriodGrid;
  /** Activity window W in local calendar days (metrics.md §1); a positive integer, default 365. */
  readonly windowDays?: number;
}

/** Options of `subscriptionRetentionSeries`. */
export interface SubscriptionRetentionSeriesOptions {
  readonly grid: PeriodGrid;
}

/**
 * Per-boundary tallies filled by the one-pass walk. With boundaries b_0 … b_P (P = grid.count):
 * `activeCount[k]` = customers active at b_k; for period i = [b_i, b_{i+1}), `retainedCount[i]` =
 * active at both ends, `newCount[i]` = acquired in it, `newActiveAtEndCount[i]` = acquired in it and
 * active at b_{i+1}.
 */
interface SeriesTallies {
  readonly activeCount: Int32Array;
  readonly retainedCount: Int32Array;
  readonly newCount: Int32Array;
  readonly newActiveAtEndCount: Int32Array;
}

function emptyTallies(periods: number): SeriesTallies {
  return {
    activeCount: new Int32Array(periods + 1),
    retainedCount: new Int32Array(periods),
    newCount: new Int32Array(periods),
    newActiveAtEndCount: new Int32Array(periods),
  };
}

/** First index k with `sorted[k] > value` (`sorted.length` when none): O(log n). */
function firstGreater(sorted: Float64Array, value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! > value) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** First index k with `sorted[k] >= value` (`sorted.length` when none): O(log n). */
function firstAtLeast(sorted: Float64Array, value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (sorted[middle]! >= value) high = middle;
    else low = middle + 1;
  }
  return low;
}

/**
 * Walks one customer's marked boundaries `[firstMarked, lastMarked]` of `scratch` (1 = active at
 * that boundary), adds them to the tallies, credits their acquisition period `acquiredIn`
 * (−1 or ≥ P when outside the grid) and clears the scratch for the next customer. O(span).
 */
function tallyCustomer(
  tallies: SeriesTallies,
  scratch: Uint8Array,
  firstMarked: number,
  lastMarked: number,
  acquiredIn: number,
  periods: number,
): void {
  if (acquiredIn >= 0 && acquiredIn < periods) {
    tallies.newCount[acquiredIn]!++;
    if (scratch[acquiredIn + 1] === 1) tallies.newActiveAtEndCount[acquiredIn]!++;
  }
  for (let boundary = firstMarked; boundary <= lastMarked; boundary++) {
    if (scratch[boundary] !== 1) continue;
    tallies.activeCount[boundary]!++;
    if (boundary < periods && scratch[boundary + 1] === 1) tallies.retainedCount[boundary]!++;
    scratch[boundary] = 0;
  }
}

function seriesFromTallies(grid: PeriodGrid, tallies: SeriesTallies): PeriodRetention[] {
  const series: PeriodRetention[] = [];
  for (let period = 0; period < grid.count; period++) {
    series.push(
      retentionFromCounts(grid.start(period), grid.end(period), grid.label(period), {
        startActive: tallies.activeCount[period]!,
        endActive: tallies.activeCount[period + 1]!,
        newCount: tallies.newCount[period]!,
        retained: tallies.retainedCount[period]!,
        newActiveAtEnd: tallies.newActiveAtEndCount[period]!,
      }),
    );
  }
  return series;
}

/**
 * Transactional retention (metrics.md §1–§2) for every period of `grid`, in one pass over the
 * table: element i equals `periodRetention(orders, { start: grid.start(i), end: grid.end(i),
 * windowDays, timeZone: grid.timeZone, label: grid.label(i) })`.
 *
 * How: with boundaries b_0 … b_P and w_k = b_k − W local days (precomputed, P + 1 Luxon calls), an
 * order at τ makes its customer active exactly at the boundaries k with w_k ≤ τ < b_k; both arrays
 * ascend, so those k form one range found by two binary searches. Rows are grouped by customer in
 * time order, so the ranges' starts ascend and each boundary is marked at most once in a reused
 * scratch buffer; the customer's marked span is then walked once to count S, E, retained and new.
 * Refunds (negative amounts) are skipped; acquisition is the customer's first order.
 *
 * Complexity: O(rows · log P + customers · P) time at worst (a customer's walk covers only the
 * boundaries they are active at), O(rows + customers + P) memory; no per-row or per-customer
 * allocation.
 *
 * @example
 * const grid = PeriodGrid.covering(Date.UTC(2024, 0, 1), Date.UTC(2024, 3, 1), 'month');
 * retentionSeries(orders, { grid, windowDays: 90 }).map((period) => period.crr);
 * // → one CRR per month: January, February, March 2024
 */
export function retentionSeries(orders: OrderTable, options: RetentionSeriesOptions): PeriodRetention[] {
  const { grid } = options;
  const windowStarts = windowStartsOf(grid, resolveWindowDays(options.windowDays));
  const order = timeOrder(orders.orderedAt, orders.length);
  const tallies =
    order === 0
      ? tallyByCustomer(orders, grid.starts, windowStarts)
      : tallyInTimeOrder(orders, grid.starts, windowStarts, order);
  return seriesFromTallies(grid, tallies);
}

/**
 * `retentionSeries` through the grouped path whatever the row order (a test pins the time-order
 * fast path to it). Not part of the public surface.
 */
export function retentionSeriesByCustomer(
  orders: OrderTable,
  options: RetentionSeriesOptions,
): PeriodRetention[] {
  const { grid } = options;
  const windowStarts = windowStartsOf(grid, resolveWindowDays(options.windowDays));
  return seriesFromTallies(grid, tallyByCustomer(orders, grid.starts, windowStarts));
}

/** w_k = b_k − W local days, for every boundary (P + 1 Luxon calls). */
function windowStartsOf(grid: PeriodGrid, windowDays: number): Float64Array {
  const windowStarts = new Float64Array(grid.count + 1);
  for (let boundary = 0; boundary <= grid.count; boundary++) {
    windowStarts[boundary] = addLocalDays(grid.starts[boundary]!, -windowDays, grid.timeZone);
  }
  return windowStarts;
}

/** 1 when the instants never decrease (oldest first), −1 when they never increase (newest first, as Shopify exports), else 0. O(n), sequential. */
function timeOrder(instants: Float64Array, length: number): 1 | -1 | 0 {
  let ascending = true;
  let descending = true;
  for (let row = 1; row < length && (ascending || descending); row++) {
    const step = instants[row]! - instants[row - 1]!;
    if (step < 0) ascending = false;
    else if (step > 0) descending = false;
  }
  return ascending ? 1 : descending ? -1 : 0;
}

/**
 * The fast path for rows in time order (either direction): no grouping, the rows are read
 * sequentially. Each customer keeps two integers — `markedUpTo` (boundaries below it are counted;
 * the one just below it is the last boundary they were active at) and their acquisition period —
 * so each (customer, boundary) pair is counted once, as in `tallyByCustomer`, and "active at b − 1
 * too" is known when b is counted. Grouping instead reads the rows in customer order, at random.
 */
function tallyInTimeOrder(
  orders: OrderTable,
  boundaries: Float64Array,
  windowStarts: Float64Array,
  direction: 1 | -1,
): SeriesTallies {
  const periods = boundaries.length - 1;
  const tallies = emptyTallies(periods);
  const { activeCount, retainedCount, newCount, newActiveAtEndCount } = tallies;
  const markedUpTo = new Int32Array(orders.customerIds.length);
  const NOT_ACQUIRED = -2;
  const acquiredIn = new Int32Array(orders.customerIds.length).fill(NOT_ACQUIRED);
  const { customer, orderedAt, amountCents } = orders;
  const first = direction === 1 ? 0 : orders.length - 1;
  const stop = direction === 1 ? orders.length : -1;
  for (let row = first; row !== stop; row += direction) {
    if (amountCents[row]! < 0) continue; // a refund: not an order (order-table.ts)
    const who = customer[row]!;
    const at = orderedAt[row]!;
    const from = firstGreater(boundaries, at); // b_k > τ
    if (acquiredIn[who] === NOT_ACQUIRED) {
      // Oldest first, so this is the customer's first order: −1 before the grid, P at or after it.
      acquiredIn[who] = from - 1;
      if (from - 1 >= 0 && from - 1 < periods) newCount[from - 1]!++;
    }
    const to = firstGreater(windowStarts, at) - 1; // w_k ≤ τ
    const alreadyUpTo = markedUpTo[who]!;
    const begin = Math.max(from, alreadyUpTo);
    if (begin > to) continue;
    const acquisition = acquiredIn[who]!;
    for (let boundary = begin; boundary <= to; boundary++) {
      activeCount[boundary]!++;
      // Active at the boundary before too: inside this range, or continuing the last one.
      if (boundary > begin || (boundary === alreadyUpTo && alreadyUpTo > 0)) retainedCount[boundary - 1]!++;
      if (boundary === acquisition + 1 && acquisition >= 0 && acquisition < periods)
        newActiveAtEndCount[acquisition]!++;
    }
    markedUpTo[who] = to + 1;
  }
  return tallies;
}

/** The general path: rows grouped by customer (`groupRowsByCustomer`), each customer walked once. */
function tallyByCustomer(
  orders: OrderTable,
  boundaries: Float64Array,
  windowStarts: Float64Array,
): SeriesTallies {
  const periods = boundaries.length - 1;
  const tallies = emptyTallies(periods);
  const scratch = new Uint8Array(periods + 1);
  const { offsets, rows } = groupRowsByCustomer(orders, orders.orderedAt);
  const { orderedAt, amountCents } = orders;
  for (let who = 0; who < orders.customerIds.length; who++) {
    let acquiredIn = -1;
    let acquired = false;
    let firstMarked = periods + 1;
    // Boundaries below `markedUpTo` are already marked when at or after this customer's first range.
    let markedUpTo = 0;
    for (let position = offsets[who]!; position < offsets[who + 1]!; position++) {
      const row = rows[position]!;
      if (amountCents[row]! < 0) continue; // a refund: not an order (order-table.ts)
      const at = orderedAt[row]!;
      if (!acquired) {
        acquired = true;
        // Period containing the first order: −1 before the grid, P at or after its end.
        acquiredIn = firstGreater(boundaries, at) - 1;
      }
      const from = firstGreater(boundaries, at); // b_k > τ
      const to = firstGreater(windowStarts, at) - 1; // w_k ≤ τ
      if (from > to) continue;
      if (from < firstMarked) firstMarked = from;
      for (let boundary = Math.max(from, markedUpTo); boundary <= to; boundary++) scratch[boundary] = 1;
      if (to + 1 > markedUpTo) markedUpTo = to + 1;
    }
    tallyCustomer(tallies, scratch, firstMarked, markedUpTo - 1, acquiredIn, periods);
  }
  return tallies;
}

/**
 * Subscription retention (metrics.md §1–§2) for every period of `grid`, in one pass: element i
 * equals `subscriptionPeriodRetention(subscriptions, { start: grid.start(i), end: grid.end(i),
 * label: grid.label(i) })`.
 *
 * A subscription `[startedAt, endedAt)` makes its customer active at the boundaries b_k with
 * startedAt ≤ b_k < endedAt: one range, two binary searches. Rows are grouped by customer in
 * `startedAt` order so each boundary is marked once in a reused scratch buffer; acquisition is the
 * earliest `startedAt`.
 *
 * Complexity: O(rows · log P + customers · P) time at worst, O(rows + customers + P) memory.
 *
 * @example
 * const grid = PeriodGrid.covering(Date.UTC(2024, 0, 1), Date.UTC(2025, 0, 1), 'quarter');
 * subscriptionRetentionSeries(subscriptions, { grid }).map((period) => period.retentionRate);
 * // → four rates, 2024-Q1 … 2024-Q4
 */
export function subscriptionRetentionSeries(
  subscriptions: SubscriptionTable,
  options: SubscriptionRetentionSeriesOptions,
): PeriodRetention[] {
  const { grid } = options;
  const periods = grid.count;
  const boundaries = grid.starts;
  const tallies = emptyTallies(periods);
  const scratch = new Uint8Array(periods + 1);
  const { offsets, rows } = groupRowsByCustomer(subscriptions, subscriptions.startedAt);
  const { startedAt, endedAt } = subscriptions;
  for (let who = 0; who < subscriptions.customerIds.length; who++) {
    const first = offsets[who]!;
    const last = offsets[who + 1]!;
    if (first === last) continue;
    // Rows are in startedAt order, so the first row is the acquisition.
    const acquiredAt = startedAt[rows[first]!]!;
    const acquiredIn = firstGreater(boundaries, acquiredAt) - 1;
    let firstMarked = periods + 1;
    let markedUpTo = 0;
    for (let position = first; position < last; position++) {
      const row = rows[position]!;
      const from = firstAtLeast(boundaries, startedAt[row]!); // b_k ≥ startedAt
      const to = firstAtLeast(boundaries, endedAt[row]!) - 1; // b_k < endedAt
      if (from > to) continue;
      if (from < firstMarked) firstMarked = from;
      for (let boundary = Math.max(from, markedUpTo); boundary <= to; boundary++) scratch[boundary] = 1;
      if (to + 1 > markedUpTo) markedUpTo = to + 1;
    }
    // Active at a boundary only once acquired before it: a first subscription starting exactly on
    // boundary k makes the customer new in period k, not active at its start (see PeriodRetention).
    if (acquiredIn >= 0 && acquiredIn <= periods && boundaries[acquiredIn] === acquiredAt)
      scratch[acquiredIn] = 0;
    tallyCustomer(tallies, scratch, firstMarked, markedUpTo - 1, acquiredIn, periods);
  }
  return seriesFromTallies(grid, tallies);
}
