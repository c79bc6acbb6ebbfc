import studentTQuantile from '@stdlib/stats-base-dists-t-quantile';

/**
 * Confidence intervals for the uplift of an action (docs/metrics.md §9): Wilson's score interval
 * for one proportion, Newcombe's hybrid score interval for the difference of two independent
 * proportions, and Welch's interval for the difference of two means with unequal variances.
 */

/** A two-sided interval `[low, high]` around `estimate`. */
export interface Interval {
  readonly estimate: number;
  readonly low: number;
  readonly high: number;
}

/** z such that P(|Z| ≤ z) = 0.95 for a standard normal Z (Φ⁻¹(0.975)). */
export const Z_95 = 1.959963984540054;

/**
 * Wilson's score interval for a proportion (Wilson 1927; Newcombe 1998 "Two-sided confidence
 * intervals for the single proportion", method 3): the p for which |x/n − p| ≤ z √(p(1 − p)/n),
 *
 *     (2x + z² ± z √(z² + 4x(1 − x/n))) / (2(n + z²)).
 *
 * Stays inside [0, 1] and behaves at x = 0 or x = n. O(1). n must be ≥ 1.
 *
 * Example: `wilsonInterval(81, 263)` → estimate 0.308, [0.2553, 0.3662] (Newcombe 1998, Table I, method 3).
 */
export function wilsonInterval(successes: number, trials: number, z: number = Z_95): Interval {
  if (!(trials >= 1) || successes < 0 || successes > trials) {
    throw new RangeError(
      `wilsonInterval needs 0 ≤ successes ≤ trials and trials ≥ 1, got ${successes}/${trials}`,
    );
  }
  const proportion = successes / trials;
  const zSquared = z * z;
  const centre = 2 * successes + zSquared;
  const spread = z * Math.sqrt(zSquared + 4 * successes * (1 - proportion));
  const denominator = 2 * (trials + zSquared);
  return {
    estimate: proportion,
    low: successes === 0 ? 0 : (centre - spread) / denominator,
    high: successes === trials ? 1 : (centre + spread) / denominator,
  };
}

/**
 * Newcombe's hybrid score interval for the difference p₁ − p₂ of two independent proportions
 * (Newcombe 1998, "Interval estimation for the difference between independent proportions:
 * comparison of eleven methods", Statistics in Medicine 17:873–890, method 10): with (l₁, u₁) and
 * (l₂, u₂) the Wilson intervals of each proportion,
 *
 *     low  = (p₁ − p₂) − √((p₁ − l₁)² + (u₂ − p₂)²)
 *     high = (p₁ − p₂) + √((u₁ − p₁)² + (p₂ − l₂)²).
 *
 * Its coverage stays close to nominal down to small samples, where the Wald interval does not.
 * O(1). Both n ≥ 1.
 *
 * Example: `newcombeDifference(56, 70, 48, 80)` → 0.2, [0.0524, 0.3339] (Newcombe 1998, Table II, example (a)).
 */
export function newcombeDifference(
  successes1: number,
  trials1: number,
  successes2: number,
  trials2: number,
  z: number = Z_95,
): Interval {
  const first = wilsonInterval(successes1, trials1, z);
  const second = wilsonInterval(successes2, trials2, z);
  const difference = first.estimate - second.estimate;
  return {
    estimate: difference,
    low: difference - Math.hypot(first.estimate - first.low, second.high - second.estimate),
    high: difference + Math.hypot(first.high - first.estimate, second.estimate - second.low),
  };
}

/** A sample summarised: size, mean and unbiased variance (divisor n − 1). */
export interface SampleSummary {
  readonly count: number;
  readonly mean: number;
  readonly variance: number;
}

/**
 * Size, mean and unbiased variance of `values` in one pass (Welford 1962, numerically stable).
 * Variance 0 for fewer than two values. O(n). Example: `summarizeSample([1, 2, 3, 4])` → { count 4, mean 2.5, variance 1.6667 }.
 */
export function summarizeSample(values: ArrayLike<number>): SampleSummary {
  let mean = 0;
  let sumOfSquares = 0;
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    const delta = value - mean;
    mean += delta / (index + 1);
    sumOfSquares += delta * (value - mean);
  }
  const count = values.length;
  return {
    count,
    mean: count === 0 ? Number.NaN : mean,
    variance: count < 2 ? 0 : sumOfSquares / (count - 1),
  };
}

/** Welch's interval: the difference of means with its Welch–Satterthwaite degrees of freedom. */
export interface WelchInterval extends Interval {
  /** ν = (s₁²/n₁ + s₂²/n₂)² / ((s₁²/n₁)²/(n₁ − 1) + (s₂²/n₂)²/(n₂ − 1)); Infinity when both variances are 0. */
  readonly degreesOfFreedom: number;
}

/**
 * Welch's interval for the difference of two means μ₁ − μ₂ without assuming equal variances (Welch
 * 1947; as R's `t.test(x, y)`): (x̄₁ − x̄₂) ± t₀.₉₇₅,ν · √(s₁²/n₁ + s₂²/n₂), with ν the
 * Welch–Satterthwaite degrees of freedom and t the Student quantile (stdlib's, exact for any ν).
 * Both samples need n ≥ 2. When both variances are 0 the interval is the point. O(1).
 *
 * Example: R's `t.test(extra ~ group, data = sleep)` → −1.58, [−3.3654832, 0.2054832], ν = 17.776.
 */
export function welchInterval(first: SampleSummary, second: SampleSummary, confidence = 0.95): WelchInterval {
  if (first.count < 2 || second.count < 2) {
    throw new RangeError(
      `welchInterval needs at least 2 values per sample, got ${first.count} and ${second.count}`,
    );
  }
  const estimate = first.mean - second.mean;
  const share1 = first.variance / first.count;
  const share2 = second.variance / second.count;
  const variance = share1 + share2;
  if (variance === 0)
    return { estimate, low: estimate, high: estimate, degreesOfFreedom: Number.POSITIVE_INFINITY };
  const degreesOfFreedom =
    (variance * variance) / ((share1 * share1) / (first.count - 1) + (share2 * share2) / (second.count - 1));
  const margin = studentTQuantile(1 - (1 - confidence) / 2, degreesOfFreedom) * Math.sqrt(variance);
  return { estimate, low: estimate - margin, high: estimate + margin, degreesOfFreedom };
}
