/** The work of `retain at-risk` (described in `at-risk.ts`), loaded only when the command runs. */
import {
  type AtRiskWeights,
  atRiskScores,
  BgNbd,
  evaluateAtRisk,
  localDayNumber,
  purchaseRhythm,
  summarizeColumns,
} from '../../core/index.js';
import { formatCsvIssue, readOrdersCsv } from '../../csv/index.js';
import { CliError } from '../cli-error.js';
import {
  parseColumnMap,
  parseInclusiveEndDate,
  parseLocalDate,
  parsePositiveInteger,
  parseTimeZone,
} from '../options.js';
import { formatFixed, formatShare, heading, keyValueTable, numberTable } from '../render/model-tables.js';
import type { AtRiskFlags } from './at-risk.js';

const MS_PER_DAY = 86_400_000;

export interface AtRiskCustomer {
  readonly id: string;
  readonly score: number;
  readonly pAlive: number;
  readonly daysSinceLastOrder: number;
  /** Median gap between the customer's purchase days; null with a single purchase day. */
  readonly typicalGapDays: number | null;
  readonly reasons: string[];
}

/** The `--json` output of `retain at-risk`. */
export interface AtRiskOutput {
  /** The last local day of data used (inclusive), YYYY-MM-DD. */
  readonly asOf: string;
  readonly customers: number;
  readonly model: {
    readonly name: 'bgnbd';
    readonly params: Readonly<Record<string, number>>;
    readonly timeUnit: 'week';
  };
  readonly weights: AtRiskWeights;
  /** The rhythm (days) assumed for customers with a single purchase day. */
  readonly fallbackGapDays: number | null;
  /** Time split: null unless the file has orders after `asOf`. */
  readonly evaluation: {
    /** The follow-up window: the day after `asOf` through the last order day in the file. */
    readonly from: string;
    readonly to: string;
    /** Customers scored who bought nothing in the follow-up window. */
    readonly churned: number;
    readonly auc: number | null;
  } | null;
  readonly top: AtRiskCustomer[];
}

function isoDay(dayNumber: number): string {
  return new Date(dayNumber * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Runs the command and returns what it prints; throws `CliError` (2 bad input, 1 no fit). */
export async function runAtRisk(orders: string, flags: AtRiskFlags): Promise<string> {
  const timeZone = parseTimeZone(flags.tz);
  const top = parsePositiveInteger(flags.top, '--top');
  const read = await readOrdersCsv(orders, {
    timeZone,
    ...(flags.map === undefined ? {} : { map: parseColumnMap(flags.map) }),
  });
  if (!read.ok) throw new CliError(read.error.map(formatCsvIssue).join('\n'));
  const table = read.value.table;
  const lastDay = localDayNumber(read.value.lastOrderAt, timeZone);
  const asOfStart =
    flags.asOf === undefined ? read.value.lastOrderAt : parseLocalDate(flags.asOf, '--as-of', timeZone);
  const asOfDay = localDayNumber(asOfStart, timeZone);
  // The instant just before the next local midnight: every order of the as-of day counts, and
  // "days since the last order" is 0 for a purchase on that day (as T in the BG/NBD summary).
  const asOfEnd = parseInclusiveEndDate(isoDay(asOfDay), '--as-of', timeZone) - 1;

  const summary = summarizeColumns(table, {
    calibrationEnd: asOfStart,
    ...(lastDay > asOfDay ? { observationEnd: read.value.lastOrderAt } : {}),
    timeUnit: 'week',
    timeZone,
  });
  if (summary.length === 0) throw new CliError(`${orders}: no orders on or before ${isoDay(asOfDay)}`);
  const fitted = BgNbd.fit(summary);
  if (!fitted.ok) {
    throw new CliError(
      `the BG/NBD fit failed (${fitted.error.code}): ${fitted.error.message} No scores were computed.`,
      1,
    );
  }
  const model = fitted.value;
  const rhythm = purchaseRhythm(table, { asOf: asOfEnd, timeZone });

  // Align the rhythm (all customers of the table) with the summary (customers with an order by as-of).
  const customerIndex = new Map<string, number>();
  rhythm.customerIds.forEach((id, index) => {
    customerIndex.set(id, index);
  });
  const count = summary.length;
  const pAlive = new Float64Array(count);
  const daysSinceLastOrder = new Float64Array(count);
  const typicalGapDays = new Float64Array(count);
  for (let row = 0; row < count; row++) {
    pAlive[row] = model.probabilityAlive(summary.frequency[row]!, summary.recency[row]!, summary.T[row]!);
    const index = customerIndex.get(summary.ids[row]!)!;
    daysSinceLastOrder[row] = rhythm.daysSinceLastOrder[index]!;
    typicalGapDays[row] = rhythm.typicalGapDays[index]!;
  }
  const scored = atRiskScores({ customerIds: summary.ids, pAlive, daysSinceLastOrder, typicalGapDays });

  let evaluation: AtRiskOutput['evaluation'] = null;
  if (summary.holdoutFrequency) {
    const churned = new Uint8Array(count);
    let churnedCount = 0;
    for (let row = 0; row < count; row++) {
      if (summary.holdoutFrequency[row] === 0) {
        churned[row] = 1;
        churnedCount++;
      }
    }
    evaluation = {
      from: isoDay(asOfDay + 1),
      to: isoDay(lastDay),
      churned: churnedCount,
      auc: evaluateAtRisk(scored.scores, churned),
    };
  }

  const order = Array.from({ length: count }, (_, row) => row).sort(
    (a, b) => scored.scores[b]! - scored.scores[a]! || (summary.ids[a]! < summary.ids[b]! ? -1 : 1),
  );
  const output: AtRiskOutput = {
    asOf: isoDay(asOfDay),
    customers: count,
    model: { name: 'bgnbd', params: { ...model.params }, timeUnit: 'week' },
    weights: scored.weights,
    fallbackGapDays: scored.fallbackGapDays,
    evaluation,
    top: order.slice(0, top).map((row) => ({
      id: summary.ids[row]!,
      score: scored.scores[row]!,
      pAlive: pAlive[row]!,
      daysSinceLastOrder: daysSinceLastOrder[row]!,
      typicalGapDays: Number.isNaN(typicalGapDays[row]!) ? null : typicalGapDays[row]!,
      reasons: scored.reasons[row]!,
    })),
  };
  if (flags.json) return `${JSON.stringify(output, null, 2)}\n`;
  return renderAtRisk(output);
}

function renderAtRisk(output: AtRiskOutput): string {
  const parts: string[] = [];
  const list = numberTable(['customer', 'score', 'P(alive)', 'days since', 'rhythm (days)', 'reasons']);
  for (const customer of output.top) {
    list.push([
      customer.id,
      formatFixed(customer.score, 0),
      formatShare(customer.pAlive, 0),
      String(customer.daysSinceLastOrder),
      formatFixed(customer.typicalGapDays, 0),
      customer.reasons.join('; ') || '–',
    ]);
  }
  parts.push(
    heading(`At risk as of ${output.asOf} (${output.customers.toLocaleString('en-US')} customers scored)`),
    list.toString(),
  );
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
  return `${parts.join('\n')}\n`;
}
