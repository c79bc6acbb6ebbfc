import { InvalidInputError } from '../input-error.js';
import { checkIdentified } from '../math/identified.js';
import { minimize } from '../math/optimize.js';
import { digamma, logGamma } from '../math/special.js';
import { type CoreIssue, fail, ok, type Result } from '../result.js';
import type { SummaryInput } from './summary-columns.js';

/**
 * The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV: Using
 * Iso-Value Curves for Customer Base Analysis", JMR 42(4), §"Adding monetary value"; the model
 * comes from Colombo & Jiang 1999). A customer's transaction values are gamma(p, ν) with a
 * customer-specific scale ν ~ gamma(q, γ) across customers, so the mean of x repeat transactions,
 * m_x, has the density used in `logLikelihood` below, and the posterior mean of a customer's spend
 * per transaction is a weighted average of the population mean and their own m_x.
 *
 * It assumes spend is independent of purchase frequency; `fit` reports their Pearson correlation
 * over the repeat customers and warns above |0.3| (metrics.md §5).
 */

/** Gamma-Gamma parameters, named as in the paper: transaction values ~ gamma(p, ν), ν ~ gamma(q, γ). */
export interface GammaGammaParams {
  readonly p: number;
  readonly q: number;
  readonly gamma: number;
}

export interface GammaGammaFitOptions {
  /**
   * L2 penalty on the parameters (default 0): the fit minimises −LL / Σweight + penalizer ×
   * (p² + q² + γ²), the convention of lifetimes' `GammaGammaFitter(penalizer_coef)`. Note γ is in
   * the monetary unit, so a penalty's strength depends on that unit.
   */
  readonly penalizer?: number;
}

/** A repeat customer's spend summary: x repeat transactions of mean value m_x. */
export interface SpendRow {
  readonly frequency: number;
  readonly monetary?: number;
  readonly weight?: number;
}

/** Anything with `frequency` and `monetary`: a full customer summary or bare spend rows. */
export type SpendInput = SummaryInput | readonly SpendRow[];

/** What a CLV computation needs from a spend model (`GammaGamma` implements it). */
export interface SpendModel {
  conditionalExpectedAverageValue(frequency: number, monetary: number): number;
}

/** Above this |Pearson r| between frequency and monetary, `fit` adds a warning (metrics.md §5). */
export const FREQUENCY_MONETARY_CORRELATION_LIMIT = 0.3;

export interface SpendColumns {
  readonly length: number;
  readonly frequency: ArrayLike<number>;
  readonly monetary: ArrayLike<number>;
  readonly weight: ArrayLike<number> | undefined;
}

function toSpendColumns(input: SpendInput): SpendColumns | CoreIssue {
  if (Array.isArray(input)) {
    const rows = input as readonly SpendRow[];
    const frequency = new Float64Array(rows.length);
    const monetary = new Float64Array(rows.length);
    const weight = new Float64Array(rows.length);
    for (let index = 0; index < rows.length; index++) {
      const row = rows[index]!;
      frequency[index] = row.frequency;
      monetary[index] = row.monetary ?? Number.NaN;
      weight[index] = row.weight ?? 1;
    }
    return { length: rows.length, frequency, monetary, weight };
  }
  const columns = input as Exclude<SummaryInput, readonly unknown[]>;
  if (!columns.monetary) {
    return {
      code: 'missing-monetary',
      message: 'The Gamma-Gamma model needs a monetary column.',
      path: ['monetary'],
    };
  }
  return {
    length: columns.length,
    frequency: columns.frequency,
    monetary: columns.monetary,
    weight: columns.weight,
  };
}

/**
 * Log-likelihood of one repeat customer, the density of the mean m of x transaction values
 * (the gamma-gamma marginal of m_x; Fader & Hardie 2013, note 025):
 *   ln f(m | x) = ln Γ(px + q) − ln Γ(px) − ln Γ(q) + q ln γ + (px − 1) ln m + px ln x − (px + q) ln(xm + γ).
 */
