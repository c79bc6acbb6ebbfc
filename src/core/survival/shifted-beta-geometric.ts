import { InvalidInputError } from '../input-error.js';
import { checkIdentified } from '../math/identified.js';
import { minimize } from '../math/optimize.js';
import { digamma, logBeta } from '../math/special.js';
import { type CoreIssue, fail, ok, type Result } from '../result.js';

/**
 * The shifted-beta-geometric (sBG) model of contract duration (Fader & Hardie 2007, "How to
 * Project Customer Retention", Journal of Interactive Marketing 21(1)). Each customer renews at
 * the end of every period with their own probability 1 − θ (churns with probability θ), and θ
 * varies across customers as beta(α, β). Period 0 is the period of acquisition; the lifetime T is
 * the period in which a customer churns (T = 1, 2, …).
 *
 * The paper's formulas (§3 and its appendix, with S(0) = 1):
 *   P(T = t) = B(α + 1, β + t − 1) / B(α, β)
 *   S(t) = P(T > t) = B(α, β + t) / B(α, β)
 *   r_t = S(t) / S(t − 1) = (β + t − 1) / (α + β + t − 1)
 * The retention rate rises with t: the customers who churn easily leave first.
 */

export interface ShiftedBetaGeometricParams {
  readonly alpha: number;
  readonly beta: number;
}

/**
 * Log-likelihood of a cohort's survivor counts (Fader & Hardie 2007, Appendix: the paper's
 * spreadsheet): each customer lost in period t (survivors[t−1] − survivors[t] of them) contributes
 * ln P(T = t), and each still alive at the start of the last observed period k contributes
 * ln S(k). With `gradient`, also fills ∂/∂(ln α, ln β). O(k).
 *
 * @example shiftedBetaGeometricLogLikelihood({ alpha: 1, beta: 1 }, [2, 1])
 * // one loss in period 1, P(T=1) = B(2,1)/B(1,1) = 1/2; one survivor, S(1) = B(1,2)/B(1,1) = 1/2
 * // → 2 ln(1/2)
 */
export function shiftedBetaGeometricLogLikelihood(
  params: ShiftedBetaGeometricParams,
  survivingByPeriod: readonly number[],
  gradient?: Float64Array,
): number {
  const { alpha, beta } = params;
  const logBetaAB = logBeta(alpha, beta);
  const digammaAlpha = digamma(alpha);
  const digammaBeta = digamma(beta);
  const digammaAlphaBeta = digamma(alpha + beta);
  let total = 0;
  let dAlpha = 0;
  let dBeta = 0;
  const lastPeriod = survivingByPeriod.length - 1;
  for (let t = 1; t <= lastPeriod; t++) {
    const lost = survivingByPeriod[t - 1]! - survivingByPeriod[t]!;
    if (lost === 0) continue;
    total += lost * (logBeta(alpha + 1, beta + t - 1) - logBetaAB);
    if (gradient) {
      const digammaSum = digamma(alpha + beta + t);
      dAlpha += lost * (digamma(alpha + 1) - digammaSum - digammaAlpha + digammaAlphaBeta);
      dBeta += lost * (digamma(beta + t - 1) - digammaSum - digammaBeta + digammaAlphaBeta);
    }
  }
  const survivors = survivingByPeriod[lastPeriod] ?? 0;
  if (survivors > 0) {
    total += survivors * (logBeta(alpha, beta + lastPeriod) - logBetaAB);
    if (gradient) {
      const digammaSum = digamma(alpha + beta + lastPeriod);
      dAlpha += survivors * (digammaAlpha - digammaSum - digammaAlpha + digammaAlphaBeta);
      dBeta += survivors * (digamma(beta + lastPeriod) - digammaSum - digammaBeta + digammaAlphaBeta);
    }
  }
  if (gradient) {
    gradient[0] = alpha * dAlpha;
    gradient[1] = beta * dBeta;
  }
  return total;
}

