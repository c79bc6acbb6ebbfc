/**
 * Cohort matrices over paid subscriptions (subscription mode, metrics.md §3 and §4).
 */
import type { SubscriptionTable } from '../data/subscription-table.js';
import type { PeriodGrid } from '../time/periods.js';
import { breakdownMatrices, CohortEngine, timeOrderedRows } from './cohort-engine.js';
import {
  attributeColumn,
  type CohortBreakdownEntry,
  type CohortMatrix,
  type CohortOptions,
  type ResolvedCohortOptions,
  resolveCohortOptions,
} from './cohort-matrix.js';

/** Annualised cents ÷ 12 = MRR (subscription-table.ts keeps yearly values so sums stay integers). */
const MONTHS_PER_YEAR = 12;

/** The last grid period with start < `endedAt` (the last one `[…, endedAt)` touches), −1 if none. */
export function lastPeriodBefore(grid: PeriodGrid, endedAt: number): number {
  const index = grid.indexOf(endedAt);
  if (index < 0) return -1;
  if (index >= grid.count) return grid.count - 1;
  return grid.starts[index]! < endedAt ? index : index - 1;
}

/**
 * Reads every subscription once, each customer's in order of `startedAt`. Acquisition = the
 * earliest `startedAt` at or before `dataEnd`; activity in period q = a subscription with
 * startedAt < end(q) and endedAt > start(q) (and endedAt > startedAt: an empty one covers nothing).
 * Subscriptions starting after `dataEnd` are skipped.
 */
function readSubscriptions(
  subscriptions: SubscriptionTable,
  options: ResolvedCohortOptions,
  rowOrder: Int32Array | null,
  engine: CohortEngine,
): void {
  const { grid, dataEnd } = options;
  const periodCount = grid.count;
  for (let position = 0; position < subscriptions.length; position++) {
    const row = rowOrder === null ? position : rowOrder[position]!;
    const customer = subscriptions.customer[row]!;
    if (engine.slotOf(customer) < 0) continue;
    const startedAt = subscriptions.startedAt[row]!;
    if (startedAt > dataEnd) continue;
    const endedAt = subscriptions.endedAt[row]!;
    const first = engine.periodOf(startedAt);
    engine.acquire(customer, first);
    if (first >= periodCount) continue;
    if (endedAt > startedAt) engine.activate(customer, first, lastPeriodBefore(grid, endedAt));
    // In the MRR of period q when it covers q's last instant: startedAt < end(q) ≤ endedAt, i.e.
    // from the period containing startedAt to the one before the period containing endedAt.
    engine.addRevenueOverPeriods(customer, first, grid.indexOf(endedAt) - 1, subscriptions.annualCents[row]!);
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
 * Complexity: one pass over the n subscriptions, O(log P) each (plus an O(n) grouping by customer
 * when the table is not in order of `startedAt` per customer); recurring classic cohorts add O(m)
 * per newly active stretch of a customer with m runs of active periods; O(C + P²) besides.
 *
 * @example
 * // One subscription from 2024-01-10, ongoing, data ends 2024-03-20, monthly grid Jan–Mar, 1200 cents/month:
 * subscriptionCohorts(table, { grid, dataEnd }).rows[0]
 * // { cohort: '2024-01', size: 1, counts: [1, 1, null], revenueCents: [1200, 1200, null], … }
 */
export function subscriptionCohorts(subscriptions: SubscriptionTable, options: CohortOptions): CohortMatrix {
  const resolved = resolveCohortOptions(options);
  const engine = new CohortEngine(resolved, subscriptions.customerIds.length);
  readSubscriptions(subscriptions, resolved, timeOrderedRows(subscriptions, subscriptions.startedAt), engine);
  return engine.finish('subscription', MONTHS_PER_YEAR)[0]!.matrix;
}

/**
 * The matrix of `subscriptionCohorts` broken down by a subscription attribute taken at acquisition:
 * the value on the customer's earliest subscription (among equal `startedAt`, the first listed when
 * the customer's rows are listed oldest first).
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
  const rowOrder = timeOrderedRows(subscriptions, subscriptions.startedAt);
  const customers = subscriptions.customerIds.length;
  // Each customer's value: the code on their earliest subscription at or before dataEnd (−1: none).
  const valueOfCustomer = new Int32Array(customers).fill(-1);
  for (let position = 0; position < subscriptions.length; position++) {
    const row = rowOrder === null ? position : rowOrder[position]!;
    const customer = subscriptions.customer[row]!;
    if (valueOfCustomer[customer] !== -1 || subscriptions.startedAt[row]! > resolved.dataEnd) continue;
    valueOfCustomer[customer] = column.codes[row]!;
  }
  return breakdownMatrices(valueOfCustomer, column.labels, resolved, (slotOfCustomer, slotCount) => {
    const engine = new CohortEngine(resolved, customers, slotOfCustomer, slotCount);
    readSubscriptions(subscriptions, resolved, rowOrder, engine);
    return engine.finish('subscription', MONTHS_PER_YEAR);
  });
}
