import { groupRowsByCustomer } from '../data/order-table.js';
import type { SubscriptionTable } from '../data/subscription-table.js';
import type { PeriodGrid } from '../time/periods.js';

/**
 * Monthly recurring revenue at an instant (metrics.md §4): the sum of the monthly-normalised
 * amounts of the subscriptions active at `instant` (`startedAt ≤ instant < endedAt`, metrics.md §1).
 * The table holds yearly values (`annualCents`, exact integers for the usual prices); they are
 * summed exactly and divided by 12 once, so rounding happens only at display.
 *
 * Complexity: O(n) over the n subscriptions.
 *
 * @example
 * // a 30.00/month subscription and a 1,200.00/year one, both active on 2024-03-15
 * mrrAt(table, Date.parse('2024-03-15T00:00:00Z')) // → (36,000 + 120,000) / 12 = 13,000 cents
 */
export function mrrAt(subscriptions: SubscriptionTable, instant: number): number {
  const { startedAt, endedAt, annualCents } = subscriptions;
  let annual = 0;
  for (let row = 0; row < subscriptions.length; row++) {
    if (startedAt[row]! <= instant && instant < endedAt[row]!) annual += annualCents[row]!;
  }
  return annual / 12;
}

/** How many customers made each MRR movement in a period. */
export interface MrrMovementCustomers {
  readonly new: number;
  readonly expansion: number;
  readonly contraction: number;
  readonly churned: number;
  readonly reactivated: number;
}

/**
 * One period's MRR bridge. Amounts are cents of MRR (unrounded: a yearly price / 12 need not be
 * whole); contraction and churn are positive amounts. Identity:
 * `mrrEndCents = mrrStartCents + newCents + reactivationCents + expansionCents − contractionCents − churnCents`.
 */
export interface MrrMovement {
  readonly label: string;
  readonly start: number;
  readonly end: number;
  readonly mrrStartCents: number;
  readonly mrrEndCents: number;
  readonly newCents: number;
  readonly expansionCents: number;
  readonly contractionCents: number;
  readonly churnCents: number;
  readonly reactivationCents: number;
  readonly customers: MrrMovementCustomers;
  /** Net revenue retention, percent; `null` when MRR at the start is 0. */
  readonly nrr: number | null;
  /** Gross revenue retention, percent; `null` when MRR at the start is 0. */
  readonly grr: number | null;
}

/** Index of the first boundary ≥ `instant` (`boundaries.length` when none): binary search. */
function firstBoundaryAtOrAfter(boundaries: Float64Array, instant: number): number {
  let low = 0;
  let high = boundaries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (boundaries[middle]! < instant) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The MRR movements of each period of `grid` (metrics.md §4; monthly grids are the standard view,
 * any granularity works). Each customer's MRR is taken at the period's start and at its end (the
 * next period's start) and the change is classified:
 * - **new**: 0 → > 0, and the customer never had a paid subscription starting before the period;
 * - **reactivation**: 0 → > 0, and a paid subscription of theirs started before the period start;
 * - **expansion** / **contraction**: > 0 → more / less;
 * - **churn**: > 0 → 0 (the whole starting MRR is lost).
 *
 * NRR = (MRR_start + expansion − contraction − churn) / MRR_start × 100 and
 * GRR = (MRR_start − contraction − churn) / MRR_start × 100, over the customers with MRR_start > 0
 * (new and reactivated revenue is excluded by construction); `null` when MRR_start = 0. So
 * NRR ≥ GRR always, and GRR ≤ 100.
 *
 * Choices: at a boundary a customer's MRR counts only once they were acquired before it (their first
 * paid start is earlier), the boundary rule of docs/metrics.md §1; so the MRR at a boundary equals
 * `mrrAt` except for customers whose first paid subscription starts exactly there. A subscription
 * whose `annualCents` is 0 is not "paid" (it carries no MRR and does not
 * make a later start a reactivation). Changes inside a period that cancel out by its end are not
 * movements (start and end are compared, as ChartMogul's and Baremetrics' bridges do).
 *
 * Method: subscriptions grouped by customer (counting sort); per customer, a difference array over
 * the grid's boundaries (+annual at the first boundary a subscription covers, −annual at the first
 * it no longer covers) gives the MRR at every boundary in one prefix sum. A parallel count of
 * active subscriptions makes "no active subscription" exactly 0 even if non-integer yearly amounts
 * (e.g. a 3-weekly price) leave a rounding residue. Complexity O(n log B + customers × B) for n
 * subscriptions and B boundaries; memory O(customers + n + B).
 *
 * @example
 * // one customer: 10.00/month from 2024-01-05, upgraded to 15.00/month on 2024-02-10
 * mrrMovements(table, PeriodGrid.covering(jan1, mar1, 'month'))
 * // → 2024-01: new 1,000; 2024-02: expansion 500, nrr 150, grr 100
 */
