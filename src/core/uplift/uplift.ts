import { type Interval, newcombeDifference, summarizeSample, welchInterval } from './intervals.js';

/**
 * The uplift of an action over its holdout (docs/metrics.md §9): the retention difference with
 * Newcombe's interval and the revenue-per-customer difference with Welch's, each withheld as
 * "not enough data" while either arm has fewer than `MIN_CUSTOMERS_PER_ARM` customers.
 */

/** Below this many customers in either arm, no uplift is reported (metrics.md §9). */
export const MIN_CUSTOMERS_PER_ARM = 30;

/** One arm's outcomes: per customer, whether they were retained and the revenue they brought. */
export interface ArmOutcomes {
  /** Customers in the arm whose horizon has passed. */
  readonly customers: number;
  /** Of them, those retained (active at the horizon). */
  readonly retained: number;
  /** Each customer's revenue within the horizon (one value per customer, zeros included). */
  readonly revenue: ArrayLike<number>;
}

/** A difference treatment − holdout with its 95 % interval, or the reason there is none. */
export type UpliftEstimate =
  | {
      readonly difference: number;
      readonly low: number;
      readonly high: number;
      readonly treatment: number;
      readonly holdout: number;
      readonly reason: null;
    }
  | {
      readonly difference: null;
      readonly low: null;
      readonly high: null;
      readonly treatment: number | null;
      readonly holdout: number | null;
      readonly reason: 'not_enough_data';
    };

export interface Uplift {
  /** Retention rate (share of customers active at the horizon), treatment − holdout, Newcombe interval. */
  readonly retention: UpliftEstimate;
  /** Revenue per customer within the horizon, treatment − holdout, Welch interval (currency units as given). */
  readonly revenuePerCustomer: UpliftEstimate;
  /** Customers whose horizon has passed, per arm (what the estimates are computed over). */
  readonly measured: { readonly treatment: number; readonly holdout: number };
  readonly minimumPerArm: number;
}

function estimate(interval: Interval, treatment: number, holdout: number): UpliftEstimate {
  return {
    difference: interval.estimate,
    low: interval.low,
    high: interval.high,
    treatment,
    holdout,
    reason: null,
  };
}

function notEnough(treatment: number | null, holdout: number | null): UpliftEstimate {
  return { difference: null, low: null, high: null, treatment, holdout, reason: 'not_enough_data' };
}

/**
 * The uplift of treatment over holdout. Each arm's rate (`retained / customers`) and mean revenue
 * are given beside the difference; below `minimumPerArm` customers in an arm, both estimates are
 * `not_enough_data` (the arms' own figures still shown when an arm has customers). O(customers).
 *
 * Example: treatment 400 customers, 160 retained; holdout 100, 30 retained →
 * retention { difference 0.10, low ≈ −0.0067, high ≈ 0.1946, treatment 0.4, holdout 0.3 }.
 */
export function computeUplift(
  treatment: ArmOutcomes,
  holdout: ArmOutcomes,
  minimumPerArm: number = MIN_CUSTOMERS_PER_ARM,
): Uplift {
  const measured = { treatment: treatment.customers, holdout: holdout.customers };
  const rate = (arm: ArmOutcomes) => (arm.customers === 0 ? null : arm.retained / arm.customers);
  const meanRevenue = (arm: ArmOutcomes) => (arm.customers === 0 ? null : summarizeSample(arm.revenue).mean);
  if (treatment.customers < Math.max(2, minimumPerArm) || holdout.customers < Math.max(2, minimumPerArm)) {
    return {
      retention: notEnough(rate(treatment), rate(holdout)),
      revenuePerCustomer: notEnough(meanRevenue(treatment), meanRevenue(holdout)),
      measured,
      minimumPerArm,
    };
  }
  const retention = newcombeDifference(
    treatment.retained,
    treatment.customers,
    holdout.retained,
    holdout.customers,
  );
  const treatmentRevenue = summarizeSample(treatment.revenue);
  const holdoutRevenue = summarizeSample(holdout.revenue);
  return {
    retention: estimate(
      retention,
      treatment.retained / treatment.customers,
      holdout.retained / holdout.customers,
    ),
    revenuePerCustomer: estimate(
      welchInterval(treatmentRevenue, holdoutRevenue),
      treatmentRevenue.mean,
      holdoutRevenue.mean,
    ),
    measured,
    minimumPerArm,
  };
}
