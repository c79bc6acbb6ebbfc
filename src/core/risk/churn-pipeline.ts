/**
 * The churn classifier's whole work — what `retain churn train` and `retain churn score` print —
 * on an in-memory customer table: which rows and columns it learns from, the cross-validated L2
 * logistic regression, the model to save, and scoring another table with a saved model.
 */
import { type CoreIssue, fail, ok, type Result } from '../result.js';
import { crossValidate } from './cross-validate.js';
import {
  type ColumnEncoding,
  encodeColumns,
  type FeatureKind,
  type FeatureTable,
  type RawColumn,
} from './feature-table.js';

/** A customer table as read from a file: one value per row in each column, `null` for a blank. */
export interface CustomerTable {
  /** Column names in file order. */
  readonly names: readonly string[];
  readonly rows: number;
  readonly columns: Readonly<Record<string, readonly (number | string | null)[]>>;
  /** `numeric` when every non-blank value is a number, else `text`. */
  readonly kinds: Readonly<Record<string, 'numeric' | 'text'>>;
  /** Blank values per column. */
  readonly blanks: Readonly<Record<string, number>>;
}

/** Folds of the cross-validation. */
export const CHURN_FOLDS = 5;
/**
 * A text column with more distinct values than this (or than half the rows) is an identifier or
 * free text, not a category: one-hot encoding it would give a feature per customer. It is left out
 * and reported.
 */
export const MAX_CATEGORY_LEVELS = 100;
/** Label values read as "churned" when no positive value is given (compared without case). */
export const DEFAULT_POSITIVE_LABELS: readonly string[] = ['yes', 'true', '1', 'churned', 'churn', 'y'];

export interface ChurnTrainingOptions {
  /** The label column. */
  readonly label: string;
  /** An identifier column, left out of the features. */
  readonly id?: string;
  /** The label value meaning "churned" (any case); default `DEFAULT_POSITIVE_LABELS`. */
  readonly positive?: string;
  /** L2 penalty λ (default 1). */
  readonly l2?: number;
}

/** The model `retain churn train --save` writes and `retain churn score --model` reads. */
export interface SavedChurnModel {
  readonly format: 'retain-churn-logistic';
  readonly version: 1;
  readonly label: string;
  readonly positive: string;
  readonly l2: number;
  readonly intercept: number;
  readonly coefficients: number[];
  readonly table: {
    readonly names: string[];
    readonly kinds: FeatureKind[];
    readonly columns: ColumnEncoding[];
    readonly featureNames: string[];
    readonly centers: number[];
    readonly scales: number[];
  };
}

/** The training result; every field but `model` is `retain churn train --json`. */
export interface ChurnTraining {
  readonly auc: number;
  readonly aucFolds: number[];
  readonly accuracy: number;
  /** Weights per standard deviation of the feature (the design is standardised), comparable across features. */
  readonly drivers: { readonly feature: string; readonly weight: number }[];
  readonly rows: number;
  /** Rows used (label not blank) and how many of them are positive (churned). */
  readonly labelled: number;
  readonly churned: number;
  readonly positive: string;
  readonly l2: number;
  readonly features: string[];
  readonly blanks: Record<string, number>;
  /** Columns left out, with the reason. */
  readonly skipped: { readonly column: string; readonly reason: string }[];
  /** The fitted model on all labelled rows, ready to save. */
  readonly model: SavedChurnModel;
}

/**
 * Trains the churn classifier on a customer table (docs/models.md, "Churn classifier"): rows with
 * a blank label are left out; a row is churned when its label is `positive` (any case, default
 * yes/true/1/churned/churn/y); every other column but `id` is a feature, except text columns with
 * more than `MAX_CATEGORY_LEVELS` distinct values or more than one per two rows (identifiers or
 * free text) and columns blank on every row, which are reported in `skipped`. The model is
 * `crossValidate`'s: an L2 logistic regression, stratified 5-fold AUC and accuracy, then fitted on
 * every labelled row.
 *
 * Expected failures: `missing-column` (label or id not in the table, `path` names which),
 * `no-churned-label` (no row has the positive value; `details.seen` lists some values), `no-features`,
 * and `crossValidate`'s (`too-few-cases`, …).
 *
 * Complexity: O(rows × columns) to select, plus the cross-validation.
 *
 * @example trainChurnModel(table, { label: 'churned', id: 'customer_id' }) // ok: { auc, drivers, model, … }
 */
