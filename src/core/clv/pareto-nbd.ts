/**
 * Pareto/NBD: Schmittlein, Morrison & Colombo (1987), "Counting Your Customers: Who Are They and
 * What Will They Do Next?", Management Science 33(1); likelihood and related expressions as derived
 * in Fader & Hardie (2005), "A Note on Deriving the Pareto/NBD Model and Related Expressions".
 * While alive a customer buys as a Poisson process with rate λ ~ Gamma(r, α) and dies after an
 * exponential lifetime with rate μ ~ Gamma(s, β).
 */

import { InvalidInputError } from '../input-error.js';
import { integrate } from '../math/quadrature.js';
import { digamma, hyp2f1UnitA, logGamma, oneMinusExpOverRate } from '../math/special.js';
import { fail, ok, type Result } from '../result.js';
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

export interface ParetoNbdParams {
  readonly r: number;
  readonly alpha: number;
  readonly s: number;
  readonly beta: number;
}

const PARAM_NAMES = ['r', 'alpha', 's', 'beta'] as const;

/** Options of {@link ParetoNbd.fit}. */
export interface ParetoNbdFitOptions extends TransactionFitOptions<keyof ParetoNbdParams> {
  /**
   * Give up with `degenerate-fit` as soon as the search asks for max(α, β) / min(α, β) above this.
   * The ₂F₁ series of the likelihood converges like zⁿ with z up to 1 − min(α, β) / max(α, β), so
   * a fit drifting along the ridge s, β → ∞ (data that do not identify heterogeneous lifetimes,
   * e.g. a few months of history) costs ever more series terms per customer — minutes on CDNOW's
   * first quarter — before it fails anyway. The limit caps that cost at ~60 × limit terms per
   * customer and evaluation. Default: no limit.
   */
  readonly maxScaleRatio?: number;
}

/**
 * Scratch space for {@link tailIntegral}: out[0] = ln R, out[1..4] = ∂R/∂(r, α, s, β) / R.
 * R is the dimensionless factor in G(t) = ∫ₜ^∞ (α+τ)^−(r+x) (β+τ)^−(s+1) dτ = H(t) R(t) / (r + s + x),
 * H(t) = (α + t)^−(r+x) (β + t)^−s.
 */
const series = new Float64Array(4);

/**
 * The Fader–Hardie note (§3) writes the likelihood with ₂F₁(r+s+x, s+1; r+s+x+1; (α−β)/(α+t)) when
 * α ≥ β, and ₂F₁(r+s+x, r+x; r+s+x+1; (β−α)/(β+t)) when α < β. Euler's transformation turns both
 * into ₂F₁(1, b; r+s+x+1; z), whose series has positive terms (no cancellation), with
 * R = ₂F₁(1, r+x; c; z) when α ≥ β and R = (1 − z) ₂F₁(1, s+1; c; z) when α < β.
 */
function tailIntegral(
  r: number,
  alpha: number,
  s: number,
  beta: number,
  x: number,
  t: number,
  out: Float64Array,
): void {
  const c = r + s + x + 1;
  if (alpha >= beta) {
    const z = (alpha - beta) / (alpha + t);
    hyp2f1UnitA(r + x, c, z, series);
    const value = series[0]!;
    const byZ = series[3]! / value;
    out[0] = Math.log(value);
    out[1] = (series[1]! + series[2]!) / value;
    out[2] = (byZ * (beta + t)) / ((alpha + t) * (alpha + t));
    out[3] = series[2]! / value;
    out[4] = -byZ / (alpha + t);
  } else {
    const z = (beta - alpha) / (beta + t);
    hyp2f1UnitA(s + 1, c, z, series);
    const value = series[0]!;
    // ∂ ln R / ∂z for R = (1 − z) S.
    const byZ = -1 / (1 - z) + series[3]! / value;
    out[0] = Math.log1p(-z) + Math.log(value);
    out[1] = series[2]! / value;
    out[2] = -byZ / (beta + t);
    out[3] = (series[1]! + series[2]!) / value;
    out[4] = (byZ * (alpha + t)) / ((beta + t) * (beta + t));
  }
}

const atT = new Float64Array(5);
const atRecency = new Float64Array(5);

