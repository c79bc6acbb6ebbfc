/** The work of `retain clv` (described in `clv.ts`), loaded only when the command runs. */
import {
  analyzeClv,
  type ClvAnalysis,
  type ClvFitFailure,
  type ClvSummaries,
  clvSummaries,
} from '../../core/index.js';
import { formatCsvIssue, readOrdersCsv, readTableCsv } from '../../csv/index.js';
import { CliError } from '../cli-error.js';
import {
  parseChoice,
  parseColumnMap,
  parseLocalDate,
  parseNumberInRange,
  parsePositiveInteger,
  parseTimeZone,
} from '../options.js';
import {
  formatFixed,
  formatSignificant,
  heading,
  keyValueTable,
  numberTable,
} from '../render/model-tables.js';
import { type ClvFlags, MODELS } from './clv.js';

const TIME_UNITS = ['day', 'week'] as const;
/** Customers listed in the table output. */
const TOP_CUSTOMERS = 10;

/** The `--json` output of `retain clv`: the core's `ClvAnalysis` without the table-only rows. */
export type ClvOutput = Omit<ClvAnalysis, 'holdoutByFrequency'>;

/** Runs the command and returns what it prints; throws `CliError` (2 bad input, 1 no fit). */
export async function runClv(orders: string | undefined, flags: ClvFlags): Promise<string> {
  const timeUnit = parseChoice(flags.timeUnit, '--time-unit', TIME_UNITS);
  const modelChoice = parseChoice(flags.model, '--model', MODELS);
  const horizonMonths = parseNonNegativeInteger(flags.horizonMonths, '--horizon-months');
  const discount = parseNumberInRange(flags.discountMonthly, '--discount-monthly', 0, 1);
  const margin = parseNumberInRange(flags.margin, '--margin', 0, 1);
  const penalizer = parseNumberInRange(flags.penalizer, '--penalizer', 0, 1e6);
  const timeZone = parseTimeZone(flags.tz);

  let summaries: ClvSummaries;
  let holdoutLength: number | null = null;
  if (flags.summary !== undefined) {
    if (orders !== undefined) throw new CliError('give either an orders file or --summary, not both');
    summaries = await readSummaryFile(flags.summary);
  } else {
    if (orders === undefined) throw new CliError('missing the orders file (or --summary <file>)');
    if (flags.calibrationEnd === undefined)
      throw new CliError('--calibration-end is required with an orders file');
    const calibrationEnd = parseLocalDate(flags.calibrationEnd, '--calibration-end', timeZone);
    const observationEnd =
      flags.observationEnd === undefined
        ? undefined
        : parseLocalDate(flags.observationEnd, '--observation-end', timeZone);
    if (observationEnd !== undefined && !(observationEnd > calibrationEnd)) {
      throw new CliError('--observation-end must be after --calibration-end');
    }
    const read = await readOrdersCsv(orders, {
      timeZone,
      ...(flags.map === undefined ? {} : { map: parseColumnMap(flags.map) }),
    });
    if (!read.ok) throw new CliError(read.error.map(formatCsvIssue).join('\n'));
    ({ summaries, holdoutLength } = clvSummaries(read.value.table, {
      calibrationEnd,
      timeUnit,
      timeZone,
      ...(observationEnd === undefined ? {} : { observationEnd }),
    }));
    if (summaries.length === 0) {
      throw new CliError(`${orders}: no orders on or before ${flags.calibrationEnd}`);
    }
  }
  if (flags.summary !== undefined && flags.observationEnd !== undefined) {
    throw new CliError('--observation-end needs an orders file (a summary file has no holdout purchases)');
  }
  if (modelChoice === 'auto' && holdoutLength === null) {
    throw new CliError('--model auto picks the model by its holdout error: give --observation-end');
  }
  const analysis = analyzeClv(summaries, {
    model: modelChoice,
    timeUnit,
    holdoutLength,
    horizonMonths,
    monthlyDiscountRate: discount,
    margin,
    penalizer,
    ...(flags.predictT === undefined
      ? {}
      : { predictT: parseNumberInRange(flags.predictT, '--predict-t', Number.MIN_VALUE, 1e9) }),
  });
  if (!analysis.ok) throw notConverged(analysis.error);
  const { holdoutByFrequency, ...output } = analysis.value;
  if (flags.json) return `${JSON.stringify(output, null, 2)}\n`;
  return renderClv(output, holdoutByFrequency, { horizonMonths, discount, margin });
}

function parseNonNegativeInteger(value: string, option: string): number {
  if (value.trim() === '0') return 0;
  return parsePositiveInteger(value, option);
}

/** A failed fit (not converged, or degenerate: the data do not identify the model): exit code 1 and the reason, never numbers. */
function notConverged({ fit, issue }: ClvFitFailure): CliError {
  return new CliError(`the ${fit} fit failed (${issue.code}): ${issue.message} No values were computed.`, 1);
}

const FREQUENCY_HEADERS = ['frequency', 'x'];
const RECENCY_HEADERS = ['recency', 't_x'];
const T_HEADERS = ['t'];
const MONETARY_HEADERS = ['monetary_value', 'monetary', 'zbar'];
const ID_HEADERS = ['id', 'customer_id'];

/**
 * Reads a published per-customer summary (`frequency, recency, T[, monetary_value]`, as lifetimes'
 * datasets; also `x, t_x, T, zbar`). Headers are matched without regard to case; monetary values
 * are in currency units and become cents here, like the summaries of an orders file.
 */
