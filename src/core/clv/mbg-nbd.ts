/**
 * MBG/NBD: the modified BG/NBD of Batislam, Denizel & Filiztekin (2007), "Empirical validation and
 * comparison of models for customer base analysis", International Journal of Research in Marketing
 * 24(3). As BG/NBD, except that a customer may also become inactive right after the first purchase
 * (time 0), so customers with no repeat purchase are not assumed alive.
 */

import { InvalidInputError } from '../input-error.js';
import { inverseOnePlusExp, oneMinusHyp2f1OverB } from '../math/special.js';
import { ok, type Result } from '../result.js';
import { type BgNbdParams, betaGeometricKernel, betaGeometricPurchaseProbability } from './bg-nbd.js';
import type { SummaryInput } from './summary-columns.js';
import {
  type AliveHistory,
  aliveHistory,
  type CompressedSummaries,
  checkPositiveParams,
  compressSummaries,
  fitByMaximumLikelihood,
  type TransactionFitOptions,
  type TransactionModel,
} from './transaction-model.js';

/** The MBG/NBD has the BG/NBD's parameters: λ ~ Gamma(r, α), p ~ Beta(a, b). */
export type MbgNbdParams = BgNbdParams;

const PARAM_NAMES = ['r', 'alpha', 'a', 'b'] as const;
const KERNEL = betaGeometricKernel(true);

/**
 * The MBG/NBD model with known or fitted parameters.
 *
 * @example
 * const model = MbgNbd.fromParams({ r: 0.5248, alpha: 6.183, a: 0.8914, b: 1.614 });
 * model.probabilityAlive(0, 0, 38.86); // < 1: a non-repeater may have dropped out at time 0
 */
export class MbgNbd implements TransactionModel {
  readonly name = 'mbgnbd' as const;
  readonly params: Readonly<MbgNbdParams>;
  readonly logLikelihood: number;

  /** Throws a RangeError for parameters that are not finite and positive; use {@link MbgNbd.create} for a Result. */
  constructor(params: MbgNbdParams, logLikelihood = Number.NaN) {
    const checked = checkPositiveParams(PARAM_NAMES, params);
    if (!checked.ok) throw new InvalidInputError(checked.error.message);
    this.params = Object.freeze({ r: params.r, alpha: params.alpha, a: params.a, b: params.b });
    this.logLikelihood = logLikelihood;
  }

  /** A model from known parameters (logLikelihood NaN). */
  static fromParams(params: MbgNbdParams): MbgNbd {
    return new MbgNbd(params);
  }

  /** Like the constructor, as a Result with an `invalid-params` issue instead of throwing. */
  static create(params: MbgNbdParams): Result<MbgNbd> {
    const checked = checkPositiveParams(PARAM_NAMES, params);
    return checked.ok ? ok(new MbgNbd(params)) : checked;
  }

  /**
   * Maximum-likelihood fit of
   * L = B(a, b + x + 1)/B(a, b) · Γ(r + x) α^r / (Γ(r) (α + T)^(r+x)) + B(a + 1, b + x)/B(a, b) · Γ(r + x) α^r / (Γ(r) (α + t_x)^(r+x))
   * (Batislam et al. 2007) on log-parameters with BFGS and analytic gradients. O(rows) per evaluation.
   */
  static fit(
    summaries: SummaryInput,
    options: TransactionFitOptions<keyof MbgNbdParams> = {},
  ): Result<MbgNbd> {
    const fitted = fitByMaximumLikelihood(PARAM_NAMES, KERNEL, summaries, options);
    if (!fitted.ok) return fitted;
    const [r, alpha, a, b] = fitted.value.params;
    return ok(new MbgNbd({ r: r!, alpha: alpha!, a: a!, b: b! }, fitted.value.logLikelihood));
  }

  /** Σ weight × ln L of `summaries` at this model's parameters. O(rows). */
  logLikelihoodOf(summaries: SummaryInput): Result<number> {
    const data = compressSummaries(summaries);
    return data.ok ? ok(KERNEL(this.paramVector(), data.value, null)) : data;
  }

  /** Σ weight × ln L and its gradient over (r, α, a, b), for checking and diagnostics. */
  logLikelihoodGradient(data: CompressedSummaries, gradient: Float64Array): number {
    return KERNEL(this.paramVector(), data, gradient);
  }

  /**
   * E[X(t)] = b/(a − 1) · [1 − (α/(α + t))^r ₂F₁(r, b + 1; a + b; t/(α + t))]: given (λ, p) a customer
   * survives the time-0 dropout with probability 1 − p, then buys as under BG/NBD, so
   * E[X(t) | λ, p] = (1 − p)/p · (1 − e^(−λpt)), averaged over λ ~ Gamma(r, α), p ~ Beta(a, b).
   * Evaluated after the Pfaff transform as b · (1 − ₂F₁(r, a − 1; a + b; −t/α))/(a − 1). O(1).
   */
  expectedPurchases(t: number): number {
    const { r, alpha, a, b } = this.params;
    if (t <= 0) return 0;
    return b * oneMinusHyp2f1OverB(r, a - 1, a + b, -t / alpha);
  }

  /**
   * E[Y(t) | x, t_x, T] = (a + b + x)/(a − 1) · [1 − ((α + T)/(α + T + t))^(r+x) ₂F₁(r + x, b + x + 1; a + b + x; t/(α + T + t))]
   * × P(alive): an active customer's future is as under BG/NBD, with p ~ Beta(a, b + x + 1) given
   * survival of x + 1 dropout chances. The bracket is evaluated after the Pfaff transform. O(1).
   */
  conditionalExpectedPurchases(t: number, frequency: number, recency: number, T: number): number {
    const { r, alpha, a, b } = this.params;
    const alive = this.probabilityAlive(frequency, recency, T);
    if (t <= 0 || alive === 0) return 0;
    const x = frequency;
    return alive * (a + b + x) * oneMinusHyp2f1OverB(r + x, a - 1, a + b + x, -t / (alpha + T));
  }

  /** P(alive | x, t_x, T) = 1 / (1 + a/(b + x) · ((α + T)/(α + t_x))^(r+x)) (Batislam et al. 2007), also for x = 0. O(1). */
  probabilityAlive(frequency: number, recency: number, T: number): number {
    const { r, alpha, a, b } = this.params;
    const logOdds =
      Math.log(a) -
      Math.log(b + frequency) +
      (r + frequency) * (Math.log(alpha + T) - Math.log(alpha + recency));
    return inverseOnePlusExp(logOdds);
  }

  /** P(X(t) = n); see {@link betaGeometricPurchaseProbability}. O(n). */
  probabilityOfPurchases(n: number, t: number): number {
    return betaGeometricPurchaseProbability(this.params, true, n, t);
  }

  /** P(alive) over one customer's history at ages 0, step, … T (as `lifetimes`' `calculate_alive_path`). */
  probabilityAliveHistory(purchaseTimes: readonly number[], T: number, step = 1): AliveHistory {
    return aliveHistory((x, tx, age) => this.probabilityAlive(x, tx, age), purchaseTimes, T, step);
  }

  private paramVector(): Float64Array {
    const { r, alpha, a, b } = this.params;
    return Float64Array.of(r, alpha, a, b);
  }
}
