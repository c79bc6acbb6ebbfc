/**
 * The fast path of `orderCohorts` for its default case: first-time cohorts over a table whose rows
 * are all in time order (the usual export). It computes exactly what the engine computes (metrics.md
 * §3, transactional mode) with one loop over the rows and plain per-cell sums, instead of the
 * engine's per-row method calls, difference arrays and held-back refunds.
 *
 * Why it is exact: with every row in time order, a customer's cohort c is fixed by their first
 * order, and every later row of theirs is in a period q ≥ c. The engine's revenue rule (a row's
 * amount joins the customer's cohort when that cohort starts at or before the row's period) then
 * reduces to: a row in period q counts when the customer's cohort c satisfies c ≤ q. Rows read before
 * the acquisition are refunds in periods q ≤ c, so only those in q = c count; they are kept in a
 * short list while their period lasts (periods change monotonically, so each period's rows are
 * contiguous) and settled when it ends.
 */
import type { OrderTable } from '../data/order-table.js';
import { cohortMatrixFromCells, completePeriodCount } from './cohort-engine.js';
import type { CohortMatrix, ResolvedCohortOptions } from './cohort-matrix.js';

/** Cohort of a customer before their first order (amount ≥ 0) has been read. */
const NOT_ACQUIRED = -2;
/** Cohort of a customer acquired before or after the grid: in no cohort. */
const OUTSIDE_GRID = -1;

/** 1 when `time` is ascending, −1 when descending (and not constant), 0 otherwise. */
function timeDirection(time: Float64Array, length: number): 1 | -1 | 0 {
  let ascending = true;
  for (let row = 1; row < length; row++) {
    if (time[row]! < time[row - 1]!) {
      ascending = false;
      break;
    }
  }
  if (ascending) return 1;
  for (let row = 1; row < length; row++) if (time[row]! > time[row - 1]!) return 0;
  return -1;
}

/**
 * The first-time order cohort matrix when `orders` is in time order (ascending, or descending: then
 * read backwards), else `null` (the caller falls back to the engine). Same definitions as
 * `orderCohorts` for classic and rolling measures; `options.kind` must be `first-time`.
 *
 * Complexity: O(n) for n rows (a period lookup is O(1) while rows stay in the same period, O(log P)
 * when they move on), plus O(C) for C customers and O(P²) for the matrix. Memory: 8 bytes per
 * customer, 16 per cell.
 *
 * @example
 * // A orders in Jan and Mar, B in Jan, C in Feb and Mar, rows by date; data ends 2024-03-20:
 * firstTimeOrderCohorts(orders, resolved)?.rows[0]?.counts // [2, 0, null]
 */
export function firstTimeOrderCohorts(
  orders: OrderTable,
  options: ResolvedCohortOptions,
): CohortMatrix | null {
  const { grid, dataEnd } = options;
  const { customer: customerColumn, orderedAt, amountCents, length } = orders;
  const direction = timeDirection(orderedAt, length);
  if (direction === 0) return null;

  const periodCount = grid.count;
  const starts = grid.starts;
  const width = periodCount + 1;
  const sizes = new Float64Array(periodCount);
  const activity = new Float64Array(width * width);
  const revenue = new Float64Array(width * width);
  // Per customer, side by side (one cache line a row): cohort, then last period counted (−1: none).
  const customerCount = orders.customerIds.length;
  const state = new Int32Array(customerCount * 2);
  for (let base = 0; base < state.length; base += 2) {
    state[base] = NOT_ACQUIRED;
    state[base + 1] = -1;
  }
  // Refunds of not-yet-acquired customers in the current period (customer, amount): they count when
  // the customer is acquired in that same period (the engine's held-back revenue).
  let pendingCustomers = new Int32Array(64);
  let pendingAmounts = new Float64Array(64);
  let pendingCount = 0;
  const settlePending = (pendingPeriod: number): void => {
    for (let index = 0; index < pendingCount; index++) {
      const customer = pendingCustomers[index]!;
      if (state[customer * 2] === pendingPeriod) {
        revenue[pendingPeriod * width + pendingPeriod]! += pendingAmounts[index]!;
      }
    }
    pendingCount = 0;
  };

  // The period of the rows being read and its bounds [periodFrom, periodTo): −1 before the grid,
  // `periodCount` after it.
  let period = Number.NaN;
  let periodFrom = Number.POSITIVE_INFINITY;
  let periodTo = Number.NEGATIVE_INFINITY;
  const reversed = direction === -1;
  for (let position = 0; position < length; position++) {
    const row = reversed ? length - 1 - position : position;
    const instant = orderedAt[row]!;
    if (instant > dataEnd) {
      if (!reversed) break; // every later row is later still
      continue;
    }
    if (instant < periodFrom || instant >= periodTo) {
      if (pendingCount > 0) settlePending(period);
      period = grid.indexOf(instant);
      periodFrom = period < 0 ? Number.NEGATIVE_INFINITY : starts[period]!;
      periodTo = period >= periodCount ? Number.POSITIVE_INFINITY : starts[period + 1]!;
    }
    const customer = customerColumn[row]!;
    const base = customer * 2;
    let cohort = state[base]!;
    const amount = amountCents[row]!;
    if (cohort === NOT_ACQUIRED) {
      if (amount < 0) {
        // A refund never acquires; it may still count if an order acquires in this period.
        if (period >= 0 && period < periodCount) {
          if (pendingCount === pendingCustomers.length) {
            const customers = new Int32Array(pendingCount * 2);
            customers.set(pendingCustomers);
            pendingCustomers = customers;
            const amounts = new Float64Array(pendingCount * 2);
            amounts.set(pendingAmounts);
            pendingAmounts = amounts;
          }
          pendingCustomers[pendingCount] = customer;
          pendingAmounts[pendingCount] = amount;
          pendingCount++;
        }
        continue;
      }
      cohort = period >= 0 && period < periodCount ? period : OUTSIDE_GRID;
      state[base] = cohort;
      if (cohort >= 0) sizes[cohort]! += 1;
    }
    // Rows of customers in no cohort, and rows outside the grid, count nowhere.
    if (cohort < 0 || period >= periodCount) continue;
    // cohort ≤ period here (rows are in time order and the cohort's row is read first).
    revenue[cohort * width + period]! += amount;
    if (amount >= 0 && state[base + 1]! !== period) {
      state[base + 1] = period;
      activity[cohort * width + period]! += 1;
    }
  }
  if (pendingCount > 0) settlePending(period);

  if (options.measure === 'rolling') {
    // Rolling cell (c, q): members of c whose last active period is ≥ q; from each cohort's
    // histogram of last active periods by a suffix sum.
    activity.fill(0);
    for (let base = 0; base < state.length; base += 2) {
      const cohort = state[base]!;
      if (cohort >= 0) activity[cohort * width + state[base + 1]!]! += 1;
    }
    for (let cohort = 0; cohort < periodCount; cohort++) {
      let running = 0;
      for (let activePeriod = periodCount - 1; activePeriod >= cohort; activePeriod--) {
        running += activity[cohort * width + activePeriod]!;
        activity[cohort * width + activePeriod] = running;
      }
    }
  }

  return cohortMatrixFromCells(
    {
      grid,
      kind: 'first-time',
      measure: options.measure,
      mode: 'transactional',
      completeCount: completePeriodCount(grid, dataEnd),
    },
    { sizes, activity, revenue, width, revenueDivisor: 1 },
  );
}