async function readSummaryFile(path: string): Promise<ClvSummaries> {
  const read = await readTableCsv(path);
  if (!read.ok) throw new CliError(read.error.map(formatCsvIssue).join('\n'));
  const table = read.value;
  const find = (candidates: readonly string[]) =>
    table.names.find((name) => candidates.includes(name.toLowerCase()));
  const column = (candidates: readonly string[], label: string, required: boolean) => {
    const name = find(candidates);
    if (name === undefined) {
      if (required)
        throw new CliError(`${path}: missing the ${label} column (one of: ${candidates.join(', ')})`);
      return null;
    }
    if (table.kinds[name] !== 'numeric' || table.blanks[name]! > 0) {
      throw new CliError(`${path}: column "${name}" must hold a number on every row`);
    }
    return Float64Array.from(table.columns[name]! as number[]);
  };
  const frequency = column(FREQUENCY_HEADERS, 'frequency', true)!;
  const recency = column(RECENCY_HEADERS, 'recency', true)!;
  const T = column(T_HEADERS, 'T', true)!;
  const monetaryUnits = column(MONETARY_HEADERS, 'monetary_value', false);
  const idName = find(ID_HEADERS);
  const ids = table.columns[idName ?? '']?.map((value) => String(value)) ?? [];
  const length = table.rows;
  for (let row = 0; row < length; row++) {
    if (idName === undefined) ids.push(String(row + 1));
    const x = frequency[row]!;
    if (!(x >= 0) || !(recency[row]! >= 0) || recency[row]! > T[row]! || (x === 0 && recency[row] !== 0)) {
      throw new CliError(
        `${path}: row ${row + 1} is not a valid summary (need frequency ≥ 0, 0 ≤ recency ≤ T, recency 0 when frequency is 0)`,
      );
    }
  }
  const monetary = new Float64Array(length);
  if (monetaryUnits) for (let row = 0; row < length; row++) monetary[row] = monetaryUnits[row]! * 100;
  return { length, ids, frequency, recency, T, monetary, monetaryKnown: monetaryUnits !== null };
}

function renderClv(
  output: ClvOutput,
  holdoutByFrequency: ClvAnalysis['holdoutByFrequency'],
  settings: { horizonMonths: number; discount: number; margin: number },
): string {
  const parts: string[] = [];
  const paramRows: [string, string][] = [
    ['model', output.model],
    ...Object.entries(output.params).map(([name, value]): [string, string] => [
      name,
      formatSignificant(value),
    ]),
    ['log-likelihood', formatFixed(output.logLikelihood)],
    ['customers', output.customers.length.toLocaleString('en-US')],
  ];
  if (output.gammaGamma) {
    paramRows.push(
      ['Gamma-Gamma p', formatSignificant(output.gammaGamma.p)],
      ['Gamma-Gamma q', formatSignificant(output.gammaGamma.q)],
      ['Gamma-Gamma γ', formatSignificant(output.gammaGamma.gamma)],
    );
  }
  parts.push(heading(`Model (time unit: ${output.timeUnit})`), keyValueTable(paramRows));
  if (output.selection) {
    const table = numberTable(['candidate', 'holdout MAE']);
    for (const candidate of output.selection) {
      table.push([
        candidate.model,
        candidate.mae === null ? `failed: ${candidate.error}` : formatFixed(candidate.mae, 4),
      ]);
    }
    parts.push(heading('Model selection (lowest holdout MAE wins)'), table.toString());
  }
  if (output.holdout && holdoutByFrequency) {
    parts.push(
      heading(`Holdout: ${formatSignificant(output.holdout.length)} ${output.timeUnit}s`),
      keyValueTable([
        ['customers', output.holdout.customers.toLocaleString('en-US')],
        ['actual repeat purchases', output.holdout.actual.toLocaleString('en-US')],
        ['predicted', formatFixed(output.holdout.predicted, 1)],
        ['MAE per customer', formatFixed(output.holdout.mae, 4)],
        ['RMSE per customer', formatFixed(output.holdout.rmse, 4)],
      ]),
    );
    const buckets = numberTable(['calibration x', 'customers', 'actual mean', 'predicted mean']);
    for (const bucket of holdoutByFrequency) {
      buckets.push([
        String(bucket.frequency),
        bucket.customers.toLocaleString('en-US'),
        formatFixed(bucket.actualMean, 3),
        formatFixed(bucket.predictedMean, 3),
      ]);
    }
    parts.push(buckets.toString());
  }
  const ranked = [...output.customers].sort(
    (a, b) => (b.clv ?? b.expectedPurchases) - (a.clv ?? a.expectedPurchases) || (a.id < b.id ? -1 : 1),
  );
  const top = numberTable([
    'customer',
    'x',
    't_x',
    'T',
    'P(alive)',
    `E[purchases, ${formatSignificant(output.predictT)}]`,
    'E[value]',
    'CLV',
  ]);
  for (const customer of ranked.slice(0, TOP_CUSTOMERS)) {
    top.push([
      customer.id,
      String(customer.frequency),
      formatFixed(customer.recency),
      formatFixed(customer.T),
      formatFixed(customer.pAlive, 3),
      formatFixed(customer.expectedPurchases, 3),
      formatFixed(customer.expectedAverageValue),
      formatFixed(customer.clv),
    ]);
  }
  parts.push(
    heading(
      output.gammaGamma
        ? `Top customers by CLV (${settings.horizonMonths} months, ${(settings.discount * 100).toFixed(2)} % a month, margin ${settings.margin})`
        : 'Top customers by expected purchases',
    ),
    top.toString(),
  );
  for (const warning of output.warnings) parts.push(`note: ${warning}`);
  return `${parts.join('\n')}\n`;
}
