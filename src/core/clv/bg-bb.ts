import { InvalidInputError } from '../input-error.js';
import { checkIdentified } from '../math/identified.js';
import { minimize } from '../math/optimize.js';
import { digamma, logBeta, logGamma } from '../math/special.js';
import { type CoreIssue, fail, ok, type Result } from '../result.js';

/**
 * The beta-geometric/beta-binomial (BG/BB) model of repeat transactions in discrete time (Fader,
 * Hardie & Shang 2010, "Customer-Base Analysis in a Discrete-Time Noncontractual Setting",
 * Marketing Science 29(6)). There are n transaction opportunities after the first one (e.g. one
 * a year); while alive a customer transacts at each opportunity with probability p ~ beta(α, β),
 * and becomes inactive at the start of each opportunity with probability θ ~ beta(γ, δ).
 *
 * Summaries are per customer (or per pattern, with a weight): x = number of opportunities with a
 * transaction, t_x = the opportunity of the last one (0 when x = 0), n = opportunities observed.
 */

export interface BgBbParams {
  readonly alpha: number;
  readonly beta: number;
  readonly gamma: number;
  readonly delta: number;
}

/** One customer (or, with `weight`, a group of customers with this pattern). */
export interface BgBbRow {
  /** x: opportunities with a transaction, 0 ≤ x ≤ t_x. */
  readonly frequency: number;
  /** t_x: the opportunity of the last transaction (0 when x = 0), t_x ≤ n. */
  readonly recency: number;
  /** n: transaction opportunities observed. */
  readonly periods: number;
  /** How many customers have this pattern (default 1). */
  readonly weight?: number;
}

/** The same as columns (a million customers without a million objects). */
export interface BgBbColumns {
  readonly length: number;
  readonly frequency: ArrayLike<number>;
  readonly recency: ArrayLike<number>;
  readonly periods: ArrayLike<number>;
  readonly weight?: ArrayLike<number>;
}

export type BgBbInput = BgBbColumns | readonly BgBbRow[];

function toColumns(input: BgBbInput): BgBbColumns {
  if (!Array.isArray(input)) return input as BgBbColumns;
  const rows = input as readonly BgBbRow[];
  return {
    length: rows.length,
    frequency: Float64Array.from(rows, (row) => row.frequency),
    recency: Float64Array.from(rows, (row) => row.recency),
    periods: Float64Array.from(rows, (row) => row.periods),
    weight: Float64Array.from(rows, (row) => row.weight ?? 1),
  };
}

/** ∂ ln B(a, b) / ∂a, given ψ(a + b). */
function dLogBetaFirst(a: number, digammaSum: number): number {
  return digamma(a) - digammaSum;
}

/**
 * Log-likelihood of one pattern (x, t_x, n) (FHS 2010, the likelihood function of §3):
 *   L = B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
 *     + Σ_{i=0}^{n−t_x−1} B(α+x, β+t_x−x+i)/B(α,β) · B(γ+1, δ+t_x+i)/B(γ,δ)
 * — alive through all n opportunities, or dead since opportunity t_x + i + 1. Computed as a
 * log-sum-exp; when `gradient` is non-null, adds weight × ∂ln L/∂(ln α, ln β, ln γ, ln δ) to it.
 * O(n − t_x).
 */
