import { groupRowsByCustomer, type OrderTable } from '../data/order-table.js';
import { InvalidInputError } from '../input-error.js';
import { LocalDayMapper } from '../time/periods.js';

/** Each customer's purchase rhythm as of an instant (columns aligned with `customerIds`). */
export interface PurchaseRhythm {
  readonly customerIds: readonly string[];
  /** Whole days from the local date of the last order before `asOf` to the local date of `asOf`; NaN without one. */
  readonly daysSinceLastOrder: Float64Array;
  /** Median gap in days between consecutive distinct purchase days; NaN with fewer than 2 purchase days. */
  readonly typicalGapDays: Float64Array;
  /** Number of distinct local purchase days before `asOf`. */
  readonly purchaseDays: Int32Array;
}

/**
 * How overdue each customer is against their own rhythm (metrics.md §7), in one pass over the
 * orders grouped by customer: the days since the last order and the customer's median gap between
 * distinct purchase days (local calendar days in `timeZone`, as RFM recency in metrics.md §6).
 *
 * Only orders (amount ≥ 0, refunds are not activity) strictly before `asOf` count. Several orders on
 * one local day are one purchase day. The median, not the mean, so one long holiday does not make a
 * weekly buyer look like a quarterly one; with an even number of gaps it is the mean of the middle
 * two.
 *
 * Complexity: O(n) grouping (counting sort; each customer's rows sorted only when out of order),
 * then O(g log g) per customer for the median of their g gaps.
 *
 * @example
 * // orders on Jan 1, Jan 11, Jan 31, asOf Feb 10 → daysSinceLastOrder 10, gaps [10, 20] → typicalGapDays 15
 */
export function purchaseRhythm(
  orders: OrderTable,
  options: { readonly asOf: number; readonly timeZone?: string },
): PurchaseRhythm {
  const { asOf } = options;
  if (!Number.isFinite(asOf)) throw new InvalidInputError(`asOf must be a finite instant, got ${asOf}`);
  const days = new LocalDayMapper(options.timeZone ?? 'UTC');
  const asOfDay = days.dayNumber(asOf);
  const customerCount = orders.customerIds.length;
  const daysSinceLastOrder = new Float64Array(customerCount).fill(Number.NaN);
  const typicalGapDays = new Float64Array(customerCount).fill(Number.NaN);
  const purchaseDays = new Int32Array(customerCount);
  const { offsets, rows } = groupRowsByCustomer(orders, orders.orderedAt);

  let longestGroup = 0;
  for (let customer = 0; customer < customerCount; customer++) {
    longestGroup = Math.max(longestGroup, offsets[customer + 1]! - offsets[customer]!);
  }
  const gaps = new Float64Array(longestGroup); // reused scratch: no per-customer allocation

  for (let customer = 0; customer < customerCount; customer++) {
    let previousDay = Number.NaN;
    let distinctDays = 0;
    let gapCount = 0;
    for (let index = offsets[customer]!; index < offsets[customer + 1]!; index++) {
      const row = rows[index]!;
      const orderedAt = orders.orderedAt[row]!;
      if (orders.amountCents[row]! < 0) continue;
      if (!(orderedAt < asOf)) break; // rows are in time order
      const day = days.dayNumber(orderedAt);
      if (day === previousDay) continue;
      if (distinctDays > 0) gaps[gapCount++] = day - previousDay;
      previousDay = day;
      distinctDays++;
    }
    purchaseDays[customer] = distinctDays;
    if (distinctDays === 0) continue;
    daysSinceLastOrder[customer] = asOfDay - previousDay;
    if (gapCount === 0) continue;
    const sorted = gaps.subarray(0, gapCount).sort();
    const middle = gapCount >> 1;
    typicalGapDays[customer] =
      gapCount % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  }
  return { customerIds: orders.customerIds, daysSinceLastOrder, typicalGapDays, purchaseDays };
}
