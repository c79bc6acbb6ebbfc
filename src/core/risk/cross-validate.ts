import { InvalidInputError } from '../input-error.js';
import { seededRandom } from '../math/random.js';
import { fail, ok, type Result } from '../result.js';
import { auc } from './auc.js';
import { type DesignOptions, encodeColumns, fitFeatureTable, type RawColumn } from './feature-table.js';
import { type Driver, type LogisticModel, trainLogistic } from './logistic-regression.js';

/** Out-of-sample quality of the churn classifier, and the model refitted on all rows. */
export interface CrossValidation {
  /** Mean of the per-fold AUCs (scikit-learn's `cross_val_score` convention). */
  readonly auc: number;
  readonly aucFolds: number[];
  /** Share of rows whose out-of-fold P(churn) ≥ 0.5 matches the label. */
  readonly accuracy: number;
  /** Every row's P(churn) from the model that did not see it (for calibration plots). */
  readonly outOfFoldScores: Float64Array;
  /** Fold of each row (0 … folds − 1). */
  readonly fold: Int32Array;
  /** Drivers of the model fitted on all rows. */
  readonly drivers: Driver[];
  /** The model fitted on all rows (to score current customers). */
  readonly model: LogisticModel;
}

export interface CrossValidateOptions {
  /** Default 5. */
  readonly folds?: number;
  /** Seed of the fold shuffle: the same seed gives the same folds. Default 1. */
  readonly seed?: number;
  /** L2 penalty (see `trainLogistic`). Default 1. */
  readonly l2?: number;
  readonly kinds?: DesignOptions['kinds'];
}

/**
 * Stratified fold assignment: each class is shuffled (Fisher–Yates with a seeded PRNG) and dealt
 * round-robin into the folds, so every fold keeps the churn rate of the whole, give or take one row.
 * Deterministic given the seed. O(n).
 *
 * @example
 * stratifiedFolds(Uint8Array.from([0, 0, 1, 1]), 2, 7) // e.g. Int32Array [1, 0, 0, 1]
 */
export function stratifiedFolds(labels: ArrayLike<number | boolean>, folds: number, seed = 1): Int32Array {
  if (!(Number.isInteger(folds) && folds >= 2))
    throw new InvalidInputError(`folds must be an integer ≥ 2, got ${folds}`);
  const random = seededRandom(seed);
  const assignment = new Int32Array(labels.length);
  const classes: number[][] = [[], []];
  for (let i = 0; i < labels.length; i++) classes[labels[i] ? 1 : 0]!.push(i);
  let next = 0;
  for (const members of classes) {
    for (let i = members.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      const swap = members[i]!;
      members[i] = members[j]!;
      members[j] = swap;
    }
    // Continue the round-robin across classes so fold sizes stay balanced too.
    for (const row of members) assignment[row] = next++ % folds;
  }
  return assignment;
}

/**
 * k-fold stratified cross-validation of the L2 logistic churn classifier on raw attribute columns.
 * For each fold the encoding (means, levels, standardisation) is learnt on the other folds only,
 * so nothing about the held-out rows leaks into their scores. Then the model is refitted on all rows
 * for the drivers and for scoring.
 *
 * Fails (as a value) when a class has fewer rows than there are folds, or when a fit fails.
 * Complexity: folds + 1 fits, each O(iterations × n × p²).
 *
 * @example
 * const cv = crossValidate({ tickets: [...], plan: [...] }, churned, { folds: 5, seed: 42 });
 * if (cv.ok) console.log(cv.value.auc, cv.value.drivers.slice(0, 3));
 */
export function crossValidate(
  columns: Readonly<Record<string, RawColumn>>,
  labels: ArrayLike<number | boolean>,
  options: CrossValidateOptions = {},
): Result<CrossValidation> {
  const folds = options.folds ?? 5;
  const l2 = options.l2 ?? 1;
  const designOptions: DesignOptions = options.kinds ? { kinds: options.kinds } : {};
  const length = labels.length;
  let positives = 0;
  for (let i = 0; i < length; i++) if (labels[i]) positives++;
  const smallestClass = Math.min(positives, length - positives);
  if (smallestClass < folds) {
    return fail({
      code: 'too-few-cases',
      message: `Cross-validation with ${folds} folds needs at least ${folds} churned and ${folds} retained customers; the smaller class has ${smallestClass}.`,
      path: ['labels'],
    });
  }
  const fold = stratifiedFolds(labels, folds, options.seed ?? 1);
  const outOfFoldScores = new Float64Array(length);
  const aucFolds: number[] = [];
  for (let k = 0; k < folds; k++) {
    const trainRows: number[] = [];
    const testRows: number[] = [];
    for (let i = 0; i < length; i++) (fold[i] === k ? testRows : trainRows).push(i);
    const table = fitFeatureTable(columns, { ...designOptions, rows: trainRows });
    const trainDesign = encodeColumns(table, columns, trainRows);
    const trainLabels = Uint8Array.from(trainRows, (row) => (labels[row] ? 1 : 0));
    const fitted = trainLogistic(trainDesign, trainLabels, { l2 });
    if (!fitted.ok) return fail({ ...fitted.error, path: ['fold', k, ...(fitted.error.path ?? [])] });
    const scores = fitted.value.predictDesign(encodeColumns(table, columns, testRows));
    testRows.forEach((row, index) => {
      outOfFoldScores[row] = scores[index]!;
    });
    const foldLabels = Uint8Array.from(testRows, (row) => (labels[row] ? 1 : 0));
    // Stratification guarantees both classes in every fold, so the AUC is defined.
    aucFolds.push(auc(scores, foldLabels) ?? Number.NaN);
  }
  let correct = 0;
  for (let i = 0; i < length; i++) if (outOfFoldScores[i]! >= 0.5 === Boolean(labels[i])) correct++;

  const table = fitFeatureTable(columns, designOptions);
  const full = trainLogistic(encodeColumns(table, columns), labels, { l2 });
  if (!full.ok) return full;
  return ok({
    auc: aucFolds.reduce((sum, value) => sum + value, 0) / folds,
    aucFolds,
    accuracy: correct / length,
    outOfFoldScores,
    fold,
    drivers: full.value.drivers(),
    model: full.value,
  });
}