export function mrrMovements(subscriptions: SubscriptionTable, grid: PeriodGrid): MrrMovement[] {
  const boundaries = grid.starts;
  const boundaryCount = boundaries.length;
  const periods = grid.count;
  const { startedAt, endedAt, annualCents } = subscriptions;
  const { offsets, rows } = groupRowsByCustomer(subscriptions, startedAt);

  // Per-period totals in yearly cents, divided by 12 once at the end.
  const startTotal = new Float64Array(periods);
  const endTotal = new Float64Array(periods);
  const newTotal = new Float64Array(periods);
  const expansionTotal = new Float64Array(periods);
  const contractionTotal = new Float64Array(periods);
  const churnTotal = new Float64Array(periods);
  const reactivationTotal = new Float64Array(periods);
  const newCount = new Int32Array(periods);
  const expansionCount = new Int32Array(periods);
  const contractionCount = new Int32Array(periods);
  const churnCount = new Int32Array(periods);
  const reactivationCount = new Int32Array(periods);

  // Scratch, reused for every customer: difference arrays, then the annual MRR at each boundary.
  const annualDelta = new Float64Array(boundaryCount + 1);
  const activeDelta = new Int32Array(boundaryCount + 1);
  const annualAtBoundary = new Float64Array(boundaryCount);

  const customers = subscriptions.customerIds.length;
  for (let customer = 0; customer < customers; customer++) {
    const from = offsets[customer]!;
    const to = offsets[customer + 1]!;
    if (from === to) continue;
    annualDelta.fill(0);
    activeDelta.fill(0);
    let firstPaidStart = Number.POSITIVE_INFINITY;
    let touchesGrid = false;
    for (let position = from; position < to; position++) {
      const row = rows[position]!;
      const annual = annualCents[row]!;
      if (!(annual > 0)) continue;
      if (startedAt[row]! < firstPaidStart) firstPaidStart = startedAt[row]!;
      // Covered boundaries are those b with startedAt ≤ b < endedAt.
      const first = firstBoundaryAtOrAfter(boundaries, startedAt[row]!);
      const afterLast = firstBoundaryAtOrAfter(boundaries, endedAt[row]!);
      if (first >= afterLast) continue;
      touchesGrid = true;
      annualDelta[first]! += annual;
      annualDelta[afterLast]! -= annual;
      activeDelta[first]!++;
      activeDelta[afterLast]!--;
    }
    if (!touchesGrid) continue;
    let annual = 0;
    let active = 0;
    for (let boundary = 0; boundary < boundaryCount; boundary++) {
      annual += annualDelta[boundary]!;
      active += activeDelta[boundary]!;
      // Retain's boundary rule (docs/metrics.md §1): a customer counts at a boundary only once
      // acquired before it, so a first subscription starting exactly on a boundary is new in the
      // period that starts there, as in the retention figures.
      annualAtBoundary[boundary] = active > 0 && firstPaidStart < boundaries[boundary]! ? annual : 0;
    }
    for (let period = 0; period < periods; period++) {
      const atStart = annualAtBoundary[period]!;
      const atEnd = annualAtBoundary[period + 1]!;
      startTotal[period]! += atStart;
      endTotal[period]! += atEnd;
      if (atStart === 0) {
        if (atEnd === 0) continue;
        if (firstPaidStart < boundaries[period]!) {
          reactivationTotal[period]! += atEnd;
          reactivationCount[period]!++;
        } else {
          newTotal[period]! += atEnd;
          newCount[period]!++;
        }
      } else if (atEnd === 0) {
        churnTotal[period]! += atStart;
        churnCount[period]!++;
      } else if (atEnd > atStart) {
        expansionTotal[period]! += atEnd - atStart;
        expansionCount[period]!++;
      } else if (atEnd < atStart) {
        contractionTotal[period]! += atStart - atEnd;
        contractionCount[period]!++;
      }
    }
  }

  const movements: MrrMovement[] = [];
  for (let period = 0; period < periods; period++) {
    const start = startTotal[period]!;
    const expansion = expansionTotal[period]!;
    const contraction = contractionTotal[period]!;
    const churn = churnTotal[period]!;
    movements.push({
      label: grid.label(period),
      start: grid.start(period),
      end: grid.end(period),
      mrrStartCents: start / 12,
      mrrEndCents: endTotal[period]! / 12,
      newCents: newTotal[period]! / 12,
      expansionCents: expansion / 12,
      contractionCents: contraction / 12,
      churnCents: churn / 12,
      reactivationCents: reactivationTotal[period]! / 12,
      customers: {
        new: newCount[period]!,
        expansion: expansionCount[period]!,
        contraction: contractionCount[period]!,
        churned: churnCount[period]!,
        reactivated: reactivationCount[period]!,
      },
      nrr: start > 0 ? ((start + expansion - contraction - churn) / start) * 100 : null,
      grr: start > 0 ? ((start - contraction - churn) / start) * 100 : null,
    });
  }
  return movements;
}
