/**
 * Cohort matrices over orders (transactional mode, metrics.md §3).
 */
import { groupRowsByCustomer, type OrderTable, type RowsByCustomer } from '../data/order-table.js';
import {
  attributeColumn,
  CohortAccumulator,
  type CohortBreakdownEntry,
  type CohortMatrix,
  type CohortOptions,
  type ResolvedCohortOptions,
  resolveCohortOptions,
} from './cohort-matrix.js';
import { breakdownMatrices } from './customer-groups.js';

/**
 * Per-call scratch for one customer's revenue by period: periods come in ascending order (rows
 * are time-sorted), so a period's amounts are summed while it lasts and flushed when it changes.
 */
interface RevenueScratch {
  readonly periods: Int32Array;
  readonly amounts: Float64Array;
}

/**
 * Adds one customer's rows to the accumulator. Their acquisition is their first order (amount ≥ 0)
 * at or before `dataEnd`, anywhere in time; activity and revenue count only inside the grid.
 */
function addOrderCustomer(
  orders: OrderTable,
  groups: RowsByCustomer,
  customer: number,
  options: ResolvedCohortOptions,
  accumulator: CohortAccumulator,
  scratch: RevenueScratch,
): void {
  const { grid, dataEnd } = options;
  const periodCount = grid.count;
  const from = groups.offsets[customer]!;
  const to = groups.offsets[customer + 1]!;
  accumulator.beginCustomer();
  let acquiredAt = Number.NaN;
  let revenueCount = 0;
  for (let position = from; position < to; position++) {
    const row = groups.rows[position]!;
    const orderedAt = orders.orderedAt[row]!;
    // Rows are in time order, so every later row is after the data's end too.
    if (orderedAt > dataEnd) break;
    const amount = orders.amountCents[row]!;
    const isOrder = amount >= 0; // a negative amount is a refund: never activity nor acquisition
    if (isOrder && Number.isNaN(acquiredAt)) acquiredAt = orderedAt;
    const period = grid.indexOf(orderedAt);
    if (period < 0 || period >= periodCount) continue;
    if (revenueCount === 0 || scratch.periods[revenueCount - 1] !== period) {
      scratch.periods[revenueCount] = period;
      scratch.amounts[revenueCount] = 0;
      revenueCount++;
    }
    scratch.amounts[revenueCount - 1]! += amount;
    if (isOrder) accumulator.addActivePeriods(period, period);
  }
  if (Number.isNaN(acquiredAt)) return;
  if (!accumulator.enterCohorts(grid.indexOf(acquiredAt))) return;
  for (let entry = 0; entry < revenueCount; entry++) {
    const period = scratch.periods[entry]!;
    accumulator.addRevenue(period, period, scratch.amounts[entry]!);
  }
}

function newScratch(periodCount: number): RevenueScratch {
  return {
    periods: new Int32Array(Math.max(1, periodCount)),
    amounts: new Float64Array(Math.max(1, periodCount)),
  };
}

/**
 * The cohort matrix of an order table (metrics.md §3, transactional mode).
 *
 * - First-time cohorts (default): a customer's cohort is the grid period of their first order
 *   with an amount ≥ 0 (refunds never acquire); customers acquired before the grid's first period
 *   or after its last are in no cohort. Recurring: a customer is in the cohort of every grid
 *   period in which they ordered, and each entry is followed.
 * - Classic cell (c, k): members with ≥ 1 order in period c + k. Rolling: in c + k or any later
 *   grid period. Cells of incomplete periods (end > dataEnd) are `null`.
 * - `revenueCents` (c, k): the members' net revenue in period c + k, refunds subtracted.
 * - Every grid period has a row, with size 0 when nobody was acquired then, so rows align with
 *   `grid.labels()`.
 *
 * Complexity: O(n log P) for n rows and P periods (one binary search per row; the rows are grouped
 * by customer with a counting sort) plus O(Σ m²) over customers with m runs of consecutive active
 * periods for recurring classic cohorts, plus O(P²) time and memory for the matrix.
 *
 * @example
 * // A orders in Jan and Mar, B in Jan, C in Feb and Mar; data ends 2024-03-20 (metrics.md §3):
 * orderCohorts(orders, { grid: monthsJanToMar, dataEnd: Date.parse('2024-03-20T00:00:00Z') })
 * // rows[0]: cohort '2024-01', size 2, counts [2, 0, null]; rows[1]: '2024-02', size 1, counts [1, null]
 * // average.rates: [100, 0, null]
 */
export function orderCohorts(orders: OrderTable, options: CohortOptions): CohortMatrix {
  const resolved = resolveCohortOptions(options);
  const groups = groupRowsByCustomer(orders, orders.orderedAt);
  const accumulator = new CohortAccumulator(resolved);
  const scratch = newScratch(resolved.grid.count);
  const customers = orders.customerIds.length;
  for (let customer = 0; customer < customers; customer++) {
    addOrderCustomer(orders, groups, customer, resolved, accumulator, scratch);
  }
  return accumulator.finish('transactional');
}

/**
 * The cohort matrix of `orderCohorts`, broken down by an order attribute taken at acquisition:
 * the value on the customer's first order (amount ≥ 0; among orders at the same instant, the one
 * `groupRowsByCustomer` puts first — table order unless the customer's rows were listed newest first). One
 * matrix per value (the blank value `''` included), sorted by descending number of customers in the
 * matrix, then by value; values whose customers enter no cohort are left out. For first-time
 * cohorts the matrices' sizes add up to the overall matrix's sizes.
 *
 * Throws a `RangeError` naming an unknown attribute and listing the available ones.
 * Complexity: as `orderCohorts`, plus O(V × P²) for V values.
 *
 * @example
 * orderCohortsBy(orders, 'country', options) // [{ value: 'FR', matrix }, { value: 'DE', matrix }]
 */
export function orderCohortsBy(
  orders: OrderTable,
  attribute: string,
  options: CohortOptions,
): CohortBreakdownEntry[] {
  const column = attributeColumn(orders.attributes, attribute);
  const resolved = resolveCohortOptions(options);
  const groups = groupRowsByCustomer(orders, orders.orderedAt);
  const customers = orders.customerIds.length;
  // Each customer's value code: the code on their acquisition row, −1 without acquisition.
  const valueOfCustomer = new Int32Array(customers);
  for (let customer = 0; customer < customers; customer++) {
    valueOfCustomer[customer] = -1;
    for (let position = groups.offsets[customer]!; position < groups.offsets[customer + 1]!; position++) {
      const row = groups.rows[position]!;
      if (orders.orderedAt[row]! > options.dataEnd) break;
      if (orders.amountCents[row]! >= 0) {
        valueOfCustomer[customer] = column.codes[row]!;
        break;
      }
    }
  }
  const accumulator = new CohortAccumulator(resolved);
  const scratch = newScratch(resolved.grid.count);
  return breakdownMatrices(
    valueOfCustomer,
    column.labels,
    accumulator,
    (customer) => addOrderCustomer(orders, groups, customer, resolved, accumulator, scratch),
    () => accumulator.finish('transactional'),
  );
}