function validate(survivingByPeriod: readonly number[]): CoreIssue | null {
  if (survivingByPeriod.length < 2) {
    return {
      code: 'not-enough-periods',
      message: 'The sBG model needs the cohort size and the survivors of at least one period.',
    };
  }
  for (let t = 0; t < survivingByPeriod.length; t++) {
    const count = survivingByPeriod[t]!;
    if (!(Number.isFinite(count) && count >= 0)) {
      return {
        code: 'invalid-count',
        message: `Survivor counts must be finite and ≥ 0, got ${count}.`,
        path: [t],
      };
    }
    if (t > 0 && count > survivingByPeriod[t - 1]!) {
      return {
        code: 'increasing-survivors',
        message: `A cohort cannot grow: period ${t} has ${count} survivors, more than the ${survivingByPeriod[t - 1]} before.`,
        path: [t],
      };
    }
  }
  if (survivingByPeriod[0] === 0)
    return { code: 'empty-cohort', message: 'The cohort has no customers.', path: [0] };
  if (survivingByPeriod[0] === survivingByPeriod[survivingByPeriod.length - 1]) {
    return {
      code: 'no-churn',
      message:
        'Nobody churned: the maximum-likelihood churn probability is 0 and the sBG parameters are not identified.',
    };
  }
  return null;
}

/** A fitted (or given) shifted-beta-geometric retention model. */
export class ShiftedBetaGeometric {
  readonly name = 'sbg' as const;

  private constructor(
    readonly params: ShiftedBetaGeometricParams,
    /** Log-likelihood of the fitting counts at `params`; NaN for `fromParams`. */
    readonly logLikelihood: number,
    /** Cohort size the model was fitted on (survivors at period 0); 1 for `fromParams`. */
    readonly cohortSize: number,
  ) {}

  /**
   * A model at known parameters. Throws a RangeError unless both are > 0.
   *
   * @example ShiftedBetaGeometric.fromParams({ alpha: 0.704, beta: 1.182 }).retentionRate(1) // 1.182/1.886 ≈ 0.627
   */
  static fromParams(params: ShiftedBetaGeometricParams): ShiftedBetaGeometric {
    for (const [name, value] of Object.entries(params)) {
      if (!(Number.isFinite(value) && value > 0))
        throw new InvalidInputError(`sBG ${name} must be > 0, got ${value}.`);
    }
    return new ShiftedBetaGeometric({ alpha: params.alpha, beta: params.beta }, Number.NaN, 1);
  }

  /**
   * Maximum-likelihood fit to one cohort's survivor counts: `survivingByPeriod[t]` = customers
   * still active at the start of period t, t = 0 … k (so k periods of churn data; the last count
   * is right-censored). This is the paper's set-up: the "Regular" segment fitted on years 1–7 is
   * `[1000, 631, 468, 382, 326, 289, 262, 241]` → α 0.704, β 1.182. Counts need not be integers
   * (percentages work). Optimises (ln α, ln β) with analytic gradients from α = β = 1. O(k) per
   * evaluation. A growing cohort, no churn at all, or a fit that does not converge is
   * `{ ok: false }`.
   */
  static fit(survivingByPeriod: readonly number[]): Result<ShiftedBetaGeometric> {
    const issue = validate(survivingByPeriod);
    if (issue) return fail(issue);
    const cohortSize = survivingByPeriod[0]!;
    const gradientOfLogLikelihood = new Float64Array(2);
    const minimum = minimize(
      (logParams, gradient) => {
        const params = { alpha: Math.exp(logParams[0]!), beta: Math.exp(logParams[1]!) };
        const value = shiftedBetaGeometricLogLikelihood(
          params,
          survivingByPeriod,
          gradient ? gradientOfLogLikelihood : undefined,
        );
        if (gradient) {
          gradient[0] = -gradientOfLogLikelihood[0]! / cohortSize;
          gradient[1] = -gradientOfLogLikelihood[1]! / cohortSize;
        }
        return Number.isFinite(value) ? -value / cohortSize : Number.POSITIVE_INFINITY;
      },
      [0, 0],
    );
    if (!minimum.ok) return fail({ ...minimum.error, message: `sBG fit failed: ${minimum.error.message}` });
    const params = { alpha: Math.exp(minimum.value.x[0]!), beta: Math.exp(minimum.value.x[1]!) };
    const identified = checkIdentified(
      ['alpha', 'beta'],
      [params.alpha, params.beta],
      shiftedBetaGeometricLogLikelihood(params, survivingByPeriod),
    );
    if (!identified.ok) return identified;
    return ok(
      new ShiftedBetaGeometric(
        params,
        shiftedBetaGeometricLogLikelihood(params, survivingByPeriod),
        cohortSize,
      ),
    );
  }