/**
 * ln of D = L / (Γ(r+x) α^r β^s / Γ(r)) = H(T) + s ∫_{t_x}^{T} (α+τ)^−(r+x) (β+τ)^−(s+1) dτ
 * (the braces of the Fader–Hardie note §3 likelihood), and when `gradient` is given, ∂ ln D /∂(r, α, s, β)
 * added into it × `weight`. Also returns, in `shares[0]`, H(T) / D = P(alive).
 */
function logBracket(
  r: number,
  alpha: number,
  s: number,
  beta: number,
  x: number,
  recency: number,
  T: number,
  gradient: Float64Array | null,
  weight: number,
  shares: Float64Array,
): number {
  const k = r + s + x;
  const logAlphaT = Math.log(alpha + T);
  const logBetaT = Math.log(beta + T);
  const logAlphaTx = Math.log(alpha + recency);
  const logBetaTx = Math.log(beta + recency);
  const logHT = -(r + x) * logAlphaT - s * logBetaT;
  const logHx = -(r + x) * logAlphaTx - s * logBetaTx;
  tailIntegral(r, alpha, s, beta, x, T, atT);
  tailIntegral(r, alpha, s, beta, x, recency, atRecency);
  const ratioT = Math.exp(atT[0]!);
  // D = H(T) (1 − s R(T)/k) + s H(t_x) R(t_x)/k; the first factor is positive (integration by parts).
  const aliveFactor = 1 - (s * ratioT) / k;
  const logFirst = aliveFactor > 0 ? logHT + Math.log(aliveFactor) : Number.NEGATIVE_INFINITY;
  const logSecond = Math.log(s / k) + logHx + atRecency[0]!;
  const logD =
    logFirst > logSecond
      ? logFirst + Math.log1p(Math.exp(logSecond - logFirst))
      : logSecond + Math.log1p(Math.exp(logFirst - logSecond));
  shares[0] = Math.exp(logHT - logD);
  if (gradient) {
    const firstShare = Math.exp(logFirst - logD);
    const secondShare = Math.exp(logSecond - logD);
    // ∂(s R_T / k) = s R_T/k · (∂ ln R_T + ∂ ln s − ∂ ln k); ∂e/e with e = 1 − s R_T/k.
    const scaled = (s * ratioT) / k;
    const overFactor = aliveFactor > 0 ? -scaled / aliveFactor : 0;
    const firstR = -logAlphaT + overFactor * (atT[1]! - 1 / k);
    const firstAlpha = -(r + x) / (alpha + T) + overFactor * atT[2]!;
    const firstS = -logBetaT + overFactor * (atT[3]! + 1 / s - 1 / k);
    const firstBeta = -s / (beta + T) + overFactor * atT[4]!;
    const secondR = -logAlphaTx + atRecency[1]! - 1 / k;
    const secondAlpha = -(r + x) / (alpha + recency) + atRecency[2]!;
    const secondS = -logBetaTx + 1 / s + atRecency[3]! - 1 / k;
    const secondBeta = -s / (beta + recency) + atRecency[4]!;
    gradient[0] = gradient[0]! + weight * (firstShare * firstR + secondShare * secondR);
    gradient[1] = gradient[1]! + weight * (firstShare * firstAlpha + secondShare * secondAlpha);
    gradient[2] = gradient[2]! + weight * (firstShare * firstS + secondShare * secondS);
    gradient[3] = gradient[3]! + weight * (firstShare * firstBeta + secondShare * secondBeta);
  }
  return logD;
}

const shareScratch = new Float64Array(1);

/**
 * Σ w ln L for the Pareto/NBD (Fader & Hardie 2005 note, §3):
 * ln L = ln Γ(r+x) − ln Γ(r) + r ln α + s ln β + ln D, with D as in {@link logBracket}, and its
 * analytic gradient (series derivatives of ₂F₁ in its parameters and argument). O(rows × series terms).
 */
