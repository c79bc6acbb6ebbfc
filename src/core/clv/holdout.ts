import { InvalidInputError } from '../input-error.js';
import { type CoreIssue, fail, ok, type Result } from '../result.js';
import { BgNbd } from './bg-nbd.js';
import { MbgNbd } from './mbg-nbd.js';
import { ParetoNbd } from './pareto-nbd.js';
import type { SummaryColumns, SummaryInput } from './summary-columns.js';
import type { TransactionModel } from './transaction-model.js';

/**
 * Calibration/holdout evaluation of transaction models (Fader, Hardie & Lee 2005, "Counting Your
 * Customers the Easy Way", §4: fit on the calibration period, predict each customer's purchases in
 * the holdout period from their calibration summary, compare with what they did).
 */

/** A customer's calibration summary plus the repeat purchases they made in the holdout period. */
export interface HoldoutRow {
  readonly frequency: number;
  readonly recency: number;
  readonly T: number;
  /** Purchases (distinct purchase days, as `frequency`) in the holdout period. */
  readonly holdoutFrequency: number;
  /** How many customers this row stands for (default 1). */
  readonly weight?: number;
}

/** The same as columns (e.g. `summarizeColumns(orders, { observationEnd, … })`). */
export type HoldoutColumns = SummaryColumns & { readonly holdoutFrequency: ArrayLike<number> };

export type HoldoutInput = HoldoutColumns | readonly HoldoutRow[];

/** The transaction models `selectModel` knows how to fit. */
export type TransactionModelName = 'bgnbd' | 'mbgnbd' | 'paretonbd';

/** Fits one kind of transaction model to calibration summaries. */
export type TransactionModelFitter = (calibration: SummaryInput) => Result<TransactionModel>;

/** One row of the conditional-expectation table: customers by calibration frequency. */
export interface FrequencyBucket {
  /** Calibration frequency x: 0 … 6, then '7+' for x ≥ 7. */
  readonly frequency: number | '7+';
  /** Customers (sum of weights) in the bucket. */
  readonly customers: number;
  /** Mean actual holdout purchases; null for an empty bucket. */
  readonly actualMean: number | null;
  /** Mean predicted holdout purchases; null for an empty bucket. */
  readonly predictedMean: number | null;
}

export interface HoldoutEvaluation {
  /** Customers evaluated (sum of weights). */
  readonly customers: number;
  /** Total actual holdout purchases. */
  readonly actual: number;
  /** Total predicted holdout purchases, Σ E[X(T, T + holdoutLength) | x, t_x, T]. */
  readonly predicted: number;
  /** Mean absolute error per customer, Σ w |predicted − actual| / Σ w. */
  readonly mae: number;
  /** Root mean squared error per customer. */
  readonly rmse: number;
  /** Actual vs predicted mean by calibration frequency 0 … 6, 7+ (the paper's Figure 4). */
  readonly byFrequency: readonly FrequencyBucket[];
  /** Each row's prediction, in input order. */
  readonly predictions: Float64Array;
}

/** Bucket labels of `byFrequency`: 0 … 6 and '7+'. */
const LAST_BUCKET = 7;

function toHoldoutColumns(input: HoldoutInput): HoldoutColumns {
  if (!Array.isArray(input)) {
    const columns = input as HoldoutColumns;
    if (!columns.holdoutFrequency) throw new TypeError('evaluateHoldout needs a holdoutFrequency column.');
    return columns;
  }
  const rows = input as readonly HoldoutRow[];
  return {
    length: rows.length,
    frequency: Float64Array.from(rows, (row) => row.frequency),
    recency: Float64Array.from(rows, (row) => row.recency),
    T: Float64Array.from(rows, (row) => row.T),
    holdoutFrequency: Float64Array.from(rows, (row) => row.holdoutFrequency),
    weight: Float64Array.from(rows, (row) => row.weight ?? 1),
  };
}

/**
 * Scores a fitted transaction model on a holdout period of length `holdoutLength` (in the
 * model's time unit, e.g. 39 weeks): each customer's prediction is
 * `model.conditionalExpectedPurchases(holdoutLength, x, t_x, T)`, compared with their actual
 * holdout purchases. Returns totals, MAE and RMSE per customer, and the conditional-expectation
 * table by calibration frequency (FHL 2005 Figure 4; lifetimes'
 * `plot_calibration_purchases_vs_holdout_purchases`). Rows with weight w count as w customers.
 * O(n) model evaluations.
 *
 * @example evaluateHoldout(bgNbd, cdnowCalibrationWithHoldout, 39).predicted // ≈ 1,653 on CDNOW
 */