function customerLogLikelihood(p: number, q: number, gamma: number, x: number, m: number): number {
  const px = p * x;
  return (
    logGamma(px + q) -
    logGamma(px) -
    logGamma(q) +
    q * Math.log(gamma) +
    (px - 1) * Math.log(m) +
    px * Math.log(x) -
    (px + q) * Math.log(x * m + gamma)
  );
}

/**
 * Total log-likelihood of the repeat customers (rows with frequency 0 skipped) and, when
 * `gradient` is given, its derivatives with respect to (ln p, ln q, ln γ). O(n).
 */
export function gammaGammaLogLikelihood(
  params: GammaGammaParams,
  input: SpendInput,
  gradient?: Float64Array,
): number {
  const columns = toSpendColumns(input);
  if ('code' in columns) throw new TypeError(columns.message);
  return logLikelihoodOfColumns(params.p, params.q, params.gamma, columns, gradient ?? null);
}

function logLikelihoodOfColumns(
  p: number,
  q: number,
  gamma: number,
  columns: SpendColumns,
  gradient: Float64Array | null,
): number {
  let total = 0;
  let dp = 0;
  let dq = 0;
  let dgamma = 0;
  const digammaQ = gradient ? digamma(q) : 0;
  const logGamma = Math.log(gamma);
  for (let index = 0; index < columns.length; index++) {
    const x = columns.frequency[index]!;
    if (x <= 0) continue;
    const m = columns.monetary[index]!;
    const weight = columns.weight ? columns.weight[index]! : 1;
    total += weight * customerLogLikelihood(p, q, gamma, x, m);
    if (gradient) {
      const px = p * x;
      const logDenominator = Math.log(x * m + gamma);
      const digammaSum = digamma(px + q);
      // ∂/∂p, ∂/∂q, ∂/∂γ of the per-customer log-likelihood above.
      dp += weight * x * (digammaSum - digamma(px) + Math.log(m) + Math.log(x) - logDenominator);
      dq += weight * (digammaSum - digammaQ + logGamma - logDenominator);
      dgamma += weight * (q / gamma - (px + q) / (x * m + gamma));
    }
  }
  if (gradient) {
    // Chain rule to log-parameters: ∂/∂ln θ = θ ∂/∂θ.
    gradient[0] = p * dp;
    gradient[1] = q * dq;
    gradient[2] = gamma * dgamma;
  }
  return total;
}

/**
 * The fit's fast kernel: the same log-likelihood and gradient as `logLikelihoodOfColumns`, with
 * everything that does not depend on γ hoisted out of the per-row loop. Terms in x alone
 * (lnΓ(px + q) − lnΓ(px) and their digammas) are summed once per distinct frequency — a handful
 * of values — and terms linear in p use precomputed sums, so a row costs one logarithm and one
 * division per evaluation instead of four special functions. A test pins it to the per-row form.
 */
export interface PreparedSpend {
  /** Distinct frequencies and the summed weight of the rows having each. */
  readonly frequencies: Float64Array;
  readonly frequencyWeights: Float64Array;
  /** Per repeat row: x, x·m and the weight. */
  readonly x: Float64Array;
  readonly xm: Float64Array;
  readonly weight: Float64Array;
  readonly weightSum: number;
  /** Σ w·x·ln m, Σ w·ln m, Σ w·x·ln x over the repeat rows. */
  readonly sumXLogM: number;
  readonly sumLogM: number;
  readonly sumXLogX: number;
}

export function prepareSpend(columns: SpendColumns): PreparedSpend {
  const byFrequency = new Map<number, number>();
  const x: number[] = [];
  const xm: number[] = [];
  const weight: number[] = [];
  let weightSum = 0;
  let sumXLogM = 0;
  let sumLogM = 0;
  let sumXLogX = 0;
  for (let index = 0; index < columns.length; index++) {
    const frequency = columns.frequency[index]!;
    if (frequency <= 0) continue;
    const m = columns.monetary[index]!;
    const w = columns.weight ? columns.weight[index]! : 1;
    x.push(frequency);
    xm.push(frequency * m);
    weight.push(w);
    weightSum += w;
    sumXLogM += w * frequency * Math.log(m);
    sumLogM += w * Math.log(m);
    sumXLogX += w * frequency * Math.log(frequency);
    byFrequency.set(frequency, (byFrequency.get(frequency) ?? 0) + w);
  }
  return {
    frequencies: Float64Array.from(byFrequency.keys()),
    frequencyWeights: Float64Array.from(byFrequency.values()),
    x: Float64Array.from(x),
    xm: Float64Array.from(xm),
    weight: Float64Array.from(weight),
    weightSum,
    sumXLogM,
    sumLogM,
    sumXLogX,
  };
}