  /**
   * S(t) = B(α, β + t) / B(α, β): probability that a customer acquired in period 0 is still
   * active at the start of period t (S(0) = 1; t may be fractional, S is then the beta
   * function's smooth interpolation). O(1).
   *
   * @example fromParams({ alpha: 1, beta: 1 }).survival(3) // B(1,4)/B(1,1) = 1/4
   */
  survival(t: number): number {
    if (t <= 0) return 1;
    const { alpha, beta } = this.params;
    return Math.exp(logBeta(alpha, beta + t) - logBeta(alpha, beta));
  }

  /**
   * r_t = (β + t − 1) / (α + β + t − 1) for t ≥ 1 (Fader & Hardie 2007, the retention-rate
   * equation): the share of customers active in period t − 1 who are still active in period t.
   * Increases with t towards 1. Throws a RangeError for t < 1. O(1).
   *
   * @example fromParams({ alpha: 1, beta: 1 }).retentionRate(1) // 1/2; retentionRate(3) = 3/4
   */
  retentionRate(t: number): number {
    if (!(t >= 1)) throw new InvalidInputError(`The retention rate is defined for periods t ≥ 1, got ${t}.`);
    const { alpha, beta } = this.params;
    return (beta + t - 1) / (alpha + beta + t - 1);
  }

  /**
   * P(T = t) = B(α + 1, β + t − 1) / B(α, β) for t ≥ 1: the unconditional probability that a
   * new customer churns in period t (0 for t < 1). The conditional churn rate among those still
   * active is 1 − retentionRate(t). O(1).
   *
   * @example fromParams({ alpha: 1, beta: 1 }).churnProbability(2) // B(2,2)/B(1,1) = 1/6
   */
  churnProbability(t: number): number {
    if (!(t >= 1)) return 0;
    const { alpha, beta } = this.params;
    return Math.exp(logBeta(alpha + 1, beta + t - 1) - logBeta(alpha, beta));
  }

  /**
   * E[T] = Σ_{t≥0} S(t) = (α + β − 1) / (α − 1): the mean lifetime in periods, counting the
   * acquisition period (a customer who churns in period 1 lived 1 period). It is finite only for
   * α > 1 — E[1/θ] under beta(α, β) diverges otherwise — and is then `Infinity`; both segments of
   * the paper (α ≈ 0.7) are in that case, so use `project` or a discounted sum for them. O(1).
   *
   * @example fromParams({ alpha: 3, beta: 2 }).expectedLifetime() // (3 + 2 − 1)/(3 − 1) = 2
   */
  expectedLifetime(): number {
    const { alpha, beta } = this.params;
    return alpha > 1 ? (alpha + beta - 1) / (alpha - 1) : Number.POSITIVE_INFINITY;
  }

  /**
   * Expected customers still active at the start of periods 0 … `periods` out of
   * `initialCustomers` (default: the cohort size the model was fitted on): initialCustomers ×
   * S(t), computed with the retention-rate recursion S(t) = S(t − 1) r_t. O(periods).
   *
   * @example fromParams({ alpha: 1, beta: 1 }).project(3, 1000) // [1000, 500, 333.3…, 250]
   */
  project(periods: number, initialCustomers: number = this.cohortSize): Float64Array {
    if (!(Number.isInteger(periods) && periods >= 0)) {
      throw new InvalidInputError(`project needs a whole number of periods ≥ 0, got ${periods}.`);
    }
    const expected = new Float64Array(periods + 1);
    expected[0] = initialCustomers;
    for (let t = 1; t <= periods; t++) expected[t] = expected[t - 1]! * this.retentionRate(t);
    return expected;
  }
}
