import { InvalidInputError } from '../input-error.js';
import { DAYS_PER_MONTH } from '../time/units.js';
import type { SpendModel } from './gamma-gamma.js';
import { type SummaryInput, toSummaryColumns } from './summary-columns.js';

/**
 * Predictive customer lifetime value (metrics.md §5): a transaction model (BG/NBD, MBG/NBD,
 * Pareto/NBD) gives the expected number of future purchases, a spend model (Gamma-Gamma) the
 * expected value of each, and the month-by-month product is discounted.
 */

/**
 * What CLV needs from a transaction model: E[X(t) | x, t_x, T], the expected purchases in the next
 * t time units. Every `TransactionModel` (BG/NBD, MBG/NBD, Pareto/NBD) has it.
 */
export interface PurchasePredictor {
  conditionalExpectedPurchases(t: number, frequency: number, recency: number, T: number): number;
}

export interface CustomerLifetimeValueOptions {
  /** H, the number of months summed (a whole number ≥ 0; default 12). */
  readonly horizonMonths?: number;
  /** d, the discount rate per month (default 0.01; must be > −1). */
  readonly monthlyDiscountRate?: number;
  /** Multiplies the value (gross margin as a fraction; default 1, i.e. revenue). */
  readonly margin?: number;
  /**
   * The unit of `recency` and `T` in `customers`, which is also the unit the transaction model
   * was fitted in: a month is 365.25 / 12 days, or that / 7 weeks. Required: guessing it wrong
   * changes every value (lifetimes' CDNOW example passes weekly summaries with its default
   * `freq='D'`, so its "month" is 30 weeks).
   */
  readonly timeUnit: 'day' | 'week';
}

/**
 * Expected discounted value of each customer over the next H months (metrics.md §5):
 *   CLV = Σ_{i=1..H} (E[X(i)] − E[X(i−1)]) × E[M] × margin / (1 + d)^i
 * where E[X(i)] = transactionModel.conditionalExpectedPurchases(i months, x, t_x, T), the
 * customer's expected purchases by the end of month i (E[X(0)] = 0), and E[M] =
 * spendModel.conditionalExpectedAverageValue(x, monetary), the Gamma-Gamma posterior mean spend
 * per purchase. Each month's purchases are discounted as if they happened at its end.
 *
 * Months: 365.25 / 12 = 30.4375 days (4.348… weeks), not lifetimes' 30 days / 4.345 weeks per
 * month. Values are in the unit of `monetary` (e.g. cents). Invalid options throw a RangeError
 * (they are programming errors, not data problems); `customers` without a monetary column throw a
 * TypeError. O(n × H) model evaluations.
 *
 * @example
 * // A model expecting 2 purchases a month, spend 50, d = 0, margin 0.3, H = 3:
 * // 3 months × 2 × 50 × 0.3 = 90 per customer.
 * customerLifetimeValue(model, gammaGamma, customers, { horizonMonths: 3, monthlyDiscountRate: 0, margin: 0.3, timeUnit: 'week' })
 */
export function customerLifetimeValue(
  transactionModel: PurchasePredictor,
  spendModel: SpendModel,
  customers: SummaryInput,
  options: CustomerLifetimeValueOptions,
): Float64Array {
  const horizonMonths = options.horizonMonths ?? 12;
  const discountRate = options.monthlyDiscountRate ?? 0.01;
  const margin = options.margin ?? 1;
  if (!(Number.isInteger(horizonMonths) && horizonMonths >= 0)) {
    throw new InvalidInputError(`horizonMonths must be a whole number ≥ 0, got ${horizonMonths}.`);
  }
  if (!(Number.isFinite(discountRate) && discountRate > -1)) {
    throw new InvalidInputError(`monthlyDiscountRate must be a finite number > −1, got ${discountRate}.`);
  }
  if (!Number.isFinite(margin)) throw new InvalidInputError(`margin must be a finite number, got ${margin}.`);
  if (options.timeUnit !== 'day' && options.timeUnit !== 'week') {
    throw new InvalidInputError(`timeUnit must be 'day' or 'week', got ${String(options.timeUnit)}.`);
  }
  const monthLength = options.timeUnit === 'day' ? DAYS_PER_MONTH : DAYS_PER_MONTH / 7;

  const columns = toSummaryColumns(customers);
  if (columns.length === 0) return new Float64Array(0);
  const monetary = columns.monetary;
  if (!monetary) throw new TypeError('customerLifetimeValue needs customers with a monetary column.');

  // Discount factors are the same for every customer.
  const discountFactors = new Float64Array(horizonMonths + 1);
  for (let month = 1; month <= horizonMonths; month++) discountFactors[month] = (1 + discountRate) ** -month;

  const values = new Float64Array(columns.length);
  if (horizonMonths === 0) return values;
  for (let index = 0; index < columns.length; index++) {
    const frequency = columns.frequency[index]!;
    const recency = columns.recency[index]!;
    const T = columns.T[index]!;
    const expectedSpend = spendModel.conditionalExpectedAverageValue(frequency, monetary[index]!);
    let discountedPurchases = 0;
    let purchasesBefore = 0;
    for (let month = 1; month <= horizonMonths; month++) {
      const purchasesByMonthEnd = transactionModel.conditionalExpectedPurchases(
        month * monthLength,
        frequency,
        recency,
        T,
      );
      discountedPurchases += (purchasesByMonthEnd - purchasesBefore) * discountFactors[month]!;
      purchasesBefore = purchasesByMonthEnd;
    }
    values[index] = discountedPurchases * expectedSpend * margin;
  }
  return values;
}