const KERNEL: LogLikelihoodKernel = (params, data, gradient) => {
  const r = params[0]!;
  const alpha = params[1]!;
  const s = params[2]!;
  const beta = params[3]!;
  const logGammaR = logGamma(r);
  const digammaR = digamma(r);
  const logAlpha = Math.log(alpha);
  const logBetaValue = Math.log(beta);
  if (gradient) gradient.fill(0);
  let sum = 0;
  for (let group = 0; group < data.groupFrequency.length; group++) {
    const x = data.groupFrequency[group]!;
    const weight = data.groupWeight[group]!;
    sum += weight * (logGamma(r + x) - logGammaR + r * logAlpha + s * logBetaValue);
    if (gradient) {
      gradient[0] = gradient[0]! + weight * (digamma(r + x) - digammaR + logAlpha);
      gradient[1] = gradient[1]! + (weight * r) / alpha;
      gradient[2] = gradient[2]! + weight * logBetaValue;
      gradient[3] = gradient[3]! + (weight * s) / beta;
    }
  }
  const { frequency, recency, T, weight } = data;
  for (let row = 0; row < data.length; row++) {
    const rowWeight = weight[row]!;
    sum +=
      rowWeight *
      logBracket(
        r,
        alpha,
        s,
        beta,
        frequency[row]!,
        recency[row]!,
        T[row]!,
        gradient,
        rowWeight,
        shareScratch,
      );
  }
  return sum;
};

/**
 * The Pareto/NBD model with known or fitted parameters.
 *
 * @example
 * const model = ParetoNbd.fromParams({ r: 0.5533, alpha: 10.578, s: 0.6062, beta: 11.667 });
 * model.probabilityAlive(2, 30.43, 38.86); // P(alive) of CDNOW customer 1
 */
export class ParetoNbd implements TransactionModel {
  readonly name = 'paretonbd' as const;
  readonly params: Readonly<ParetoNbdParams>;
  readonly logLikelihood: number;

  /** Throws a RangeError for parameters that are not finite and positive; use {@link ParetoNbd.create} for a Result. */
  constructor(params: ParetoNbdParams, logLikelihood = Number.NaN) {
    const checked = checkPositiveParams(PARAM_NAMES, params);
    if (!checked.ok) throw new InvalidInputError(checked.error.message);
    this.params = Object.freeze({ r: params.r, alpha: params.alpha, s: params.s, beta: params.beta });
    this.logLikelihood = logLikelihood;
  }

  /** A model from known parameters (logLikelihood NaN). */
  static fromParams(params: ParetoNbdParams): ParetoNbd {
    return new ParetoNbd(params);
  }

  /** Like the constructor, as a Result with an `invalid-params` issue instead of throwing. */
  static create(params: ParetoNbdParams): Result<ParetoNbd> {
    const checked = checkPositiveParams(PARAM_NAMES, params);
    return checked.ok ? ok(new ParetoNbd(params)) : checked;
  }

  /**
   * Maximum-likelihood fit (Fader & Hardie 2005 note, §3) on log-parameters with BFGS and analytic
   * gradients. Fails with `invalid-summary`, `invalid-option` or `not-converged`.
   * O(rows × series terms) per evaluation.
   */
  static fit(summaries: SummaryInput, options: ParetoNbdFitOptions = {}): Result<ParetoNbd> {
    const { maxScaleRatio, ...fitOptions } = options;
    let kernel = KERNEL;
    let leftRegion = false;
    if (maxScaleRatio !== undefined) {
      if (!(maxScaleRatio > 1 && Number.isFinite(maxScaleRatio))) {
        return fail({
          code: 'invalid-option',
          message: 'maxScaleRatio must be a finite number > 1.',
          path: ['maxScaleRatio'],
        });
      }
      // Once the search leaves the region, every later evaluation is NaN (+∞ to the optimiser),
      // so it gives up in O(1) per step instead of grinding along the ridge.
      kernel = (params, data, gradient) => {
        if (
          leftRegion ||
          Math.max(params[1]!, params[3]!) > maxScaleRatio * Math.min(params[1]!, params[3]!)
        ) {
          leftRegion = true;
          return Number.NaN;
        }
        return KERNEL(params, data, gradient);
      };
    }
    const fitted = fitByMaximumLikelihood(PARAM_NAMES, kernel, summaries, fitOptions);
    if (leftRegion) {
      return fail({
        code: 'degenerate-fit',
        message: `The fit left the region max(α, β) / min(α, β) ≤ ${maxScaleRatio}, drifting towards s, β → ∞ or r, α → ∞: the data do not identify the model.`,
        path: ['params'],
      });
    }
    if (!fitted.ok) return fitted;
    const [r, alpha, s, beta] = fitted.value.params;
    return ok(new ParetoNbd({ r: r!, alpha: alpha!, s: s!, beta: beta! }, fitted.value.logLikelihood));
  }