function patternLogLikelihood(
  alpha: number,
  beta: number,
  gamma: number,
  delta: number,
  x: number,
  tx: number,
  n: number,
  weight: number,
  gradient: Float64Array | null,
): number {
  const common = -logBeta(alpha, beta) - logBeta(gamma, delta);
  const aliveTerm = logBeta(alpha + x, beta + n - x) + logBeta(gamma, delta + n);
  const deadTerms = n - tx;
  let maxTerm = aliveTerm;
  for (let i = 0; i < deadTerms; i++) {
    const term = logBeta(alpha + x, beta + tx - x + i) + logBeta(gamma + 1, delta + tx + i);
    if (term > maxTerm) maxTerm = term;
  }
  let sum = Math.exp(aliveTerm - maxTerm);
  for (let i = 0; i < deadTerms; i++) {
    sum += Math.exp(logBeta(alpha + x, beta + tx - x + i) + logBeta(gamma + 1, delta + tx + i) - maxTerm);
  }
  const logLikelihood = common + maxTerm + Math.log(sum);
  if (gradient) {
    // ∂ln L = ∂common + Σ_k softmax_k ∂term_k, with ∂ln B(a,b)/∂a = ψ(a) − ψ(a+b).
    const digammaAlphaBeta = digamma(alpha + beta);
    const digammaGammaDelta = digamma(gamma + delta);
    let dAlpha = -(digamma(alpha) - digammaAlphaBeta);
    let dBeta = -(digamma(beta) - digammaAlphaBeta);
    let dGamma = -(digamma(gamma) - digammaGammaDelta);
    let dDelta = -(digamma(delta) - digammaGammaDelta);
    const digammaAlphaX = digamma(alpha + x);
    {
      const share = Math.exp(aliveTerm - maxTerm) / sum;
      const digammaFirstSum = digamma(alpha + beta + n);
      const digammaSecondSum = digamma(gamma + delta + n);
      dAlpha += share * (digammaAlphaX - digammaFirstSum);
      dBeta += share * dLogBetaFirst(beta + n - x, digammaFirstSum);
      dGamma += share * dLogBetaFirst(gamma, digammaSecondSum);
      dDelta += share * dLogBetaFirst(delta + n, digammaSecondSum);
    }
    for (let i = 0; i < deadTerms; i++) {
      const term = logBeta(alpha + x, beta + tx - x + i) + logBeta(gamma + 1, delta + tx + i);
      const share = Math.exp(term - maxTerm) / sum;
      const digammaFirstSum = digamma(alpha + beta + tx + i);
      const digammaSecondSum = digamma(gamma + 1 + delta + tx + i);
      dAlpha += share * (digammaAlphaX - digammaFirstSum);
      dBeta += share * dLogBetaFirst(beta + tx - x + i, digammaFirstSum);
      dGamma += share * dLogBetaFirst(gamma + 1, digammaSecondSum);
      dDelta += share * dLogBetaFirst(delta + tx + i, digammaSecondSum);
    }
    gradient[0] = gradient[0]! + weight * alpha * dAlpha;
    gradient[1] = gradient[1]! + weight * beta * dBeta;
    gradient[2] = gradient[2]! + weight * gamma * dGamma;
    gradient[3] = gradient[3]! + weight * delta * dDelta;
  }
  return logLikelihood;
}

function totalLogLikelihood(
  alpha: number,
  beta: number,
  gamma: number,
  delta: number,
  columns: BgBbColumns,
  gradient: Float64Array | null,
): number {
  if (gradient) gradient.fill(0);
  let total = 0;
  for (let index = 0; index < columns.length; index++) {
    const weight = columns.weight ? columns.weight[index]! : 1;
    if (weight === 0) continue;
    total +=
      weight *
      patternLogLikelihood(
        alpha,
        beta,
        gamma,
        delta,
        columns.frequency[index]!,
        columns.recency[index]!,
        columns.periods[index]!,
        weight,
        gradient,
      );
  }
  return total;
}

/**
 * Weighted BG/BB log-likelihood of the data at `params` (FHS 2010 §3) and, when `gradient` is
 * given, its derivatives with respect to (ln α, ln β, ln γ, ln δ). O(Σ (n − t_x)).
 *
 * @example bgBbLogLikelihood({ alpha: 1, beta: 1, gamma: 1, delta: 1 }, [{ frequency: 0, recency: 0, periods: 1 }])
 * // ln(B(1,2)/B(1,1)·B(1,2)/B(1,1) + B(1,1)/B(1,1)·B(2,1)/B(1,1)) = ln(1/4 + 1/2) = ln 0.75
 */
export function bgBbLogLikelihood(params: BgBbParams, input: BgBbInput, gradient?: Float64Array): number {
  return totalLogLikelihood(
    params.alpha,
    params.beta,
    params.gamma,
    params.delta,
    toColumns(input),
    gradient ?? null,
  );
}

function validate(columns: BgBbColumns): CoreIssue | { weightSum: number } {
  let weightSum = 0;
  for (let index = 0; index < columns.length; index++) {
    const x = columns.frequency[index]!;
    const tx = columns.recency[index]!;
    const n = columns.periods[index]!;
    const weight = columns.weight ? columns.weight[index]! : 1;
    const path = ['row', index];
    if (!(Number.isFinite(weight) && weight >= 0)) {
      return {
        code: 'invalid-weight',
        message: `Weight must be a finite number ≥ 0, got ${weight}.`,
        path: [...path, 'weight'],
      };
    }
    if (!(Number.isInteger(x) && Number.isInteger(tx) && Number.isInteger(n))) {
      return {
        code: 'invalid-summary',
        message: `BG/BB frequency, recency and periods are whole numbers of opportunities, got (${x}, ${tx}, ${n}).`,
        path,
      };
    }
    const consistent = n >= 0 && tx <= n && (x === 0 ? tx === 0 : x >= 1 && x <= tx);
    if (!consistent) {
      return {
        code: 'invalid-summary',
        message: `Need 0 ≤ x ≤ t_x ≤ n with t_x = 0 when x = 0, got x = ${x}, t_x = ${tx}, n = ${n}.`,
        path,
      };
    }
    weightSum += weight;
  }
  if (weightSum === 0) return { code: 'no-data', message: 'The BG/BB model needs at least one customer.' };
  return { weightSum };
}

