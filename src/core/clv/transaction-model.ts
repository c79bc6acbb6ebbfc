/**
 * What every "buy till you die" transaction model (BG/NBD, MBG/NBD, Pareto/NBD) offers the CLV code
 * and the CLI, and the machinery they share: validating and compressing summaries into weighted
 * unique rows, maximum likelihood on log-parameters with an optional L2 penalty, and the P(alive)
 * path of one customer.
 */

import { InvalidInputError } from '../input-error.js';
import { checkIdentified, IDENTIFIED_PARAMETER_RANGE } from '../math/identified.js';
import { minimize } from '../math/optimize.js';
import { fail, ok, type Result } from '../result.js';
import { type SummaryInput, toSummaryColumns } from './summary-columns.js';

/** A fitted (or given) model of repeat purchasing. Times are in the unit of the summaries it was fitted on. */
export interface TransactionModel {
  readonly name: 'bgnbd' | 'mbgnbd' | 'paretonbd';
  /** The paper's parameters under the paper's names. */
  readonly params: Readonly<Record<string, number>>;
  /** Σ weight × ln L at `params` over the fitted data (unpenalised); NaN for a model built from known parameters. */
  readonly logLikelihood: number;
  /** E[X(t)]: expected repeat purchases in (0, t] for a customer just acquired. */
  expectedPurchases(t: number): number;
  /** E[Y(t) | x, t_x, T]: expected purchases in (T, T + t] given the customer's history. */
  conditionalExpectedPurchases(t: number, frequency: number, recency: number, T: number): number;
  /** P(alive at T | x, t_x, T). */
  probabilityAlive(frequency: number, recency: number, T: number): number;
  /** P(X(t) = n) for a customer just acquired. */
  probabilityOfPurchases(n: number, t: number): number;
}

/** Options shared by the models' `fit`. */
export interface TransactionFitOptions<P extends string> {
  /**
   * L2 penalty on the parameters, as `lifetimes`' `penalizer_coef`: the minimised objective is
   * −Σ wᵢ ln Lᵢ / Σ wᵢ + penalizer × Σ θ² over the natural (not log) parameters θ. Default 0.
   */
  readonly penalizer?: number;
  /** Starting parameters (default 1 for each). */
  readonly start?: Partial<Readonly<Record<P, number>>>;
  /** Optimiser iteration cap. */
  readonly maxIterations?: number;
}

/** A model's P(alive) history: `probabilities[i]` is P(alive) at age `times[i]`. */
export interface AliveHistory {
  readonly times: Float64Array;
  readonly probabilities: Float64Array;
}

/**
 * Summaries reduced to distinct (x, t_x, T) rows with summed weights, and the distinct x values
 * ("frequency groups"): the gamma-function terms of every model depend on x alone, so they are
 * computed once per group rather than once per customer.
 */
export interface CompressedSummaries {
  readonly length: number;
  readonly frequency: Float64Array;
  readonly recency: Float64Array;
  readonly T: Float64Array;
  readonly weight: Float64Array;
  /** Index of each row's frequency group. */
  readonly group: Int32Array;
  readonly groupFrequency: Float64Array;
  readonly groupWeight: Float64Array;
  readonly totalWeight: number;
}

/**
 * Validates summaries and merges identical (x, t_x, T) rows into weights. O(n) with an
 * open-addressing hash on typed arrays (no per-row objects).
 * Rejects non-finite values, x < 0, t_x outside [0, T], t_x > 0 when x = 0, negative weights and
 * a zero total weight.
 */