/** Σ w ln L at (p, q, γ) over prepared rows; fills ∂/∂(ln p, ln q, ln γ) when `gradient` is given. */
export function preparedLogLikelihood(
  p: number,
  q: number,
  gamma: number,
  prepared: PreparedSpend,
  gradient: Float64Array | null,
): number {
  const { frequencies, frequencyWeights, x, xm, weight, weightSum } = prepared;
  let total =
    -logGamma(q) * weightSum +
    q * Math.log(gamma) * weightSum +
    p * prepared.sumXLogM -
    prepared.sumLogM +
    p * prepared.sumXLogX;
  let dp = prepared.sumXLogM + prepared.sumXLogX;
  let dq = (Math.log(gamma) - (gradient ? digamma(q) : 0)) * weightSum;
  let dgamma = (q / gamma) * weightSum;
  for (let group = 0; group < frequencies.length; group++) {
    const frequency = frequencies[group]!;
    const w = frequencyWeights[group]!;
    const px = p * frequency;
    total += w * (logGamma(px + q) - logGamma(px));
    if (gradient) {
      const digammaSum = digamma(px + q);
      dp += w * frequency * (digammaSum - digamma(px));
      dq += w * digammaSum;
    }
  }
  for (let row = 0; row < x.length; row++) {
    const w = weight[row]!;
    const frequency = x[row]!;
    const denominator = xm[row]! + gamma;
    const logDenominator = Math.log(denominator);
    const pxq = p * frequency + q;
    total -= w * pxq * logDenominator;
    if (gradient) {
      dp -= w * frequency * logDenominator;
      dq -= w * logDenominator;
      dgamma -= (w * pxq) / denominator;
    }
  }
  if (gradient) {
    gradient[0] = p * dp;
    gradient[1] = q * dq;
    gradient[2] = gamma * dgamma;
  }
  return total;
}

/** Weighted Pearson correlation of frequency and monetary over rows with frequency > 0; null if undefined. */
function frequencyMonetaryCorrelation(columns: SpendColumns): number | null {
  let weightSum = 0;
  let frequencySum = 0;
  let monetarySum = 0;
  for (let index = 0; index < columns.length; index++) {
    const x = columns.frequency[index]!;
    if (x <= 0) continue;
    const weight = columns.weight ? columns.weight[index]! : 1;
    weightSum += weight;
    frequencySum += weight * x;
    monetarySum += weight * columns.monetary[index]!;
  }
  if (weightSum === 0) return null;
  const frequencyMean = frequencySum / weightSum;
  const monetaryMean = monetarySum / weightSum;
  let covariance = 0;
  let frequencyVariance = 0;
  let monetaryVariance = 0;
  for (let index = 0; index < columns.length; index++) {
    const x = columns.frequency[index]!;
    if (x <= 0) continue;
    const weight = columns.weight ? columns.weight[index]! : 1;
    const frequencyDeviation = x - frequencyMean;
    const monetaryDeviation = columns.monetary[index]! - monetaryMean;
    covariance += weight * frequencyDeviation * monetaryDeviation;
    frequencyVariance += weight * frequencyDeviation * frequencyDeviation;
    monetaryVariance += weight * monetaryDeviation * monetaryDeviation;
  }
  if (frequencyVariance === 0 || monetaryVariance === 0) return null;
  return covariance / Math.sqrt(frequencyVariance * monetaryVariance);
}

