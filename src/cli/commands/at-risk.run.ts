/** The work of `retain at-risk` (described in `at-risk.ts`), loaded only when the command runs. */
import {
  AT_RISK_SIGNALS,
  type AtRiskAnalysis,
  type AtRiskCustomer,
  type AtRiskEvaluation,
  type AtRiskModel,
  type AtRiskWeightChoice,
  analyzeAtRisk,
  atRiskCustomer,
  localDayNumber,
} from '../../core/index.js';
import { formatCsvIssue, readOrdersCsv } from '../../csv/index.js';
import { CliError } from '../cli-error.js';
import { parseColumnMap, parseLocalDate, parsePositiveInteger, parseTimeZone } from '../options.js';
import {
  formatFixed,
  formatSignificant,
  heading,
  keyValueTable,
  numberTable,
} from '../render/model-tables.js';
import type { AtRiskFlags } from './at-risk.js';

/** The `--json` output of `retain at-risk` (docs/cli.md). */
export interface AtRiskOutput {
  /** The last local day of data used (inclusive), YYYY-MM-DD. */
  readonly asOf: string;
  /** Customers scored: those with an order on or before `asOf`. */
  readonly customers: number;
  readonly horizonDays: number;
  readonly model: AtRiskModel | null;
  readonly weights: AtRiskWeightChoice;
  /** What the reasons compare each customer with; `typicalValue` in currency units. */
  readonly reference: {
    readonly typicalExpectedPurchases: number | null;
    readonly fallbackGapDays: number | null;
    readonly typicalValue: number | null;
  };
  /** Time split: null unless the file has orders after `asOf`. */
  readonly evaluation: AtRiskEvaluation | null;
  readonly notes: readonly string[];
  /** The `--top` customers most at risk, highest score first. */
  readonly top: AtRiskCustomer[];
}

/** Runs the command and returns what it prints; throws `CliError` (2 bad input or no customers). */
export async function runAtRisk(orders: string, flags: AtRiskFlags): Promise<string> {
  const timeZone = parseTimeZone(flags.tz);
  const top = parsePositiveInteger(flags.top, '--top');
  const horizonDays = parsePositiveInteger(flags.horizonDays, '--horizon-days');
  if (horizonDays > 3650) throw new CliError(`--horizon-days: at most 3650, got "${flags.horizonDays}"`);
  const read = await readOrdersCsv(orders, {
    timeZone,
    ...(flags.map === undefined ? {} : { map: parseColumnMap(flags.map) }),
  });
  if (!read.ok) throw new CliError(read.error.map(formatCsvIssue).join('\n'));
  const asOf =
    flags.asOf === undefined ? read.value.lastOrderAt : parseLocalDate(flags.asOf, '--as-of', timeZone);
  const analysis = analyzeAtRisk(read.value.table, { asOf, timeZone, horizonDays });
  if (!analysis.ok) {
    const day = new Date(localDayNumber(asOf, timeZone) * 86_400_000).toISOString().slice(0, 10);
    throw new CliError(`${orders}: no orders on or before ${day}`);
  }
  const output = atRiskOutput(analysis.value, top);
  if (flags.json) return `${JSON.stringify(output, null, 2)}\n`;
  return renderAtRisk(output);
}

function atRiskOutput(analysis: AtRiskAnalysis, top: number): AtRiskOutput {
  const { typicalExpectedPurchases, fallbackGapDays, typicalValueCents } = analysis.reference;
  return {
    asOf: analysis.asOf,
    customers: analysis.customers.length,
    horizonDays: analysis.horizonDays,
    model: analysis.model,
    weights: analysis.weights,
    reference: {
      typicalExpectedPurchases,
      fallbackGapDays,
      typicalValue: typicalValueCents === null ? null : typicalValueCents / 100,
    },
    evaluation: analysis.evaluation,
    notes: analysis.notes,
    top: Array.from(analysis.ranking.subarray(0, top), (row) => atRiskCustomer(analysis, row)),
  };
}

const SIGNAL_LABELS: Record<(typeof AT_RISK_SIGNALS)[number], string> = {
  expectedPurchases: 'few expected purchases',
  overdue: 'overdue against their rhythm',
  lowValue: 'low value to date',
  negativeFeedback: 'negative feedback',
  breachedTickets: 'tickets breaching their SLA',
  engagementDecline: 'engagement decline',
};

function renderAtRisk(output: AtRiskOutput): string {
  const parts: string[] = [];
  const list = numberTable([
    'customer',
    'score',
    `E[purchases, ${output.horizonDays} d]`,
    'days since',
    'rhythm (days)',
    'value',
    'reasons',
  ]);
  for (const customer of output.top) {
    list.push([
      customer.id,
      formatFixed(customer.score, 0),
      formatSignificant(customer.expectedPurchases, 2),
      String(customer.daysSinceLastOrder),
      formatFixed(customer.typicalGapDays, 0),
      formatFixed(customer.value),
      customer.reasons.join('; ') || '–',
    ]);
  }
  parts.push(
    heading(`At risk as of ${output.asOf} (${output.customers.toLocaleString('en-US')} customers scored)`),
    list.toString(),
  );

  const { weights, model } = output;
  const weightRows: [string, string][] = AT_RISK_SIGNALS.filter((signal) => weights.signals[signal] > 0).map(
    (signal) => [SIGNAL_LABELS[signal], formatFixed(weights.signals[signal], 1)],
  );
  const split = weights.trainingSplit;
  if (split) {
    weightRows.push(
      ['learning split', `orders through ${split.cutoff}, bought or not ${split.from} … ${split.to}`],
      [
        'AUC on it: learned / default',
        `${formatFixed(split.learnedAuc, 3)} / ${formatFixed(split.defaultAuc, 3)}`,
      ],
    );
  }
  if (model) {
    weightRows.push([
      'expected purchases from',
      `${model.name} (${model.chosenBy === 'training-split-auc' ? 'ranked the learning split best' : 'highest log-likelihood'})`,
    ]);
    // Only above the cap (docs/models.md, "Fitting on a sample"): small data prints as before.
    if (model.fitSample.customers < model.fitSample.of) {
      weightRows.push([
        'fitted on a sample of',
        `${model.fitSample.customers.toLocaleString('en-US')} of ${model.fitSample.of.toLocaleString('en-US')} customers`,
      ]);
    }
  }
  parts.push(heading(`Weights (${weights.source}, points out of 100)`), keyValueTable(weightRows));
  if (weights.defaultReason !== null) parts.push(`note: default weights, because ${weights.defaultReason}.`);

  if (output.evaluation) {
    parts.push(
      heading('How well the score ranked who left (time split)'),
      keyValueTable([
        ['follow-up window', `${output.evaluation.from} … ${output.evaluation.to}`],
        [
          'did not buy again',
          `${output.evaluation.churned.toLocaleString('en-US')} of ${output.customers.toLocaleString('en-US')}`,
        ],
        ['AUC', formatFixed(output.evaluation.auc, 3)],
      ]),
    );
  } else {
    parts.push(
      'note: no orders after the as-of day, so the ranking cannot be checked; use --as-of on an earlier day.',
    );
  }
  for (const note of output.notes) parts.push(`note: ${note}`);
  return `${parts.join('\n')}\n`;
}