  /** Σ weight × ln L of `summaries` at this model's parameters. */
  logLikelihoodOf(summaries: SummaryInput): Result<number> {
    const data = compressSummaries(summaries);
    return data.ok ? ok(KERNEL(this.paramVector(), data.value, null)) : data;
  }

  /** Σ weight × ln L and its gradient over (r, α, s, β), for checking and diagnostics. */
  logLikelihoodGradient(data: CompressedSummaries, gradient: Float64Array): number {
    return KERNEL(this.paramVector(), data, gradient);
  }

  /**
   * E[X(t)] = r β / (α (s − 1)) · [1 − (β/(β + t))^(s−1)] (Fader & Hardie 2005 note, §4;
   * SMC 1987 eq. 17), written as r β / α · ∫₀^{ln(1+t/β)} e^(−(s−1)u) du so that s = 1 is its limit. O(1).
   */
  expectedPurchases(t: number): number {
    const { r, alpha, s, beta } = this.params;
    if (t <= 0) return 0;
    return ((r * beta) / alpha) * oneMinusExpOverRate(s - 1, Math.log1p(t / beta));
  }

  /**
   * E[Y(t) | x, t_x, T] = (r + x)(β + T) / ((α + T)(s − 1)) · [1 − ((β + T)/(β + T + t))^(s−1)] × P(alive)
   * (Fader & Hardie 2005 note, §6), continuous through s = 1. O(series terms).
   */
  conditionalExpectedPurchases(t: number, frequency: number, recency: number, T: number): number {
    const { r, alpha, s, beta } = this.params;
    const alive = this.probabilityAlive(frequency, recency, T);
    if (t <= 0 || alive === 0) return 0;
    return (
      alive *
      (((r + frequency) * (beta + T)) / (alpha + T)) *
      oneMinusExpOverRate(s - 1, Math.log1p(t / (beta + T)))
    );
  }

  /**
   * P(alive | x, t_x, T) = Γ(r+x) α^r β^s / (Γ(r) (α+T)^(r+x) (β+T)^s) / L (Fader & Hardie 2005 note, §5),
   * computed as H(T)/D in log space: 0 rather than NaN when it underflows. O(series terms).
   */
  probabilityAlive(frequency: number, recency: number, T: number): number {
    const { r, alpha, s, beta } = this.params;
    logBracket(r, alpha, s, beta, frequency, recency, T, null, 0, shareScratch);
    return Math.min(1, shareScratch[0]!);
  }

  /**
   * P(X(t) = n) = NB(n; t) (β/(β+t))^s + ∫₀ᵗ NB(n; τ) s β^s (β+τ)^−(s+1) dτ, where
   * NB(n; τ) = Γ(r+n)/(Γ(r) n!) (α/(α+τ))^r (τ/(α+τ))^n: alive through t, or dead at τ < t having
   * bought n times before (the mixture the Fader–Hardie P(X(t)=x) note sums in closed form). The
   * integral is computed by adaptive quadrature to 1e-13 absolute, which avoids the note's
   * alternating ₂F₁ sum. O(quadrature nodes).
   */
  probabilityOfPurchases(n: number, t: number): number {
    if (!Number.isInteger(n) || n < 0) return 0;
    if (t <= 0) return n === 0 ? 1 : 0;
    const { r, alpha, s, beta } = this.params;
    const logCoefficient = logGamma(r + n) - logGamma(r) - logGamma(n + 1);
    const logNb = (tau: number) =>
      logCoefficient +
      r * Math.log(alpha / (alpha + tau)) +
      (n === 0 ? 0 : n * Math.log(tau / (alpha + tau)));
    const alive = Math.exp(logNb(t) + s * Math.log(beta / (beta + t)));
    const dead = integrate(
      (tau) => Math.exp(logNb(tau) + Math.log(s) + s * Math.log(beta) - (s + 1) * Math.log(beta + tau)),
      0,
      t,
      1e-13,
    );
    return alive + dead;
  }

  /** P(alive) over one customer's history at ages 0, step, … T (as `lifetimes`' `calculate_alive_path`). */
  probabilityAliveHistory(purchaseTimes: readonly number[], T: number, step = 1): AliveHistory {
    return aliveHistory((x, tx, age) => this.probabilityAlive(x, tx, age), purchaseTimes, T, step);
  }

  private paramVector(): Float64Array {
    const { r, alpha, s, beta } = this.params;
    return Float64Array.of(r, alpha, s, beta);
  }
}