function validate(
  columns: SpendColumns,
): CoreIssue | { repeatCustomers: number; weightSum: number; monetaryMean: number } {
  let repeatCustomers = 0;
  let weightSum = 0;
  let monetarySum = 0;
  for (let index = 0; index < columns.length; index++) {
    const x = columns.frequency[index]!;
    const weight = columns.weight ? columns.weight[index]! : 1;
    if (!Number.isFinite(x) || x < 0) {
      return {
        code: 'invalid-frequency',
        message: `Frequency must be a finite number ≥ 0, got ${x}.`,
        path: ['row', index, 'frequency'],
      };
    }
    if (!Number.isFinite(weight) || weight < 0) {
      return {
        code: 'invalid-weight',
        message: `Weight must be a finite number ≥ 0, got ${weight}.`,
        path: ['row', index, 'weight'],
      };
    }
    if (x === 0 || weight === 0) continue;
    const m = columns.monetary[index]!;
    if (!Number.isFinite(m) || m <= 0) {
      return {
        code: 'invalid-monetary',
        message: `A repeat customer's mean spend must be a finite number > 0, got ${m}.`,
        path: ['row', index, 'monetary'],
      };
    }
    repeatCustomers++;
    weightSum += weight;
    monetarySum += weight * m;
  }
  if (repeatCustomers === 0) {
    return {
      code: 'no-repeat-customers',
      message: 'The Gamma-Gamma model needs at least one customer with frequency > 0.',
    };
  }
  return { repeatCustomers, weightSum, monetaryMean: monetarySum / weightSum };
}

/** A fitted (or given) Gamma-Gamma spend model. */
export class GammaGamma implements SpendModel {
  readonly name = 'gammagamma' as const;

  private constructor(
    readonly params: GammaGammaParams,
    /** Log-likelihood of the repeat customers at `params` (unpenalized); NaN for `fromParams`. */
    readonly logLikelihood: number,
    /** Number of rows with frequency > 0 the model was fitted on (0 for `fromParams`). */
    readonly repeatCustomers: number,
    /** Pearson correlation of frequency and monetary over the repeat customers; null if undefined. */
    readonly frequencyMonetaryCorrelation: number | null,
    readonly warnings: readonly CoreIssue[],
  ) {}

  /**
   * A model at known parameters (stored results, tests). Throws a RangeError unless all are > 0.
   *
   * @example GammaGamma.fromParams({ p: 6.25, q: 3.74, gamma: 15.44 }).expectedAverageValue() // ≈ 35.22
   */
  static fromParams(params: GammaGammaParams): GammaGamma {
    for (const [name, value] of Object.entries(params)) {
      if (!(Number.isFinite(value) && value > 0))
        throw new InvalidInputError(`Gamma-Gamma ${name} must be > 0, got ${value}.`);
    }
    return new GammaGamma({ p: params.p, q: params.q, gamma: params.gamma }, Number.NaN, 0, null, []);
  }