export function compressSummaries(input: SummaryInput): Result<CompressedSummaries> {
  const columns = toSummaryColumns(input);
  const count = columns.length;
  const weights = columns.weight;
  const invalid = (row: number, field: string, message: string) =>
    fail({ code: 'invalid-summary', message: `Row ${row}: ${message}`, path: ['row', row, field] });
  for (let row = 0; row < count; row++) {
    const x = columns.frequency[row]!;
    const tx = columns.recency[row]!;
    const T = columns.T[row]!;
    if (!Number.isFinite(x) || x < 0) return invalid(row, 'frequency', `frequency must be ≥ 0 (got ${x}).`);
    if (!Number.isFinite(T) || T < 0) return invalid(row, 'T', `T must be ≥ 0 (got ${T}).`);
    if (!Number.isFinite(tx) || tx < 0 || tx > T) {
      return invalid(row, 'recency', `recency must lie in [0, T] (got ${tx}, T = ${T}).`);
    }
    if (x === 0 && tx !== 0)
      return invalid(row, 'recency', `recency must be 0 when frequency is 0 (got ${tx}).`);
    const weight = weights ? weights[row]! : 1;
    if (!Number.isFinite(weight) || weight < 0)
      return invalid(row, 'weight', `weight must be ≥ 0 (got ${weight}).`);
  }

  let capacity = 16;
  while (capacity < 2 * count) capacity *= 2;
  const table = new Int32Array(capacity).fill(-1);
  const frequency = new Float64Array(count);
  const recency = new Float64Array(count);
  const T = new Float64Array(count);
  const weight = new Float64Array(count);
  const bits = new Float64Array(3);
  const words = new Uint32Array(bits.buffer);
  let unique = 0;
  let totalWeight = 0;
  for (let row = 0; row < count; row++) {
    const rowWeight = weights ? weights[row]! : 1;
    if (rowWeight === 0) continue;
    bits[0] = columns.frequency[row]!;
    bits[1] = columns.recency[row]! + 0; // +0 folds −0 into 0 so equal values hash alike
    bits[2] = columns.T[row]!;
    let hash = 2166136261;
    for (let word = 0; word < 6; word++) hash = Math.imul(hash ^ words[word]!, 16777619);
    let slot = (hash >>> 0) & (capacity - 1);
    for (;;) {
      const found = table[slot]!;
      if (found === -1) {
        table[slot] = unique;
        frequency[unique] = bits[0];
        recency[unique] = bits[1];
        T[unique] = bits[2];
        weight[unique] = rowWeight;
        unique++;
        break;
      }
      if (frequency[found] === bits[0] && recency[found] === bits[1] && T[found] === bits[2]) {
        weight[found] = weight[found]! + rowWeight;
        break;
      }
      slot = (slot + 1) & (capacity - 1);
    }
    totalWeight += rowWeight;
  }
  if (!(totalWeight > 0)) {
    return fail({
      code: 'invalid-summary',
      message: 'No customers with positive weight to fit.',
      path: ['weight'],
    });
  }

  // Frequency groups (few distinct x values in practice).
  const groupIndex = new Map<number, number>();
  const group = new Int32Array(unique);
  const groupFrequencies: number[] = [];
  const groupWeights: number[] = [];
  for (let row = 0; row < unique; row++) {
    const x = frequency[row]!;
    let index = groupIndex.get(x);
    if (index === undefined) {
      index = groupFrequencies.length;
      groupIndex.set(x, index);
      groupFrequencies.push(x);
      groupWeights.push(0);
    }
    group[row] = index;
    groupWeights[index] = groupWeights[index]! + weight[row]!;
  }
  return ok({
    length: unique,
    frequency: frequency.subarray(0, unique),
    recency: recency.subarray(0, unique),
    T: T.subarray(0, unique),
    weight: weight.subarray(0, unique),
    group,
    groupFrequency: Float64Array.from(groupFrequencies),
    groupWeight: Float64Array.from(groupWeights),
    totalWeight,
  });
}

/**
 * Σ wᵢ ln Lᵢ at natural parameters `params`, filling `gradient` (when non-null) with its partial
 * derivatives with respect to those parameters. One pass over the compressed rows.
 */
export type LogLikelihoodKernel = (
  params: Float64Array,
  data: CompressedSummaries,
  gradient: Float64Array | null,
) => number;

/** A successful maximum-likelihood fit: the parameters in kernel order and Σ w ln L there. */
export interface FittedParameters {
  readonly params: Float64Array;
  readonly logLikelihood: number;
}

/**
 * A failed BFGS search whose best point has a parameter outside the identified range
 * (`IDENTIFIED_PARAMETER_RANGE`, which `checkIdentified` refuses anyway) is not handed to
 * Nelder–Mead: on the ridges where that happens it only drifts further out.
 */
const outsideIdentified = (logParams: ArrayLike<number>): boolean =>
  Array.from(logParams).some(
    (value) =>
      !(
        value >= Math.log(IDENTIFIED_PARAMETER_RANGE.min) && value <= Math.log(IDENTIFIED_PARAMETER_RANGE.max)
      ),
  );

/**
 * Maximum likelihood on log-parameters (so every parameter stays positive) with BFGS and the
 * kernel's analytic gradient; the objective is lifetimes' (mean negative log-likelihood + L2 penalty),
 * so the optimiser's tolerances do not depend on the number of customers.
 */
