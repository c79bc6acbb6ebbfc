/**
 * BG/NBD: the beta-geometric / negative-binomial model of Fader, Hardie & Lee (2005), "Counting
 * Your Customers the Easy Way: An Alternative to the Pareto/NBD Model", Marketing Science 24(2).
 * While active a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after each repeat
 * purchase they become inactive with probability p ~ Beta(a, b).
 */

import { InvalidInputError } from '../input-error.js';
import { digamma, inverseOnePlusExp, logBeta, logGamma, oneMinusHyp2f1OverB } from '../math/special.js';
import { ok, type Result } from '../result.js';
import type { SummaryInput } from './summary-columns.js';
import {
  type AliveHistory,
  aliveHistory,
  type CompressedSummaries,
  checkPositiveParams,
  compressSummaries,
  fitByMaximumLikelihood,
  type LogLikelihoodKernel,
  type TransactionFitOptions,
  type TransactionModel,
} from './transaction-model.js';

export interface BgNbdParams {
  readonly r: number;
  readonly alpha: number;
  readonly a: number;
  readonly b: number;
}

const PARAM_NAMES = ['r', 'alpha', 'a', 'b'] as const;

/**
 * Σ w ln L and its gradient for the BG/NBD (`modified` false, FHL 2005 eq. 6) or the MBG/NBD
 * (`modified` true, Batislam, Denizel & Filiztekin 2007) likelihood, in log space:
 *
 *   ln L = ln Γ(r + x) − ln Γ(r) + r ln α + ln B(a, b + x + m) − ln B(a, b)
 *          + ln[(α + T)^−(r+x) + δ · a / (b + x − 1 + m) · (α + t_x)^−(r+x)]
 *
 * with m = 0, δ = [x > 0] for BG/NBD and m = 1, δ = 1 for MBG/NBD (the latter can drop out at
 * time 0). The gamma-function terms are computed once per distinct x; the row loop needs only two
 * logarithms and one exponential. O(rows + distinct x).
 */
export function betaGeometricKernel(modified: boolean): LogLikelihoodKernel {
  const shift = modified ? 1 : 0;
  return (params, data, gradient) => {
    const r = params[0]!;
    const alpha = params[1]!;
    const a = params[2]!;
    const b = params[3]!;
    const groups = data.groupFrequency.length;
    const logAlpha = Math.log(alpha);
    const logGammaR = logGamma(r);
    const logBetaAB = logBeta(a, b);
    const digammaR = digamma(r);
    const digammaB = digamma(b);
    const digammaAB = digamma(a + b);
    const logA = Math.log(a);
    // Per frequency group: the log of a / (b + x − 1 + m) (−∞ when that term is absent) and 1 / (b + x − 1 + m).
    const groupLogRatio = new Float64Array(groups);
    const groupInverse = new Float64Array(groups);
    let sum = 0;
    let gradientR = 0;
    let gradientAlpha = 0;
    let gradientA = 0;
    let gradientB = 0;
    for (let group = 0; group < groups; group++) {
      const x = data.groupFrequency[group]!;
      const weight = data.groupWeight[group]!;
      const hasDropout = modified || x > 0;
      const denominator = b + x - 1 + shift;
      groupLogRatio[group] = hasDropout ? logA - Math.log(denominator) : Number.NEGATIVE_INFINITY;
      groupInverse[group] = hasDropout ? 1 / denominator : 0;
      sum += weight * (logGamma(r + x) - logGammaR + r * logAlpha + logBeta(a, b + x + shift) - logBetaAB);
      if (gradient) {
        const digammaABX = digamma(a + b + x + shift);
        gradientR += weight * (digamma(r + x) - digammaR + logAlpha);
        gradientAlpha += (weight * r) / alpha;
        gradientA += weight * (digammaAB - digammaABX);
        gradientB += weight * (digamma(b + x + shift) - digammaABX - digammaB + digammaAB);
      }
    }
    const { frequency, recency, T, weight, group } = data;
    for (let row = 0; row < data.length; row++) {
      const rowGroup = group[row]!;
      const rowWeight = weight[row]!;
      const shape = r + frequency[row]!;
      const logAlphaT = Math.log(alpha + T[row]!);
      const aliveTerm = -shape * logAlphaT;
      const logRatio = groupLogRatio[rowGroup]!;
      if (logRatio === Number.NEGATIVE_INFINITY) {
        sum += rowWeight * aliveTerm;
        if (gradient) {
          gradientR -= rowWeight * logAlphaT;
          gradientAlpha -= (rowWeight * shape) / (alpha + T[row]!);
        }
        continue;
      }
      const logAlphaTx = Math.log(alpha + recency[row]!);
      const dropoutTerm = logRatio - shape * logAlphaTx;
      // ln(e^alive + e^dropout) and the dropout term's share of the sum.
      const difference = aliveTerm - dropoutTerm;
      const dropoutShare = inverseOnePlusExp(difference);
      const aliveShare = inverseOnePlusExp(-difference);
      const logSum =
        difference > 0
          ? aliveTerm + Math.log1p(Math.exp(-difference))
          : dropoutTerm + Math.log1p(Math.exp(difference));
      sum += rowWeight * logSum;
      if (gradient) {
        gradientR -= rowWeight * (aliveShare * logAlphaT + dropoutShare * logAlphaTx);
        gradientAlpha -=
          rowWeight * shape * (aliveShare / (alpha + T[row]!) + dropoutShare / (alpha + recency[row]!));
        gradientA += (rowWeight * dropoutShare) / a;
        gradientB -= rowWeight * dropoutShare * groupInverse[rowGroup]!;
      }
    }
    if (gradient) {
      gradient[0] = gradientR;
      gradient[1] = gradientAlpha;
      gradient[2] = gradientA;
      gradient[3] = gradientB;
    }
    return sum;
  };
}

