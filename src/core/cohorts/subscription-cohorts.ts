/**
 * Cohort matrices over paid subscriptions (subscription mode, metrics.md §3 and §4).
 */
import { groupRowsByCustomer, type RowsByCustomer } from '../data/order-table.js';
import type { SubscriptionTable } from '../data/subscription-table.js';
import type { PeriodGrid } from '../time/periods.js';
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

/** Annualised cents ÷ 12 = MRR (subscription-table.ts keeps yearly values so sums stay integers). */
const MONTHS_PER_YEAR = 12;

/** The last grid period with start < `endedAt` (the last one `[…, endedAt)` touches), −1 if none. */
function lastPeriodBefore(grid: PeriodGrid, endedAt: number): number {
  const index = grid.indexOf(endedAt);
  if (index < 0) return -1;
  if (index >= grid.count) return grid.count - 1;
  return grid.starts[index]! < endedAt ? index : index - 1;
}

/**
 * Adds one customer's subscriptions. Acquisition = their earliest `startedAt` (at or before
 * `dataEnd`); activity in period q = a subscription with startedAt < end(q) and endedAt > start(q).
 */
function addSubscriptionCustomer(
  subscriptions: SubscriptionTable,
  groups: RowsByCustomer,
  customer: number,
  options: ResolvedCohortOptions,
  accumulator: CohortAccumulator,
): void {
  const { grid, dataEnd } = options;
  const periodCount = grid.count;
  const from = groups.offsets[customer]!;
  const to = groups.offsets[customer + 1]!;
  accumulator.beginCustomer();
  let acquiredAt = Number.NaN;
  let end = from;
  for (; end < to; end++) {
    const row = groups.rows[end]!;
    const startedAt = subscriptions.startedAt[row]!;
    // Rows are sorted by start, so every later one also starts after the data's end.
    if (startedAt > dataEnd) break;
    if (Number.isNaN(acquiredAt)) acquiredAt = startedAt;
    const endedAt = subscriptions.endedAt[row]!;
    if (!(endedAt > startedAt)) continue; // covers no instant
    const first = grid.indexOf(startedAt);
    if (first >= periodCount) continue;
    accumulator.addActivePeriods(first, lastPeriodBefore(grid, endedAt));
  }
  if (Number.isNaN(acquiredAt)) return;
  if (!accumulator.enterCohorts(grid.indexOf(acquiredAt))) return;
  for (let position = from; position < end; position++) {
    const row = groups.rows[position]!;
    // In the MRR of period q when it covers q's last instant: startedAt < end(q) ≤ endedAt, i.e.
    // from the period containing startedAt to the one before the period containing endedAt.
    accumulator.addRevenue(
      grid.indexOf(subscriptions.startedAt[row]!),
      grid.indexOf(subscriptions.endedAt[row]!) - 1,
      subscriptions.annualCents[row]!,
    );
  }
}

/**
 * The cohort matrix of a paid-subscription table (metrics.md §3, subscription mode).
 *
 * - First-time cohorts (default): a customer's cohort is the grid period of their earliest
 *   `startedAt`; customers acquired outside the grid are in no cohort. Recurring: a customer is in
 *   the cohort of every grid period in which a subscription of theirs was active.
 * - Classic cell (c, k): members with a subscription covering any part of period c + k
 *   (startedAt < periodEnd and endedAt > periodStart; an ongoing subscription has endedAt = ∞).
 *   Rolling: such a subscription in c + k or any later grid period. Incomplete periods are `null`.
 * - `revenueCents` (c, k): the members' MRR (metrics.md §4) at the last instant of period c + k,
 *   i.e. Σ annualCents / 12 over their subscriptions with startedAt < periodEnd ≤ endedAt. The last
 *   instant rather than the start, so a cohort's period 0 holds what it acquired; not prorated,
 *   so it is a monthly rate whatever the granularity (may be fractional cents, e.g. 1000 / 12).
 * - Every grid period has a row (size 0 when nobody was acquired then).
 *
 * Complexity: O(n log P) for n subscriptions (plus a counting sort by customer) and O(Σ m²) for
 * recurring classic cohorts with m runs of active periods per customer, plus O(P²) for the matrix.
 *
 * @example
 * // One subscription from 2024-01-10, ongoing, data ends 2024-03-20, monthly grid Jan–Mar, 1200 cents/month:
 * subscriptionCohorts(table, { grid, dataEnd }).rows[0]
 * // { cohort: '2024-01', size: 1, counts: [1, 1, null], revenueCents: [1200, 1200, null], … }
 */
export function subscriptionCohorts(subscriptions: SubscriptionTable, options: CohortOptions): CohortMatrix {
  const resolved = resolveCohortOptions(options);
  const groups = groupRowsByCustomer(subscriptions, subscriptions.startedAt);
  const accumulator = new CohortAccumulator(resolved);
  const customers = subscriptions.customerIds.length;
  for (let customer = 0; customer < customers; customer++) {
    addSubscriptionCustomer(subscriptions, groups, customer, resolved, accumulator);
  }
  return accumulator.finish('subscription', MONTHS_PER_YEAR);
}

/**
 * The matrix of `subscriptionCohorts` broken down by a subscription attribute taken at acquisition:
 * the value on the customer's earliest subscription (among equal `startedAt`, the row
 * `groupRowsByCustomer` puts first — table order unless the rows were listed newest first).
 * One matrix per value (blank `''` included), sorted by descending number of customers in the
 * matrix, then by value; values whose customers enter no cohort are left out.
 *
 * Throws a `RangeError` naming an unknown attribute and listing the available ones.
 * Complexity: as `subscriptionCohorts`, plus O(V × P²) for V values.
 *
 * @example
 * subscriptionCohortsBy(table, 'plan', options) // [{ value: 'pro', matrix }, { value: 'team', matrix }]
 */
export function subscriptionCohortsBy(
  subscriptions: SubscriptionTable,
  attribute: string,
  options: CohortOptions,
): CohortBreakdownEntry[] {
  const column = attributeColumn(subscriptions.attributes, attribute);
  const resolved = resolveCohortOptions(options);
  const groups = groupRowsByCustomer(subscriptions, subscriptions.startedAt);
  const customers = subscriptions.customerIds.length;
  const valueOfCustomer = new Int32Array(customers);
  for (let customer = 0; customer < customers; customer++) {
    const first = groups.offsets[customer]!;
    const row = groups.rows[first];
    const acquired = first < groups.offsets[customer + 1]! && row !== undefined;
    valueOfCustomer[customer] =
      acquired && subscriptions.startedAt[row]! <= resolved.dataEnd ? column.codes[row]! : -1;
  }
  const accumulator = new CohortAccumulator(resolved);
  return breakdownMatrices(
    valueOfCustomer,
    column.labels,
    accumulator,
    (customer) => addSubscriptionCustomer(subscriptions, groups, customer, resolved, accumulator),
    () => accumulator.finish('subscription', MONTHS_PER_YEAR),
  );
}
