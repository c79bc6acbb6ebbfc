/** The work of `retain churn` (described in `churn.ts`), loaded only when the command runs. */
import { readFile, writeFile } from 'node:fs/promises';
import {
  type ColumnEncoding,
  crossValidate,
  encodeColumns,
  type FeatureKind,
  type FeatureTable,
  type RawColumn,
} from '../../core/index.js';
import { formatCsvIssue, readTableCsv, type TableColumnKind, type TableFile } from '../../csv/index.js';
import { CliError } from '../cli-error.js';
import { parseNumberInRange } from '../options.js';
import { formatFixed, heading, keyValueTable, numberTable } from '../render/model-tables.js';
import type { ChurnScoreFlags, ChurnTrainFlags } from './churn.js';

const FOLDS = 5;
/** Drivers listed in the table output. */
const TOP_DRIVERS = 10;
/**
 * A text column with more distinct values than this (or than half the rows) is an identifier or
 * free text, not a category: one-hot encoding it would give a feature per customer. It is left out
 * and reported.
 */
const MAX_CATEGORY_LEVELS = 100;
/** Label values read as "churned" when `--positive` is not given (compared without case). */
const DEFAULT_POSITIVE = ['yes', 'true', '1', 'churned', 'churn', 'y'];

/** The `--json` output of `retain churn train`. */
export interface ChurnTrainOutput {
  readonly auc: number;
  readonly aucFolds: number[];
  readonly accuracy: number;
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
}

/** What `--save` writes and `churn score --model` reads. */
interface SavedModel {
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

async function readTable(file: string, kinds?: Record<string, TableColumnKind>): Promise<TableFile> {
  const read = await readTableCsv(file, kinds ? { kinds } : {});
  if (!read.ok) throw new CliError(read.error.map(formatCsvIssue).join('\n'));
  return read.value;
}

function requireColumn(table: TableFile, file: string, name: string, option: string): void {
  if (!table.names.includes(name)) {
    throw new CliError(`${option}: ${file} has no column "${name}" (columns: ${table.names.join(', ')})`);
  }
}

/** Runs `churn train` and returns what it prints. */
export async function runChurnTrain(file: string, flags: ChurnTrainFlags): Promise<string> {
  const l2 = parseNumberInRange(flags.l2, '--l2', 0, 1e9);
  const table = await readTable(file);
  requireColumn(table, file, flags.label, '--label');
  if (flags.id !== undefined) requireColumn(table, file, flags.id, '--id');
  const labels = table.columns[flags.label]!;

  const positiveValues =
    flags.positive === undefined ? DEFAULT_POSITIVE : [flags.positive.trim().toLowerCase()];
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
    throw new CliError(
      `--label ${flags.label}: no row has a churned value (${positiveValues.join('/')}); values seen: ${seen.join(', ')}. Use --positive.`,
    );
  }