/**
 * P(X(t) = n) for the BG/NBD (`modified` false; FHL 2005 eq. 8) or MBG/NBD (`modified` true):
 *
 *   B(a, b + n + m)/B(a, b) · NB(n) + δ · B(a + 1, b + n − 1 + m)/B(a, b) · [1 − Σ_{j<n} NB(j)]
 *
 * where NB(j) = Γ(r + j)/(Γ(r) j!) (α/(α + t))^r (t/(α + t))^j is the gamma-Poisson probability of j
 * purchases, m as in {@link betaGeometricKernel} and δ = [n > 0] for BG/NBD, 1 for MBG/NBD. O(n).
 */
export function betaGeometricPurchaseProbability(
  params: BgNbdParams,
  modified: boolean,
  n: number,
  t: number,
): number {
  const { r, alpha, a, b } = params;
  if (!Number.isInteger(n) || n < 0) return 0;
  const shift = modified ? 1 : 0;
  const logBetaAB = logBeta(a, b);
  if (t === 0) {
    // Nobody has bought yet: X(0) = 0 with certainty.
    return n === 0 ? 1 : 0;
  }
  const logSuccess = Math.log(alpha / (alpha + t));
  const logFailure = Math.log(t / (alpha + t));
  let logTerm = r * logSuccess; // ln NB(0)
  let cumulative = 0;
  for (let j = 0; j < n; j++) {
    cumulative += Math.exp(logTerm);
    logTerm += Math.log((r + j) / (j + 1)) + logFailure;
  }
  const tail = Math.min(1, Math.max(0, 1 - cumulative));
  const aliveWeight = Math.exp(logBeta(a, b + n + shift) - logBetaAB);
  let probability = aliveWeight * Math.exp(logTerm);
  if (modified || n > 0) probability += Math.exp(logBeta(a + 1, b + n - 1 + shift) - logBetaAB) * tail;
  return probability;
}

/**
 * The BG/NBD model with known or fitted parameters (Fader, Hardie & Lee 2005).
 *
 * @example
 * const model = BgNbd.fromParams({ r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 });
 * model.conditionalExpectedPurchases(39, 2, 30.43, 38.86); // ≈ 1.226 (FHL 2005, CDNOW customer 1)
 */
export class BgNbd implements TransactionModel {
  readonly name = 'bgnbd' as const;
  readonly params: Readonly<BgNbdParams>;
  readonly logLikelihood: number;

  /** Throws a RangeError for parameters that are not finite and positive; use {@link BgNbd.create} for a Result. */
  constructor(params: BgNbdParams, logLikelihood = Number.NaN) {
    const checked = checkPositiveParams(PARAM_NAMES, params);
    if (!checked.ok) throw new InvalidInputError(checked.error.message);
    this.params = Object.freeze({ r: params.r, alpha: params.alpha, a: params.a, b: params.b });
    this.logLikelihood = logLikelihood;
  }

  /** A model from known parameters (logLikelihood NaN). */
  static fromParams(params: BgNbdParams): BgNbd {
    return new BgNbd(params);
  }

  /** Like the constructor, as a Result with an `invalid-params` issue instead of throwing. */
  static create(params: BgNbdParams): Result<BgNbd> {
    const checked = checkPositiveParams(PARAM_NAMES, params);
    return checked.ok ? ok(new BgNbd(params)) : checked;
  }