export function trainChurnModel(table: CustomerTable, options: ChurnTrainingOptions): Result<ChurnTraining> {
  const l2 = options.l2 ?? 1;
  const missing =
    missingColumn(table, options.label, 'label') ??
    (options.id === undefined ? null : missingColumn(table, options.id, 'id'));
  if (missing) return fail(missing);
  const labels = table.columns[options.label]!;
  const positiveValues =
    options.positive === undefined ? DEFAULT_POSITIVE_LABELS : [options.positive.trim().toLowerCase()];
  const labelled: number[] = [];
  const target: number[] = [];
  for (let row = 0; row < table.rows; row++) {
    const value = labels[row];
    if (value === null || value === undefined) continue; // unlabelled rows cannot be learnt from
    labelled.push(row);
    target.push(positiveValues.includes(String(value).trim().toLowerCase()) ? 1 : 0);
  }
  const churned = target.reduce((sum, value) => sum + value, 0);
  if (churned === 0) {
    const seen = [...new Set(labels.filter((value) => value !== null).map(String))].slice(0, 5);
    return fail({
      code: 'no-churned-label',
      message: `no row has a churned value (${positiveValues.join('/')}); values seen: ${seen.join(', ')}.`,
      path: ['label'],
      details: { positive: [...positiveValues], seen },
    });
  }

  const skipped: { column: string; reason: string }[] = [];
  const columns: Record<string, RawColumn> = {};
  for (const name of table.names) {
    if (name === options.label || name === options.id) continue;
    const values = labelled.map((row) => table.columns[name]![row]!);
    if (table.kinds[name] === 'text') {
      const levels = new Set(values).size;
      if (levels > MAX_CATEGORY_LEVELS || levels > labelled.length / 2) {
        skipped.push({ column: name, reason: `${levels} distinct text values: an identifier or free text` });
        continue;
      }
    }
    if (values.every((value) => value === null)) {
      skipped.push({ column: name, reason: 'blank on every row' });
      continue;
    }
    columns[name] = values;
  }
  if (Object.keys(columns).length === 0) {
    return fail({ code: 'no-features', message: 'no feature columns besides the label and id' });
  }

  const validated = crossValidate(columns, Uint8Array.from(target), { folds: CHURN_FOLDS, l2 });
  if (!validated.ok) return validated;
  const result = validated.value;
  const featureTable = result.model.table!;
  const positive = options.positive ?? DEFAULT_POSITIVE_LABELS.join('|');
  const blanks: Record<string, number> = {};
  for (const name of table.names) blanks[name] = table.blanks[name]!;
  return ok({
    auc: result.auc,
    aucFolds: result.aucFolds,
    accuracy: result.accuracy,
    drivers: result.drivers.map((driver) => ({ feature: driver.feature, weight: driver.standardisedWeight })),
    rows: table.rows,
    labelled: labelled.length,
    churned,
    positive: options.positive ?? positiveValues.join('/'),
    l2,
    features: Object.keys(columns),
    blanks,
    skipped,
    model: {
      format: 'retain-churn-logistic',
      version: 1,
      label: options.label,
      positive,
      l2,
      intercept: result.model.intercept,
      coefficients: [...result.model.coefficients],
      table: {
        names: [...featureTable.names],
        kinds: [...featureTable.kinds],
        columns: [...featureTable.columns],
        featureNames: [...featureTable.featureNames],
        centers: [...featureTable.centers],
        scales: [...featureTable.scales],
      },
    },
  });
}

function missingColumn(
  table: CustomerTable,
  name: string,
  role: 'label' | 'id' | 'feature',
): CoreIssue | null {
  if (table.names.includes(name)) return null;
  return {
    code: 'missing-column',
    message: `no column "${name}" (columns: ${table.names.join(', ')})`,
    path: [role, name],
  };
}

/**
 * `value` (e.g. parsed JSON) as a saved churn model, or `not-a-churn-model` when it is not one
 * written by `trainChurnModel` (format, version, table and coefficients present). O(1).
 *
 * @example parseSavedChurnModel(JSON.parse(text)) // ok: SavedChurnModel
 */
export function parseSavedChurnModel(value: unknown): Result<SavedChurnModel> {
  const model = (value ?? {}) as Partial<SavedChurnModel>;
  if (
    model.format !== 'retain-churn-logistic' ||
    model.version !== 1 ||
    !model.table ||
    !model.coefficients
  ) {
    return fail({ code: 'not-a-churn-model', message: 'not a model written by `retain churn train --save`' });
  }
  return ok(model as SavedChurnModel);
}

/**
 * The columns a saved model reads, with the kind to read each as: categorical ones as text, so
 * that "01" stays "01". O(features).
 */
export function churnModelColumnKinds(model: SavedChurnModel): Record<string, 'numeric' | 'text'> {
  const kinds: Record<string, 'numeric' | 'text'> = {};
  model.table.names.forEach((name, index) => {
    kinds[name] = model.table.kinds[index] === 'categorical' ? 'text' : 'numeric';
  });
  return kinds;
}

/**
 * P(churn) for every row of `table` under a saved model: its columns encoded with the model's
 * training encoding (`encodeColumns`), then σ(intercept + coefficients · row). `ids` from the `id`
 * column, else the row number from 1. Expected failure: `missing-column` for a column the model
 * (or `id`) needs. O(rows × features).
 *
 * @example scoreChurnModel(model, table, 'customer_id') // ok: [{ id: 'c1', probability: 0.83 }, …]
 */
export function scoreChurnModel(
  model: SavedChurnModel,
  table: CustomerTable,
  id?: string,
): Result<{ readonly id: string; readonly probability: number }[]> {
  for (const name of model.table.names) {
    const missing = missingColumn(table, name, 'feature');
    if (missing) return fail(missing);
  }
  if (id !== undefined) {
    const missing = missingColumn(table, id, 'id');
    if (missing) return fail(missing);
  }
  const featureTable: FeatureTable = {
    ...model.table,
    centers: Float64Array.from(model.table.centers),
    scales: Float64Array.from(model.table.scales),
  };
  const design = encodeColumns(featureTable, table.columns);
  const scores: { id: string; probability: number }[] = [];
  for (let row = 0; row < design.rows; row++) {
    let eta = model.intercept;
    for (let feature = 0; feature < design.width; feature++) {
      eta += model.coefficients[feature]! * design.values[row * design.width + feature]!;
    }
    const rowId = id === undefined ? String(row + 1) : String(table.columns[id]![row] ?? '');
    scores.push({ id: rowId, probability: 1 / (1 + Math.exp(-eta)) });
  }
  return ok(scores);
}
