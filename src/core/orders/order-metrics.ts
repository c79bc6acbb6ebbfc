import type { OrderTable } from '../data/order-table.js';

/** The time range of `orderMetrics`: rows with `from ≤ orderedAt < to` (either end may be open). */
export interface OrderMetricsOptions {
  /** Inclusive start instant (epoch ms); default: no lower bound. */
  readonly from?: number;
  /** Exclusive end instant (epoch ms); default: no upper bound. */
  readonly to?: number;
}

/** Order and revenue figures over a time range (see `orderMetrics` for each definition). */
export interface OrderMetrics {
  /** Distinct customers with at least one order (amount ≥ 0) in the range. */
  readonly customers: number;
  /** Rows with amount ≥ 0 in the range (a zero-amount order is an order). */
  readonly orders: number;
  /** Rows with a negative amount in the range. */
  readonly refunds: number;
  /** Sum of the order amounts (rows with amount ≥ 0), cents. */
  readonly grossRevenueCents: number;
  /** Sum of the refunded amounts as a positive number of cents. */
  readonly refundedCents: number;
  /** `grossRevenueCents − refundedCents`. */
  readonly netRevenueCents: number;
  /** `grossRevenueCents / orders`, unrounded; `null` when there is no order. */
  readonly averageOrderValueCents: number | null;
  /** `orders / customers`; `null` when there is no customer. */
  readonly purchaseFrequency: number | null;
  /** Percentage (0–100, unrounded) of `customers` with at least 2 orders in the range; `null` when none. */
  readonly repeatPurchaseRate: number | null;
}

/**
 * Order count, revenue and the usual e-commerce ratios over the rows with `orderedAt` in
 * `[from, to)` (metrics.md preamble: periods are half-open).
 *
 * Choices (order-table.ts conventions): a negative row is a refund — it lowers net revenue in the
 * range where it is dated (not in its original order's range) but is neither an order nor
 * activity, so it adds no customer and no order. Average order value uses *gross* revenue over
 * orders, since a refund is not an order and net / orders would mix the two. A customer's
 * "repeat" is a second order row in the range (not a second day), as shop dashboards count it.
 *
 * Complexity: O(n) time over the n rows, O(customers) memory for the per-customer order counts.
 *
 * @example
 * // a: 10.00 and 30.00; b: 20.00 then a 5.00 refund
 * orderMetrics(table) // → { customers: 2, orders: 3, refunds: 1, grossRevenueCents: 6000,
 * //   refundedCents: 500, netRevenueCents: 5500, averageOrderValueCents: 2000,
 * //   purchaseFrequency: 1.5, repeatPurchaseRate: 50 }
 */
export function orderMetrics(orders: OrderTable, options: OrderMetricsOptions = {}): OrderMetrics {
  const from = options.from ?? Number.NEGATIVE_INFINITY;
  const to = options.to ?? Number.POSITIVE_INFINITY;
  const ordersPerCustomer = new Int32Array(orders.customerIds.length);
  const { customer, orderedAt, amountCents } = orders;
  let orderCount = 0;
  let refundCount = 0;
  let grossRevenueCents = 0;
  let refundedCents = 0;
  let customers = 0;
  let repeatCustomers = 0;
  for (let row = 0; row < orders.length; row++) {
    const instant = orderedAt[row]!;
    if (!(instant >= from && instant < to)) continue;
    const amount = amountCents[row]!;
    if (amount < 0) {
      refundCount++;
      refundedCents -= amount;
      continue;
    }
    orderCount++;
    grossRevenueCents += amount;
    const index = customer[row]!;
    const count = ++ordersPerCustomer[index]!;
    // Count customers on their first and second order so no second pass is needed.
    if (count === 1) customers++;
    else if (count === 2) repeatCustomers++;
  }
  return {
    customers,
    orders: orderCount,
    refunds: refundCount,
    grossRevenueCents,
    refundedCents,
    netRevenueCents: grossRevenueCents - refundedCents,
    averageOrderValueCents: orderCount === 0 ? null : grossRevenueCents / orderCount,
    purchaseFrequency: customers === 0 ? null : orderCount / customers,
    repeatPurchaseRate: customers === 0 ? null : (repeatCustomers / customers) * 100,
  };
}