  /**
   * Maximum-likelihood fit (FHL 2005 eq. 6) on log-parameters with BFGS and analytic gradients;
   * identical (x, t_x, T) rows are merged into weights first. Fails with `invalid-summary`,
   * `invalid-option` or `not-converged`. O(rows) per likelihood evaluation.
   */
  static fit(summaries: SummaryInput, options: TransactionFitOptions<keyof BgNbdParams> = {}): Result<BgNbd> {
    const fitted = fitByMaximumLikelihood(PARAM_NAMES, KERNEL, summaries, options);
    if (!fitted.ok) return fitted;
    const [r, alpha, a, b] = fitted.value.params;
    return ok(new BgNbd({ r: r!, alpha: alpha!, a: a!, b: b! }, fitted.value.logLikelihood));
  }

  /** Σ weight × ln L (FHL 2005 eq. 6) of `summaries` at this model's parameters. O(rows). */
  logLikelihoodOf(summaries: SummaryInput): Result<number> {
    const data = compressSummaries(summaries);
    return data.ok ? ok(KERNEL(this.paramVector(), data.value, null)) : data;
  }

  /** Σ weight × ln L and its gradient over (r, α, a, b), for checking and diagnostics. */
  logLikelihoodGradient(data: CompressedSummaries, gradient: Float64Array): number {
    return KERNEL(this.paramVector(), data, gradient);
  }

  /**
   * E[X(t)] (FHL 2005 eq. 7) = (a + b − 1)/(a − 1) · [1 − (α/(α + t))^r ₂F₁(r, b; a + b − 1; t/(α + t))],
   * evaluated after the Pfaff transform as (a + b − 1) · (1 − ₂F₁(r, a − 1; a + b − 1; −t/α))/(a − 1),
   * which is bounded and continuous through a = 1. O(1).
   */
  expectedPurchases(t: number): number {
    const { r, alpha, a, b } = this.params;
    if (t <= 0) return 0;
    return (a + b - 1) * oneMinusHyp2f1OverB(r, a - 1, a + b - 1, -t / alpha);
  }

  /**
   * E[Y(t) | x, t_x, T] (FHL 2005 eq. 10):
   * (a + b + x − 1)/(a − 1) · [1 − ((α + T)/(α + T + t))^(r+x) ₂F₁(r + x, b + x; a + b + x − 1; t/(α + T + t))]
   * × P(alive), the bracket evaluated after the Pfaff transform as for {@link expectedPurchases}. O(1).
   */
  conditionalExpectedPurchases(t: number, frequency: number, recency: number, T: number): number {
    const { r, alpha, a, b } = this.params;
    const alive = this.probabilityAlive(frequency, recency, T);
    if (t <= 0 || alive === 0) return 0;
    const x = frequency;
    return alive * (a + b + x - 1) * oneMinusHyp2f1OverB(r + x, a - 1, a + b + x - 1, -t / (alpha + T));
  }

  /**
   * P(alive | x, t_x, T) = 1 / (1 + δ_{x>0} · a/(b + x − 1) · ((α + T)/(α + t_x))^(r+x))
   * (FHL 2005, the ratio of the two terms of eq. 6; Fader, Hardie & Lee 2008 note "Computing P(alive)
   * Using the BG/NBD Model"). Exactly 1 for x = 0, exactly 0 (not NaN) when the power overflows. O(1).
   */
  probabilityAlive(frequency: number, recency: number, T: number): number {
    if (frequency === 0) return 1;
    const { r, alpha, a, b } = this.params;
    const logOdds =
      Math.log(a) -
      Math.log(b + frequency - 1) +
      (r + frequency) * (Math.log(alpha + T) - Math.log(alpha + recency));
    return inverseOnePlusExp(logOdds);
  }

  /** P(X(t) = n) (FHL 2005 eq. 8); see {@link betaGeometricPurchaseProbability}. O(n). */
  probabilityOfPurchases(n: number, t: number): number {
    return betaGeometricPurchaseProbability(this.params, false, n, t);
  }

  /**
   * P(alive) over one customer's history at ages 0, step, … T (as `lifetimes`' `calculate_alive_path`);
   * `purchaseTimes` are the customer's purchase times in the model's unit, the first being age 0.
   * O(purchases + T / step).
   */
  probabilityAliveHistory(purchaseTimes: readonly number[], T: number, step = 1): AliveHistory {
    return aliveHistory((x, tx, age) => this.probabilityAlive(x, tx, age), purchaseTimes, T, step);
  }

  private paramVector(): Float64Array {
    const { r, alpha, a, b } = this.params;
    return Float64Array.of(r, alpha, a, b);
  }
}

const KERNEL = betaGeometricKernel(false);