export function fitByMaximumLikelihood<P extends string>(
  names: readonly P[],
  kernel: LogLikelihoodKernel,
  input: SummaryInput,
  options: TransactionFitOptions<P> = {},
): Result<FittedParameters> {
  const compressed = compressSummaries(input);
  if (!compressed.ok) return compressed;
  const data = compressed.value;
  const penalizer = options.penalizer ?? 0;
  if (!(penalizer >= 0) || !Number.isFinite(penalizer)) {
    return fail({
      code: 'invalid-option',
      message: 'penalizer must be a finite number ≥ 0.',
      path: ['penalizer'],
    });
  }
  const start = new Float64Array(names.length);
  for (let index = 0; index < names.length; index++) {
    const name = names[index]!;
    const value = options.start?.[name] ?? 1;
    if (!(value > 0) || !Number.isFinite(value)) {
      return fail({ code: 'invalid-option', message: `start.${name} must be > 0.`, path: ['start', name] });
    }
    start[index] = Math.log(value);
  }
  const params = new Float64Array(names.length);
  const naturalGradient = new Float64Array(names.length);
  const scale = 1 / data.totalWeight;
  const result = minimize(
    (logParams, gradient) => {
      let penalty = 0;
      for (let index = 0; index < params.length; index++) {
        params[index] = Math.exp(logParams[index]!);
        penalty += params[index]! * params[index]!;
      }
      const logLikelihood = kernel(params, data, gradient ? naturalGradient : null);
      if (gradient) {
        for (let index = 0; index < params.length; index++) {
          // d/dlogθ = θ d/dθ
          const theta = params[index]!;
          gradient[index] = -scale * naturalGradient[index]! * theta + 2 * penalizer * theta * theta;
        }
      }
      return -scale * logLikelihood + penalizer * penalty;
    },
    start,
    {
      ...(options.maxIterations === undefined ? {} : { maxIterations: options.maxIterations }),
      // BFGS stuck with a parameter already outside the identified range: the data do not
      // identify the model, and Nelder–Mead would only drift further (1,000 iterations over every
      // customer: 30 s at 50,000) before checkIdentified refused the result anyway.
      abandon: outsideIdentified,
    },
  );
  if (!result.ok) {
    // Abandoned (or failed) out in the parameters' far field: say so as the unidentified fit it is.
    const last = result.error.details?.x;
    if (Array.isArray(last) && outsideIdentified(last as number[])) {
      const params = Float64Array.from(last as number[], Math.exp);
      const identified = checkIdentified(names, params, kernel(params, data, null));
      if (!identified.ok) return identified;
    }
    return result;
  }
  const fitted = result.value.x.map(Math.exp);
  const logLikelihood = kernel(fitted, data, null);
  const identified = checkIdentified(names, fitted, logLikelihood);
  if (!identified.ok) return identified;
  return ok({ params: fitted, logLikelihood });
}

/** Checks that every named parameter is a finite number > 0 (an `invalid-params` issue otherwise). O(k). */
export function checkPositiveParams<P extends string>(
  names: readonly P[],
  params: Readonly<Record<P, number>>,
): Result<true> {
  for (const name of names) {
    const value = params[name];
    if (!(value > 0) || !Number.isFinite(value)) {
      return fail({
        code: 'invalid-params',
        message: `Parameter ${name} must be a finite number > 0 (got ${value}).`,
        path: ['params', name],
      });
    }
  }
  return ok(true);
}

/**
 * P(alive) along one customer's history, as `lifetimes`' `calculate_alive_path`: at ages
 * 0, step, 2·step, … up to T (T itself included), with x = distinct purchase times so far − 1 and
 * t_x = the last of them. `purchaseTimes` are ages measured from the first purchase (any order;
 * the earliest is taken as age 0). O(k + T / step) calls of `probabilityAlive`.
 *
 * @example aliveHistory((x, tx, T) => model.probabilityAlive(x, tx, T), [0, 3, 10], 20, 5)
 * // times [0, 5, 10, 15, 20]
 */
export function aliveHistory(
  probabilityAlive: (frequency: number, recency: number, T: number) => number,
  purchaseTimes: readonly number[],
  T: number,
  step = 1,
): AliveHistory {
  if (purchaseTimes.length === 0)
    throw new InvalidInputError('aliveHistory needs at least one purchase time.');
  if (!(step > 0)) throw new InvalidInputError('step must be > 0.');
  const sorted = Float64Array.from(purchaseTimes).sort();
  const origin = sorted[0]!;
  const stepCount = Math.floor(T / step + 1e-9);
  const hasEnd = Math.abs(stepCount * step - T) > 1e-9 * Math.max(1, T);
  const length = stepCount + 1 + (hasEnd ? 1 : 0);
  const times = new Float64Array(length);
  const probabilities = new Float64Array(length);
  let next = 1;
  let repeats = 0;
  let last = 0;
  for (let index = 0; index < length; index++) {
    const age = index <= stepCount ? index * step : T;
    while (next < sorted.length && sorted[next]! - origin <= age) {
      const purchaseAge = sorted[next]! - origin;
      if (purchaseAge > last) repeats++;
      last = purchaseAge;
      next++;
    }
    times[index] = age;
    probabilities[index] = probabilityAlive(repeats, last, age);
  }
  return { times, probabilities };
}