  const skipped: { column: string; reason: string }[] = [];
  const columns: Record<string, RawColumn> = {};
  for (const name of table.names) {
    if (name === flags.label || name === flags.id) continue;
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
  if (Object.keys(columns).length === 0)
    throw new CliError(`${file}: no feature columns besides the label and id`);

  const validated = crossValidate(columns, Uint8Array.from(target), { folds: FOLDS, l2 });
  if (!validated.ok) {
    const exitCode = validated.error.code === 'too-few-cases' ? 2 : 1;
    throw new CliError(
      `the churn classifier could not be trained (${validated.error.code}): ${validated.error.message}`,
      exitCode,
    );
  }
  const result = validated.value;
  if (flags.save !== undefined) {
    const model = result.model;
    const featureTable = model.table!;
    const saved: SavedModel = {
      format: 'retain-churn-logistic',
      version: 1,
      label: flags.label,
      positive: flags.positive ?? DEFAULT_POSITIVE.join('|'),
      l2,
      intercept: model.intercept,
      coefficients: [...model.coefficients],
      table: {
        names: [...featureTable.names],
        kinds: [...featureTable.kinds],
        columns: [...featureTable.columns],
        featureNames: [...featureTable.featureNames],
        centers: [...featureTable.centers],
        scales: [...featureTable.scales],
      },
    };
    await writeFile(flags.save, `${JSON.stringify(saved, null, 2)}\n`);
  }

  const blanks: Record<string, number> = {};
  for (const name of table.names) blanks[name] = table.blanks[name]!;
  const output: ChurnTrainOutput = {
    auc: result.auc,
    aucFolds: result.aucFolds,
    accuracy: result.accuracy,
    // Weights per standard deviation of the feature (the design is standardised), comparable across features.
    drivers: result.drivers.map((driver) => ({ feature: driver.feature, weight: driver.standardisedWeight })),
    rows: table.rows,
    labelled: labelled.length,
    churned,
    positive: flags.positive ?? positiveValues.join('/'),
    l2,
    features: Object.keys(columns),
    blanks,
    skipped,
  };
  if (flags.json) return `${JSON.stringify(output, null, 2)}\n`;
  return renderTrain(output, flags.save);
}

function renderTrain(output: ChurnTrainOutput, saved: string | undefined): string {
  const parts: string[] = [];
  parts.push(
    heading(`Churn classifier: ${FOLDS}-fold cross-validation (L2 logistic regression, λ = ${output.l2})`),
    keyValueTable([
      [
        'rows (labelled)',
        `${output.rows.toLocaleString('en-US')} (${output.labelled.toLocaleString('en-US')})`,
      ],
      [
        'churned',
        `${output.churned.toLocaleString('en-US')} (${((output.churned / output.labelled) * 100).toFixed(1)} %)`,
      ],
      ['AUC (mean of folds)', formatFixed(output.auc, 3)],
      ['AUC per fold', output.aucFolds.map((value) => value.toFixed(3)).join(', ')],
      ['accuracy (P ≥ 0.5)', `${(output.accuracy * 100).toFixed(1)} %`],
    ]),
  );
  const drivers = numberTable(['driver', 'weight (log-odds per sd)', 'direction']);
  for (const driver of output.drivers.slice(0, TOP_DRIVERS)) {
    drivers.push([
      driver.feature,
      driver.weight.toFixed(3),
      driver.weight > 0 ? 'more churn' : driver.weight < 0 ? 'less churn' : '–',
    ]);
  }
  parts.push(heading('Top drivers'), drivers.toString());
  const blankRows = Object.entries(output.blanks).filter(([, count]) => count > 0);
  if (blankRows.length > 0) {
    const blanks = numberTable(['column', 'blanks', 'handled as']);
    for (const [column, count] of blankRows) {
      blanks.push([
        column,
        count.toLocaleString('en-US'),
        'mean + "(blank)" indicator, or a "(blank)" level',
      ]);
    }
    parts.push(heading('Blanks found'), blanks.toString());
  }
  for (const skip of output.skipped) parts.push(`note: column "${skip.column}" left out: ${skip.reason}`);
  if (saved !== undefined) parts.push(`model saved to ${saved}`);
  return `${parts.join('\n')}\n`;
}

async function loadModel(path: string): Promise<SavedModel> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new CliError(`--model: cannot read ${path}: ${(error as Error).message}`);
  }
  const model = parsed as Partial<SavedModel>;
  if (
    model.format !== 'retain-churn-logistic' ||
    model.version !== 1 ||
    !model.table ||
    !model.coefficients
  ) {
    throw new CliError(`--model: ${path} is not a model written by \`retain churn train --save\``);
  }
  return model as SavedModel;
}

/** The `--json` output of `retain churn score`. */
export interface ChurnScoreOutput {
  readonly rows: number;
  readonly scores: { readonly id: string; readonly probability: number }[];
}

/** Runs `churn score` and returns what it prints. */
export async function runChurnScore(file: string, flags: ChurnScoreFlags): Promise<string> {
  const model = await loadModel(flags.model);
  // Columns read as the model's encoding expects: categories as text ("01" stays "01").
  const kinds: Record<string, TableColumnKind> = {};
  model.table.names.forEach((name, index) => {
    kinds[name] = model.table.kinds[index] === 'categorical' ? 'text' : 'numeric';
  });
  if (flags.id !== undefined) kinds[flags.id] = 'text';
  const headerOnly = await readTable(file);
  for (const name of [...model.table.names, ...(flags.id === undefined ? [] : [flags.id])]) {
    requireColumn(headerOnly, file, name, name === flags.id ? '--id' : '--model');
  }
  const table = await readTable(file, kinds);
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
    const id = flags.id === undefined ? String(row + 1) : String(table.columns[flags.id]![row] ?? '');
    scores.push({ id, probability: 1 / (1 + Math.exp(-eta)) });
  }
  const output: ChurnScoreOutput = { rows: table.rows, scores };
  if (flags.json) return `${JSON.stringify(output, null, 2)}\n`;
  const ranked = [...scores].sort((a, b) => b.probability - a.probability);
  const list = numberTable(['customer', 'P(churn)']);
  for (const score of ranked.slice(0, 20)) list.push([score.id, `${(score.probability * 100).toFixed(1)} %`]);
  return `${heading(`Churn scores: ${table.rows.toLocaleString('en-US')} rows, highest first`)}\n${list.toString()}\n`;
}