  /**
   * Maximum-likelihood fit on the repeat customers (rows with frequency 0 or weight 0 are
   * ignored; `monetary` is the mean value of the repeat transactions, metrics.md §5). Optimises
   * over (ln p, ln q, ln γ) with analytic gradients from a unit-free start (p = q = 1, γ = mean
   * spend), so rescaling the money unit rescales γ only. O(n) per evaluation.
   *
   * A fit that does not converge, or input with no repeat customer or a non-positive mean spend,
   * is `{ ok: false }`. The result carries a `frequency-monetary-correlation` warning when
   * |r| > 0.3.
   *
   * @example GammaGamma.fit(loadCdnowSummary()) // p 6.2488, q 3.7446, γ 15.4477 (946 repeaters)
   */
  static fit(repeatCustomers: SpendInput, options: GammaGammaFitOptions = {}): Result<GammaGamma> {
    const penalizer = options.penalizer ?? 0;
    if (!(Number.isFinite(penalizer) && penalizer >= 0)) {
      return fail({
        code: 'invalid-option',
        message: `penalizer must be ≥ 0, got ${penalizer}.`,
        path: ['penalizer'],
      });
    }
    const columns = toSpendColumns(repeatCustomers);
    if ('code' in columns) return fail(columns);
    const checked = validate(columns);
    if ('code' in checked) return fail(checked);

    const { weightSum } = checked;
    const prepared = prepareSpend(columns);
    const rowGradient = new Float64Array(3);
    const minimum = minimize(
      (logParams, gradient) => {
        const p = Math.exp(logParams[0]!);
        const q = Math.exp(logParams[1]!);
        const gamma = Math.exp(logParams[2]!);
        const logLikelihood = preparedLogLikelihood(p, q, gamma, prepared, gradient ? rowGradient : null);
        // Mean negative log-likelihood keeps the objective's scale independent of n.
        const value = -logLikelihood / weightSum + penalizer * (p * p + q * q + gamma * gamma);
        if (gradient) {
          gradient[0] = -rowGradient[0]! / weightSum + penalizer * 2 * p * p;
          gradient[1] = -rowGradient[1]! / weightSum + penalizer * 2 * q * q;
          gradient[2] = -rowGradient[2]! / weightSum + penalizer * 2 * gamma * gamma;
        }
        return Number.isFinite(value) ? value : Number.POSITIVE_INFINITY;
      },
      [0, 0, Math.log(checked.monetaryMean)],
    );
    if (!minimum.ok) {
      return fail({ ...minimum.error, message: `Gamma-Gamma fit failed: ${minimum.error.message}` });
    }
    const [logP, logQ, logGamma] = minimum.value.x;
    const params = { p: Math.exp(logP!), q: Math.exp(logQ!), gamma: Math.exp(logGamma!) };
    const logLikelihood = logLikelihoodOfColumns(params.p, params.q, params.gamma, columns, null);
    const identified = checkIdentified(
      ['p', 'q', 'gamma'],
      [params.p, params.q, params.gamma],
      logLikelihood,
    );
    if (!identified.ok) return identified;
    const correlation = frequencyMonetaryCorrelation(columns);
    const warnings: CoreIssue[] = [];
    if (correlation !== null && Math.abs(correlation) > FREQUENCY_MONETARY_CORRELATION_LIMIT) {
      warnings.push({
        code: 'frequency-monetary-correlation',
        message:
          `Frequency and mean spend are correlated (Pearson r = ${correlation.toFixed(3)}, |r| > ` +
          `${FREQUENCY_MONETARY_CORRELATION_LIMIT}): the Gamma-Gamma model assumes they are independent.`,
        details: { correlation },
      });
    }
    return ok(new GammaGamma(params, logLikelihood, checked.repeatCustomers, correlation, warnings));
  }

  /**
   * E[M | p, q, γ, m_x, x]: the posterior mean spend per transaction of a customer with x repeat
   * transactions of mean m_x (Fader, Hardie & Lee 2005, JMR; derived in Fader & Hardie 2013,
   * "The Gamma-Gamma Model of Monetary Value", brucehardie.com note 025):
   *   (p (γ + x m_x)) / (p x + q − 1)
   * = a weighted average of the population mean p γ / (q − 1) and m_x. With x = 0 it is the
   * population mean. Infinite when p x + q ≤ 1 (the posterior mean does not exist). O(1).
   *
   * @example fromParams({ p: 6, q: 4, gamma: 15 }).conditionalExpectedAverageValue(2, 30) // 6·(15+60)/(12+3) = 30
   */
  conditionalExpectedAverageValue(frequency: number, monetary: number): number {
    const { p, q, gamma } = this.params;
    const denominator = p * frequency + q - 1;
    if (denominator <= 0) return Number.POSITIVE_INFINITY;
    return (p * (gamma + frequency * monetary)) / denominator;
  }

  /**
   * E[M] = p γ / (q − 1), the population mean spend per transaction; Infinity when q ≤ 1 (the
   * inverse-gamma mean of the scale does not exist). O(1).
   *
   * @example fromParams({ p: 6, q: 4, gamma: 15 }).expectedAverageValue() // 6·15/3 = 30
   */
  expectedAverageValue(): number {
    const { p, q, gamma } = this.params;
    return q > 1 ? (p * gamma) / (q - 1) : Number.POSITIVE_INFINITY;
  }
}