/** A fitted (or given) BG/BB model. */
export class BgBb {
  readonly name = 'bgbb' as const;

  private constructor(
    readonly params: BgBbParams,
    /** Weighted log-likelihood of the fitting data at `params`; NaN for `fromParams`. */
    readonly logLikelihood: number,
  ) {}

  /**
   * A model at known parameters. Throws a RangeError unless all are > 0.
   *
   * @example BgBb.fromParams({ alpha: 1.2035, beta: 0.7497, gamma: 0.6567, delta: 2.7834 })
   */
  static fromParams(params: BgBbParams): BgBb {
    for (const [name, value] of Object.entries(params)) {
      if (!(Number.isFinite(value) && value > 0))
        throw new InvalidInputError(`BG/BB ${name} must be > 0, got ${value}.`);
    }
    const { alpha, beta, gamma, delta } = params;
    return new BgBb({ alpha, beta, gamma, delta }, Number.NaN);
  }

  /**
   * Maximum-likelihood fit (weighted: a row with weight w counts as w customers with that
   * pattern, as in the paper's 22-pattern donations table). Optimises over the log-parameters
   * with analytic gradients from α = β = γ = δ = 1. O(Σ (n − t_x)) per evaluation. Invalid
   * summaries or a fit that does not converge are `{ ok: false }`.
   *
   * @example BgBb.fit(loadDonations()) // α 1.2035, β 0.7497, γ 0.6567, δ 2.7834, LL −33,225.58
   */
  static fit(input: BgBbInput): Result<BgBb> {
    const columns = toColumns(input);
    const checked = validate(columns);
    if ('code' in checked) return fail(checked);
    const { weightSum } = checked;
    const minimum = minimize(
      (logParams, gradient) => {
        const value = totalLogLikelihood(
          Math.exp(logParams[0]!),
          Math.exp(logParams[1]!),
          Math.exp(logParams[2]!),
          Math.exp(logParams[3]!),
          columns,
          gradient,
        );
        if (gradient) for (let k = 0; k < 4; k++) gradient[k] = -gradient[k]! / weightSum;
        // Mean negative log-likelihood: the objective's scale does not grow with the data.
        return Number.isFinite(value) ? -value / weightSum : Number.POSITIVE_INFINITY;
      },
      [0, 0, 0, 0],
    );
    if (!minimum.ok) return fail({ ...minimum.error, message: `BG/BB fit failed: ${minimum.error.message}` });
    const [logAlpha, logBeta, logGamma, logDelta] = minimum.value.x;
    const params = {
      alpha: Math.exp(logAlpha!),
      beta: Math.exp(logBeta!),
      gamma: Math.exp(logGamma!),
      delta: Math.exp(logDelta!),
    };
    const logLikelihood = totalLogLikelihood(
      params.alpha,
      params.beta,
      params.gamma,
      params.delta,
      columns,
      null,
    );
    const identified = checkIdentified(
      ['alpha', 'beta', 'gamma', 'delta'],
      [params.alpha, params.beta, params.gamma, params.delta],
      logLikelihood,
    );
    if (!identified.ok) return identified;
    return ok(new BgBb(params, logLikelihood));
  }

  /** Log-likelihood of one pattern (x, t_x, n) at the model's parameters. O(n − t_x). */
  patternLogLikelihood(x: number, tx: number, n: number): number {
    const { alpha, beta, gamma, delta } = this.params;
    return patternLogLikelihood(alpha, beta, gamma, delta, x, tx, n, 1, null);
  }

  /**
   * P(alive at opportunity n + m | x, t_x, n): the probability that a customer with history
   * (x, t_x, n) has not dropped out by opportunity n + m (FHS 2010 §4):
   *   B(α+x, β+n−x)/B(α,β) · B(γ, δ+n+m)/B(γ,δ) / L(α,β,γ,δ | x, t_x, n).
   * Same semantics and argument meaning as lifetimes' `conditional_probability_alive(m, x, t_x, n)`;
   * m = 1 is the paper's "P(alive in period n + 1)" (its Table 6), m = 0 "still alive at the last
   * opportunity observed". O(n − t_x).
   *
   * @example fromParams(FHS).probabilityAlive(6, 6, 6, 1) // ≈ 0.93, FHS 2010 Table 6
   */
  probabilityAlive(x: number, tx: number, n: number, m: number): number {
    const { alpha, beta, gamma, delta } = this.params;
    const logAlive =
      logBeta(alpha + x, beta + n - x) -
      logBeta(alpha, beta) +
      logBeta(gamma, delta + n + m) -
      logBeta(gamma, delta);
    return Math.exp(logAlive - this.patternLogLikelihood(x, tx, n));
  }

