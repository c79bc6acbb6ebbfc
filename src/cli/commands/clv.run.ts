/** The work of `retain clv` (described in `clv.ts`), loaded only when the command runs. */
import {
  BgNbd,
  type CoreIssue,
  type CustomerSummaryColumns,
  customerLifetimeValue,
  DAYS_PER_MONTH,
  evaluateHoldout,
  GammaGamma,
  type HoldoutEvaluation,
  localDayNumber,
  MbgNbd,
  ParetoNbd,
  type Result,
  type SummaryColumns,
  selectModel,
  summarizeColumns,
  type TransactionModel,
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

type ModelChoice = (typeof MODELS)[number];
type FittedName = Exclude<ModelChoice, 'auto'>;
const TIME_UNITS = ['day', 'week'] as const;
/** Customers listed in the table output. */
const TOP_CUSTOMERS = 10;

/** One customer of the JSON output; money in currency units. */
export interface ClvCustomer {
  readonly id: string;
  readonly frequency: number;
  readonly recency: number;
  readonly T: number;
  readonly monetary: number | null;
  readonly pAlive: number;
  readonly expectedPurchases: number;
  readonly expectedAverageValue: number | null;
  readonly clv: number | null;
}

/** The `--json` output of `retain clv`. */
export interface ClvOutput {
  readonly model: FittedName;
  readonly params: Readonly<Record<string, number>>;
  readonly logLikelihood: number;
  readonly timeUnit: 'day' | 'week';
  readonly predictT: number;
  readonly gammaGamma: { readonly p: number; readonly q: number; readonly gamma: number } | null;
  readonly warnings: string[];
  readonly holdout: {
    readonly length: number;
    readonly customers: number;
    readonly actual: number;
    readonly predicted: number;
    readonly mae: number;
    readonly rmse: number;
  } | null;
  /** With `--model auto`: every candidate's holdout MAE, or why it could not be fitted. */
  readonly selection?: { readonly model: FittedName; readonly mae: number | null; readonly error?: string }[];
  readonly customers: ClvCustomer[];
}

/** Runs the command and returns what it prints; throws `CliError` (2 bad input, 1 no fit). */
export async function runClv(orders: string | undefined, flags: ClvFlags): Promise<string> {
  const timeUnit = parseChoice(flags.timeUnit, '--time-unit', TIME_UNITS);
  const modelChoice = parseChoice(flags.model, '--model', MODELS);
  const horizonMonths = parseNonNegativeInteger(flags.horizonMonths, '--horizon-months');
  const discount = parseNumberInRange(flags.discountMonthly, '--discount-monthly', 0, 1);
  const margin = parseNumberInRange(flags.margin, '--margin', 0, 1);
  const penalizer = parseNumberInRange(flags.penalizer, '--penalizer', 0, 1e6);
  const timeZone = parseTimeZone(flags.tz);
  const daysPerUnit = timeUnit === 'week' ? 7 : 1;

  let summaries: CustomerSummaryColumns & { readonly monetaryKnown: boolean };
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
    summaries = {
      ...summarizeColumns(read.value.table, {
        calibrationEnd,
        timeUnit,
        timeZone,
        ...(observationEnd === undefined ? {} : { observationEnd }),
      }),
      monetaryKnown: true,
    };
    if (summaries.length === 0) {
      throw new CliError(`${orders}: no orders on or before ${flags.calibrationEnd}`);
    }
    if (observationEnd !== undefined) {
      // Whole local days after the calibration end day, through the observation end day.
      const days = localDayNumber(observationEnd, timeZone) - localDayNumber(calibrationEnd, timeZone);
      holdoutLength = days / daysPerUnit;
    }
  }
  if (flags.summary !== undefined && flags.observationEnd !== undefined) {
    throw new CliError('--observation-end needs an orders file (a summary file has no holdout purchases)');
  }
  if (modelChoice === 'auto' && holdoutLength === null) {
    throw new CliError('--model auto picks the model by its holdout error: give --observation-end');
  }
  const predictT =
    flags.predictT === undefined
      ? (holdoutLength ?? (12 * DAYS_PER_MONTH) / daysPerUnit)
      : parseNumberInRange(flags.predictT, '--predict-t', Number.MIN_VALUE, 1e9);

  // Fit the transaction model.
  let model: TransactionModel;
  let modelName: FittedName;
  let holdout: HoldoutEvaluation | null = null;
  let selection: ClvOutput['selection'];
  const fitOptions = penalizer > 0 ? { penalizer } : {};
  if (modelChoice === 'auto') {
    const fitters = {
      bgnbd: (data: SummaryColumns) => BgNbd.fit(data, fitOptions),
      mbgnbd: (data: SummaryColumns) => MbgNbd.fit(data, fitOptions),
      paretonbd: (data: SummaryColumns) => ParetoNbd.fit(data, fitOptions),
    };
    const holdoutColumns = { ...summaries, holdoutFrequency: summaries.holdoutFrequency! };
    const selected = selectModel(holdoutColumns, holdoutLength!, ['bgnbd', 'mbgnbd', 'paretonbd'], {
      fitters: fitters as never,
    });
    if (!selected.ok) throw notConverged('every candidate model', selected.error);
    model = selected.value.best.model;
    modelName = selected.value.best.name;
    holdout = selected.value.best.evaluation;
    selection = selected.value.candidates.map((candidate) =>
      candidate.ok
        ? { model: candidate.name, mae: candidate.evaluation.mae }
        : { model: candidate.name, mae: null, error: candidate.error.message },
    );
  } else {
    modelName = modelChoice;
    const fitted = fitModel(modelChoice, summaries, fitOptions);
    if (!fitted.ok) throw notConverged(modelChoice, fitted.error);
    model = fitted.value;
    if (holdoutLength !== null) {
      holdout = evaluateHoldout(
        model,
        { ...summaries, holdoutFrequency: summaries.holdoutFrequency! },
        holdoutLength,
      );
    }
  }

  // Spend model, when the data has spend.
  let gammaGamma: GammaGamma | null = null;
  const warnings: string[] = [];
  let hasRepeatSpend = false;
  for (let index = 0; index < summaries.length; index++) {
    if (summaries.frequency[index]! > 0 && summaries.monetary[index]! > 0) hasRepeatSpend = true;
  }
  if (summaries.monetaryKnown && hasRepeatSpend) {
    const fitted = GammaGamma.fit(summaries);
    if (!fitted.ok) throw notConverged('Gamma-Gamma', fitted.error);
    gammaGamma = fitted.value;
    warnings.push(...gammaGamma.warnings.map((warning) => warning.message));
  } else {
    warnings.push(
      summaries.monetaryKnown
        ? 'No repeat customer with a positive spend: no Gamma-Gamma model, no CLV.'
        : 'The summary has no monetary_value column: no Gamma-Gamma model, no CLV.',
    );
  }

  const clv = gammaGamma
    ? customerLifetimeValue(model, gammaGamma, summaries, {
        horizonMonths,
        monthlyDiscountRate: discount,
        margin,
        timeUnit,
      })
    : null;
  const customers: ClvCustomer[] = [];
  for (let index = 0; index < summaries.length; index++) {
    const frequency = summaries.frequency[index]!;
    const recency = summaries.recency[index]!;
    const T = summaries.T[index]!;
    const monetaryCents = summaries.monetary[index]!;
    customers.push({
      id: summaries.ids[index]!,
      frequency,
      recency,
      T,
      monetary: summaries.monetaryKnown ? monetaryCents / 100 : null,
      pAlive: model.probabilityAlive(frequency, recency, T),
      expectedPurchases: model.conditionalExpectedPurchases(predictT, frequency, recency, T),
      expectedAverageValue: gammaGamma
        ? gammaGamma.conditionalExpectedAverageValue(frequency, monetaryCents) / 100
        : null,
      clv: clv ? clv[index]! / 100 : null,
    });
  }

  const output: ClvOutput = {
    model: modelName,
    params: { ...model.params },
    logLikelihood: model.logLikelihood,
    timeUnit,
    predictT,
    // γ is a scale in the money unit: the fit ran in cents, so γ / 100 is in currency units.
    gammaGamma: gammaGamma
      ? { p: gammaGamma.params.p, q: gammaGamma.params.q, gamma: gammaGamma.params.gamma / 100 }
      : null,
    warnings,
    holdout:
      holdout === null
        ? null
        : {
            length: holdoutLength!,
            customers: holdout.customers,
            actual: holdout.actual,
            predicted: holdout.predicted,
            mae: holdout.mae,
            rmse: holdout.rmse,
          },
    ...(selection ? { selection } : {}),
    customers,
  };
  if (flags.json) return `${JSON.stringify(output, null, 2)}\n`;
  return renderClv(output, holdout, { horizonMonths, discount, margin });
}

function parseNonNegativeInteger(value: string, option: string): number {
  if (value.trim() === '0') return 0;
  return parsePositiveInteger(value, option);
}

function fitModel(
  name: FittedName,
  summaries: SummaryColumns,
  options: { penalizer?: number },
): Result<TransactionModel> {
  switch (name) {
    case 'bgnbd':
      return BgNbd.fit(summaries, options);
    case 'mbgnbd':
      return MbgNbd.fit(summaries, options);
    case 'paretonbd':
      return ParetoNbd.fit(summaries, options);
  }
}

/** A failed fit (not converged, or degenerate: the data do not identify the model): exit code 1 and the reason, never numbers. */
function notConverged(what: string, issue: CoreIssue): CliError {
  return new CliError(`the ${what} fit failed (${issue.code}): ${issue.message} No values were computed.`, 1);
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
async function readSummaryFile(
  path: string,
): Promise<CustomerSummaryColumns & { readonly monetaryKnown: boolean }> {
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
  holdout: HoldoutEvaluation | null,
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
  if (output.holdout && holdout) {
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
    for (const bucket of holdout.byFrequency) {
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