export function evaluateHoldout(
  model: TransactionModel,
  customers: HoldoutInput,
  holdoutLength: number,
): HoldoutEvaluation {
  if (!(Number.isFinite(holdoutLength) && holdoutLength > 0)) {
    throw new InvalidInputError(`holdoutLength must be a finite number > 0, got ${holdoutLength}.`);
  }
  const columns = toHoldoutColumns(customers);
  const predictions = new Float64Array(columns.length);
  const bucketCustomers = new Float64Array(LAST_BUCKET + 1);
  const bucketActual = new Float64Array(LAST_BUCKET + 1);
  const bucketPredicted = new Float64Array(LAST_BUCKET + 1);
  let customerCount = 0;
  let actualTotal = 0;
  let predictedTotal = 0;
  let absoluteErrorSum = 0;
  let squaredErrorSum = 0;
  for (let index = 0; index < columns.length; index++) {
    const weight = columns.weight ? columns.weight[index]! : 1;
    const frequency = columns.frequency[index]!;
    const predicted = model.conditionalExpectedPurchases(
      holdoutLength,
      frequency,
      columns.recency[index]!,
      columns.T[index]!,
    );
    const actual = columns.holdoutFrequency[index]!;
    predictions[index] = predicted;
    customerCount += weight;
    actualTotal += weight * actual;
    predictedTotal += weight * predicted;
    const error = predicted - actual;
    absoluteErrorSum += weight * Math.abs(error);
    squaredErrorSum += weight * error * error;
    const bucket = Math.min(LAST_BUCKET, Math.max(0, Math.floor(frequency)));
    bucketCustomers[bucket] = bucketCustomers[bucket]! + weight;
    bucketActual[bucket] = bucketActual[bucket]! + weight * actual;
    bucketPredicted[bucket] = bucketPredicted[bucket]! + weight * predicted;
  }
  const byFrequency: FrequencyBucket[] = [];
  for (let bucket = 0; bucket <= LAST_BUCKET; bucket++) {
    const count = bucketCustomers[bucket]!;
    byFrequency.push({
      frequency: bucket === LAST_BUCKET ? '7+' : bucket,
      customers: count,
      actualMean: count > 0 ? bucketActual[bucket]! / count : null,
      predictedMean: count > 0 ? bucketPredicted[bucket]! / count : null,
    });
  }
  return {
    customers: customerCount,
    actual: actualTotal,
    predicted: predictedTotal,
    mae: customerCount > 0 ? absoluteErrorSum / customerCount : Number.NaN,
    rmse: customerCount > 0 ? Math.sqrt(squaredErrorSum / customerCount) : Number.NaN,
    byFrequency,
    predictions,
  };
}

/** The fitters `selectModel` uses unless told otherwise. */
export const DEFAULT_FITTERS: Readonly<Record<TransactionModelName, TransactionModelFitter>> = {
  bgnbd: (calibration) => BgNbd.fit(calibration),
  mbgnbd: (calibration) => MbgNbd.fit(calibration),
  paretonbd: (calibration) => ParetoNbd.fit(calibration),
};

/** How one candidate did: its holdout evaluation, or why it could not be fitted. */
export type CandidateOutcome =
  | {
      readonly name: TransactionModelName;
      readonly ok: true;
      readonly model: TransactionModel;
      readonly evaluation: HoldoutEvaluation;
    }
  | { readonly name: TransactionModelName; readonly ok: false; readonly error: CoreIssue };

export interface ModelSelection {
  /** The candidate with the lowest holdout MAE (the earlier in `candidates` on a tie). */
  readonly best: {
    readonly name: TransactionModelName;
    readonly model: TransactionModel;
    readonly evaluation: HoldoutEvaluation;
  };
  /** Every candidate, in the order asked, including those that failed to fit. */
  readonly candidates: readonly CandidateOutcome[];
}

export interface SelectModelOptions {
  /** Replaces some or all of `DEFAULT_FITTERS` (e.g. to pass fit options, or in tests). */
  readonly fitters?: Partial<Record<TransactionModelName, TransactionModelFitter>>;
}

/**
 * Fits each candidate transaction model to the calibration summaries, scores it on the holdout
 * with `evaluateHoldout`, and picks the lowest mean absolute error per customer. A candidate that
 * does not converge (or predicts non-finite values) is reported in `candidates` with its error
 * and skipped; only when none can be scored is the result `{ ok: false }` (code
 * `no-model-fitted`, every candidate's error in `details`). Cost: the candidates' fits plus
 * O(n) predictions each.
 *
 * @example selectModel(cdnowCalibrationWithHoldout, 39) // ok; best.name is one of the three
 */
export function selectModel(
  calibration: HoldoutInput,
  holdoutLength: number,
  candidates: readonly TransactionModelName[] = ['bgnbd', 'mbgnbd', 'paretonbd'],
  options: SelectModelOptions = {},
): Result<ModelSelection> {
  const columns = toHoldoutColumns(calibration);
  const outcomes: CandidateOutcome[] = [];
  let best: ModelSelection['best'] | null = null;
  for (const name of candidates) {
    const fitter = options.fitters?.[name] ?? DEFAULT_FITTERS[name];
    const fitted = fitter(columns);
    if (!fitted.ok) {
      outcomes.push({ name, ok: false, error: fitted.error });
      continue;
    }
    const evaluation = evaluateHoldout(fitted.value, columns, holdoutLength);
    if (!Number.isFinite(evaluation.mae)) {
      outcomes.push({
        name,
        ok: false,
        error: {
          code: 'non-finite-predictions',
          message: `The fitted ${name} model predicts non-finite holdout purchases.`,
        },
      });
      continue;
    }
    outcomes.push({ name, ok: true, model: fitted.value, evaluation });
    if (best === null || evaluation.mae < best.evaluation.mae)
      best = { name, model: fitted.value, evaluation };
  }
  if (best === null) {
    return fail({
      code: 'no-model-fitted',
      message: `None of the candidate models (${candidates.join(', ')}) could be fitted and scored.`,
      details: { candidates: outcomes },
    });
  }
  return ok({ best, candidates: outcomes });
}