  /**
   * E[X(n)]: expected number of transactions of a new customer over the first n opportunities
   * (FHS 2010 §3):
   *   α/(α+β) · δ/(γ−1) · [1 − Γ(γ+δ) Γ(1+δ+n) / (Γ(γ+δ+n) Γ(1+δ))],
   * i.e. α/(α+β) · Σ_{t=1..n} B(γ, δ+t)/B(γ,δ), the sum being used when γ is within 1e-6 of 1
   * (where the closed form is 0/0). O(1), O(n) near γ = 1.
   */
  expectedPurchases(n: number): number {
    const { alpha, beta, gamma, delta } = this.params;
    const purchaseProbability = alpha / (alpha + beta);
    if (n <= 0) return 0;
    return purchaseProbability * aliveOpportunitySum(gamma, delta, 0, n);
  }

  /**
   * E[X(n, n+m) | x, t_x, n]: expected transactions in the next m opportunities of a customer
   * with history (x, t_x, n) (FHS 2010 eq. 13):
   *   1/L · B(α+x+1, β+n−x)/B(α,β) · δ/(γ−1) · Γ(γ+δ)/Γ(1+δ)
   *       · [Γ(1+δ+n)/Γ(γ+δ+n) − Γ(1+δ+n+m)/Γ(γ+δ+n+m)].
   * lifetimes: `conditional_expected_number_of_purchases_up_to_time(m, x, t_x, n)`. O(n − t_x).
   */
  conditionalExpectedPurchases(m: number, x: number, tx: number, n: number): number {
    if (m <= 0) return 0;
    const { alpha, beta, gamma, delta } = this.params;
    const logPurchase = logBeta(alpha + x + 1, beta + n - x) - logBeta(alpha, beta);
    const logAlive = Math.log(aliveOpportunitySum(gamma, delta, n, n + m));
    return Math.exp(logPurchase + logAlive - this.patternLogLikelihood(x, tx, n));
  }

  /**
   * P(X(n) = x): probability that a new customer transacts at exactly x of the first n
   * opportunities (FHS 2010 §3; Hardie's "In-Sample Fit" sheet):
   *   C(n,x) B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
   *   + Σ_{i=x}^{n−1} C(i,x) B(α+x, β+i−x)/B(α,β) · B(γ+1, δ+i)/B(γ,δ). O(n).
   */
  probabilityOfPurchases(x: number, n: number): number {
    if (!Number.isInteger(x) || x < 0 || x > n) return 0;
    const { alpha, beta, gamma, delta } = this.params;
    const logBetaAB = logBeta(alpha, beta);
    const logBetaGD = logBeta(gamma, delta);
    let probability = Math.exp(
      logChoose(n, x) + logBeta(alpha + x, beta + n - x) - logBetaAB + logBeta(gamma, delta + n) - logBetaGD,
    );
    for (let i = x; i < n; i++) {
      probability += Math.exp(
        logChoose(i, x) +
          logBeta(alpha + x, beta + i - x) -
          logBetaAB +
          logBeta(gamma + 1, delta + i) -
          logBetaGD,
      );
    }
    return probability;
  }
}

function logChoose(n: number, k: number): number {
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
}

/**
 * Σ_{t=from+1}^{to} B(γ, δ+t)/B(γ,δ) = Σ E[(1−θ)^t]: expected number of opportunities in
 * (from, to] at which a (prior) customer is still alive. Closed form by telescoping,
 *   δ/(γ−1) · Γ(γ+δ)/Γ(1+δ) · [Γ(1+δ+from)/Γ(γ+δ+from) − Γ(1+δ+to)/Γ(γ+δ+to)],
 * and the plain sum when γ ≈ 1 (0/0 there).
 */
function aliveOpportunitySum(gamma: number, delta: number, from: number, to: number): number {
  if (Math.abs(gamma - 1) < 1e-6) {
    const logBetaGD = logBeta(gamma, delta);
    let sum = 0;
    for (let t = from + 1; t <= to; t++) sum += Math.exp(logBeta(gamma, delta + t) - logBetaGD);
    return sum;
  }
  const scale = (delta / (gamma - 1)) * Math.exp(logGamma(gamma + delta) - logGamma(1 + delta));
  const atFrom = Math.exp(logGamma(1 + delta + from) - logGamma(gamma + delta + from));
  const atTo = Math.exp(logGamma(1 + delta + to) - logGamma(gamma + delta + to));
  return scale * (atFrom - atTo);
}
