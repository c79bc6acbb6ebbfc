import type { OrderTable } from '../data/order-table.js';
import { InvalidInputError } from '../input-error.js';

export interface HistoricalValueOptions {
  /** Gross margin as a fraction in [0, 1] (default 1: revenue). */
  readonly margin?: number;
  /** Count rows with `orderedAt < asOf` only (default: every row). */
  readonly asOf?: number;
}

export interface HistoricalValue {
  /**
   * Per customer index (as in `orders.customerIds`): net revenue to date × margin, cents
   * (unrounded once a margin applies). Customers without an order before `asOf` hold their
   * refunds only (usually 0) and are left out of the statistics below.
   */
  readonly valueCents: Float64Array;
  /** Customers with at least one order (amount ≥ 0) before `asOf`. */
  readonly customers: number;
  /** Sum of `valueCents` over those customers. */
  readonly totalCents: number;
  /** Mean over those customers; `null` when there is none. */
  readonly meanCents: number | null;
  /** Median over those customers (mean of the two middle values when their number is even); `null` when none. */
  readonly medianCents: number | null;
}

/**
 * Historical customer value (metrics.md §5): the sum of each customer's order amounts net of
 * refunds up to `asOf`, times the gross margin, with the total, mean and median over the customers
 * who have ordered.
 *
 * Choices: refunds count when dated before `asOf` (wherever their original order is); a customer
 * is counted once they have an order (a refund alone does not acquire a customer, see
 * order-table.ts), so the mean is per acquired customer. Net revenue is summed exactly in cents
 * and multiplied by the margin once per customer.
 *
 * Complexity: O(n) over the rows plus O(c log c) for the median of c customers.
 *
 * @example
 * // a: 100.00 and a 20.00 refund; b: 50.00; margin 0.5
 * historicalValue(table, { margin: 0.5 }) // → valueCents [4000, 2500], customers 2,
 * //   totalCents 6500, meanCents 3250, medianCents 3250
 */
export function historicalValue(orders: OrderTable, options: HistoricalValueOptions = {}): HistoricalValue {
  const margin = options.margin ?? 1;
  if (!(margin >= 0 && margin <= 1))
    throw new InvalidInputError(`margin must be a fraction in [0, 1], got ${margin}`);
  const asOf = options.asOf ?? Number.POSITIVE_INFINITY;
  const customerTotal = orders.customerIds.length;
  const netCents = new Float64Array(customerTotal);
  const hasOrder = new Uint8Array(customerTotal);
  const { customer, orderedAt, amountCents } = orders;
  for (let row = 0; row < orders.length; row++) {
    if (!(orderedAt[row]! < asOf)) continue;
    const index = customer[row]!;
    const amount = amountCents[row]!;
    netCents[index]! += amount;
    if (amount >= 0) hasOrder[index] = 1;
  }

  const valueCents = netCents;
  let customers = 0;
  for (let index = 0; index < customerTotal; index++) {
    valueCents[index] = netCents[index]! * margin;
    customers += hasOrder[index]!;
  }
  const counted = new Float64Array(customers);
  let totalCents = 0;
  let next = 0;
  for (let index = 0; index < customerTotal; index++) {
    if (hasOrder[index] === 0) continue;
    counted[next++] = valueCents[index]!;
    totalCents += valueCents[index]!;
  }
  counted.sort();
  const middle = customers >>> 1;
  const medianCents =
    customers === 0
      ? null
      : customers % 2 === 1
        ? counted[middle]!
        : (counted[middle - 1]! + counted[middle]!) / 2;
  return {
    valueCents,
    customers,
    totalCents,
    meanCents: customers === 0 ? null : totalCents / customers,
    medianCents,
  };
}
