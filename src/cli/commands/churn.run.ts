/** The work of `retain churn` (described in `churn.ts`), loaded only when the command runs. */
import { readFile, writeFile } from 'node:fs/promises';
import {
  CHURN_FOLDS,
  type ChurnTraining,
  churnModelColumnKinds,
  parseSavedChurnModel,
  type SavedChurnModel,
  scoreChurnModel,
  trainChurnModel,
} from '../../core/index.js';
import { formatCsvIssue, readTableCsv, type TableColumnKind, type TableFile } from '../../csv/index.js';
import { CliError } from '../cli-error.js';
import { parseNumberInRange } from '../options.js';
import { formatFixed, heading, keyValueTable, numberTable } from '../render/model-tables.js';
import type { ChurnScoreFlags, ChurnTrainFlags } from './churn.js';

/** Drivers listed in the table output. */
const TOP_DRIVERS = 10;

/** The `--json` output of `retain churn train`: the core's `ChurnTraining` without the model. */
export type ChurnTrainOutput = Omit<ChurnTraining, 'model'>;

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
  const trained = trainChurnModel(table, {
    label: flags.label,
    l2,
    ...(flags.id === undefined ? {} : { id: flags.id }),
    ...(flags.positive === undefined ? {} : { positive: flags.positive }),
  });
  if (!trained.ok) {
    const { code, message } = trained.error;
    if (code === 'no-churned-label') throw new CliError(`--label ${flags.label}: ${message} Use --positive.`);
    if (code === 'no-features') throw new CliError(`${file}: ${message}`);
    throw new CliError(
      `the churn classifier could not be trained (${code}): ${message}`,
      code === 'too-few-cases' ? 2 : 1,
    );
  }
  const { model, ...output } = trained.value;
  if (flags.save !== undefined) await writeFile(flags.save, `${JSON.stringify(model, null, 2)}\n`);
  if (flags.json) return `${JSON.stringify(output, null, 2)}\n`;
  return renderTrain(output, flags.save);
}

function renderTrain(output: ChurnTrainOutput, saved: string | undefined): string {
  const parts: string[] = [];
  parts.push(
    heading(
      `Churn classifier: ${CHURN_FOLDS}-fold cross-validation (L2 logistic regression, λ = ${output.l2})`,
    ),
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

async function loadModel(path: string): Promise<SavedChurnModel> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new CliError(`--model: cannot read ${path}: ${(error as Error).message}`);
  }
  const model = parseSavedChurnModel(parsed);
  if (!model.ok) throw new CliError(`--model: ${path} is ${model.error.message}`);
  return model.value;
}

/** The `--json` output of `retain churn score`. */
export interface ChurnScoreOutput {
  readonly rows: number;
  readonly scores: { readonly id: string; readonly probability: number }[];
}

/** Runs `churn score` and returns what it prints. */
export async function runChurnScore(file: string, flags: ChurnScoreFlags): Promise<string> {
  const model = await loadModel(flags.model);
  const headerOnly = await readTable(file);
  for (const name of [...model.table.names, ...(flags.id === undefined ? [] : [flags.id])]) {
    requireColumn(headerOnly, file, name, name === flags.id ? '--id' : '--model');
  }
  // Columns read as the model's encoding expects: categories as text ("01" stays "01").
  const kinds: Record<string, TableColumnKind> = churnModelColumnKinds(model);
  if (flags.id !== undefined) kinds[flags.id] = 'text';
  const table = await readTable(file, kinds);
  const scored = scoreChurnModel(model, table, flags.id);
  if (!scored.ok) throw new CliError(`${file}: ${scored.error.message}`);
  const scores = scored.value;
  const output: ChurnScoreOutput = { rows: table.rows, scores };
  if (flags.json) return `${JSON.stringify(output, null, 2)}\n`;
  const ranked = [...scores].sort((a, b) => b.probability - a.probability);
  const list = numberTable(['customer', 'P(churn)']);
  for (const score of ranked.slice(0, 20)) list.push([score.id, `${(score.probability * 100).toFixed(1)} %`]);
  return `${heading(`Churn scores: ${table.rows.toLocaleString('en-US')} rows, highest first`)}\n${list.toString()}\n`;
}
