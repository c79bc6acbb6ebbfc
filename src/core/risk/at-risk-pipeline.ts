/**
 * The whole at-risk analysis of an order table — what `retain at-risk` prints and
 * `GET /api/v1/analytics/at-risk` serves, from the same function so both give the same scores.
 */
import { BgNbd } from '../clv/bg-nbd.js';
import {
  DEFAULT_FIT_SAMPLE_CUSTOMERS,
  type FitSample,
  fitSampleRowsOfCustomers,
  sampleSummary,
} from '../clv/fit-sample.js';
import { historicalValue } from '../clv/historical-value.js';
import type { TransactionModelName } from '../clv/holdout.js';
import { MbgNbd } from '../clv/mbg-nbd.js';
import { ParetoNbd } from '../clv/pareto-nbd.js';
import { type CustomerSummaryColumns, summarizeColumns } from '../clv/summarize.js';
import type { TransactionModel } from '../clv/transaction-model.js';
import type { OrderTable } from '../data/order-table.js';
import { InvalidInputError } from '../input-error.js';
import { fail, ok, type Result } from '../result.js';
import { instantFromLocal, LocalDayMapper } from '../time/periods.js';
import { MS_PER_DAY } from '../time/units.js';
import {
  AT_RISK_SIGNALS,
  type AtRiskInputs,
  type AtRiskReason,
  type AtRiskReference,
  type AtRiskSignal,
  type AtRiskWeights,
  atRiskScores,
  atRiskSignals,
  DEFAULT_AT_RISK_WEIGHTS,
  type NegativeFeedbackDetail,
  rescaleAtRiskWeights,
} from './at-risk-score.js';
import { learnAtRiskWeights, withLearnedWeights } from './at-risk-weights.js';
import { auc } from './auc.js';
import { purchaseRhythm } from './purchase-rhythm.js';

const DAYS_PER_WEEK = 7;
/** Default horizon of the expected-purchases signal, and the length of the learning window. */
export const DEFAULT_AT_RISK_HORIZON_DAYS = 90;
/** The candidate transaction models, in the order that breaks ties. */
const CANDIDATES: readonly TransactionModelName[] = ['bgnbd', 'mbgnbd', 'paretonbd'];
/**
 * Pareto/NBD is searched only where max(α, β) / min(α, β) ≤ 100 (`ParetoNbdFitOptions`): beyond,
 * its fit is drifting to s, β → ∞ on data that do not identify it (a few months of history) and
 * would take minutes per request before failing; stopped, it fails in under half a second on
 * CDNOW's first quarter and the other two models are used. Fits inside the region are unchanged.
 */
const PARETO_NBD_MAX_SCALE_RATIO = 100;

/**
 * The least data the learning split needs before weights are learned rather than defaulted:
 * customers with an order by the cutoff, and customers in each class (bought / did not buy in
 * the window). Below these a fit of three coefficients is mostly noise.
 */
export const AT_RISK_LEARNING_MINIMUMS = Object.freeze({ customers: 200, perClass: 20 });

/** Signals other capabilities will supply, aligned with the order table's `customerIds`. */
export interface AtRiskExtraSignals {
  readonly negativeFeedback?: Uint8Array;
  /** The negative answer behind `negativeFeedback`, by customer id (see `AtRiskInputs`). */
  readonly negativeFeedbackDetails?: ReadonlyMap<string, NegativeFeedbackDetail>;
  readonly breachedTickets?: Uint8Array;
  readonly engagementTrend?: Float64Array;
}

export interface AtRiskAnalysisOptions {
  /** An instant inside the last local day of data to use; orders of that whole day count. */
  readonly asOf: number;
  /** IANA zone of the purchase days. Default UTC. */
  readonly timeZone?: string;
  /**
   * h: the horizon (whole days) of the expected purchases, and the length of the window the
   * weights are learned on (docs/models.md). Default 90.
   */
  readonly horizonDays?: number;
  readonly extraSignals?: AtRiskExtraSignals;
  /**
   * `full` (default): the scores with their reasons, the ranking and, when the orders go on after
   * as-of, the evaluation. `scores`: the scores alone — every customer's `reasons` empty, `ranking`
   * empty, `evaluation` null — for callers that count who is at risk (the overview's trend), at
   * about half the cost on a million customers.
   */
  readonly detail?: 'full' | 'scores';
  /**
   * The models are fitted, and the weights learned, on at most this many customers (a
   * deterministic sample, `fitSampleRows`); every customer is scored. Default
   * `DEFAULT_FIT_SAMPLE_CUSTOMERS` (50,000).
   */
  readonly maxFitCustomers?: number;
}

/** One candidate transaction model and how it did. */
export interface AtRiskModelCandidate {
  readonly name: TransactionModelName;
  /** AUC of its expected purchases (lower = at risk) for "did not buy" on the learning split; null without one. */
  readonly trainingSplitAuc: number | null;
  /** Its log-likelihood where it was compared (at the cutoff with a split, else at as-of). */
  readonly logLikelihood: number | null;
  /** Why it could not be fitted. */
  readonly error: string | null;
}

/** The transaction model behind the expected purchases, fitted on the orders through as-of. */
export interface AtRiskModel {
  readonly name: TransactionModelName;
  readonly params: Readonly<Record<string, number>>;
  readonly logLikelihood: number;
  readonly timeUnit: 'week';
  /** `training-split-auc`: the candidate that ranked the learning split best; `log-likelihood` without a split. */
  readonly chosenBy: 'training-split-auc' | 'log-likelihood';
  readonly candidates: readonly AtRiskModelCandidate[];
  /** The customers the model was fitted on as of the as-of day (all of them up to the cap). */
  readonly fitSample: FitSample;
}

/** The learning split: features as of `cutoff`, label = no purchase in `from` … `to`. */
export interface AtRiskTrainingSplit {
  readonly cutoff: string;
  readonly from: string;
  readonly to: string;
  /** Customers with an order by the cutoff. */
  readonly customers: number;
  readonly didNotBuy: number;
  /** AUC of the learned weights on the split (in-sample); null when they could not be learned. */
  readonly learnedAuc: number | null;
  /** AUC of the default weights on the same split. */
  readonly defaultAuc: number | null;
  /** The customers the candidates were fitted and the weights learned on (all up to the cap). */
  readonly fitSample: FitSample;
}

export interface AtRiskWeightChoice {
  readonly source: 'learned' | 'default';
  /** Points per signal at full strength, adding up to 100 over the signals supplied. */
  readonly signals: AtRiskWeights;
  /** Why the defaults were used; null when the weights were learned. */
  readonly defaultReason: string | null;
  readonly trainingSplit: AtRiskTrainingSplit | null;
}

/** How well the scores ranked who did not buy after as-of, when the data goes on past it. */
export interface AtRiskEvaluation {
  readonly from: string;
  readonly to: string;
  /** Customers scored who bought nothing from `from` through `to`. */
  readonly churned: number;
  readonly auc: number | null;
}

/** Per scored customer (rows in the order table's customer order), as columns. */
export interface AtRiskCustomerColumns {
  readonly length: number;
  readonly ids: readonly string[];
  /** Index of each row's customer in the order table's `customerIds`. */
  readonly customerIndex: Int32Array;
  readonly scores: Float64Array;
  readonly points: Readonly<Record<AtRiskSignal, Float64Array>>;
  readonly reasons: readonly string[][];
  /** The same reasons as data (codes and numbers), in the same order. */
  readonly reasonData: readonly (readonly AtRiskReason[])[];
  /** Expected purchases in the next `horizonDays`; NaN without a model. */
  readonly expectedPurchases: Float64Array;
  /** P(alive) under the model; NaN without one. */
  readonly pAlive: Float64Array;
  readonly daysSinceLastOrder: Float64Array;
  /** Median gap between purchase days; NaN with a single purchase day. */
  readonly typicalGapDays: Float64Array;
  readonly purchaseDays: Int32Array;
  /** Net value to date, cents. */
  readonly valueCents: Float64Array;
}

/** The at-risk analysis (docs/models.md, "At-risk score"). */
export interface AtRiskAnalysis {
  /** The last local day of data used, YYYY-MM-DD. */
  readonly asOf: string;
  readonly timeZone: string;
  readonly horizonDays: number;
  /** null when no candidate model could be fitted (the score then goes without expected purchases). */
  readonly model: AtRiskModel | null;
  readonly weights: AtRiskWeightChoice;
  readonly reference: AtRiskReference;
  /** Null without orders after as-of, and with `detail: 'scores'`. */
  readonly evaluation: AtRiskEvaluation | null;
  readonly notes: readonly string[];
  readonly customers: AtRiskCustomerColumns;
  /** Rows of `customers`, most at risk first (equal scores: id ascending); empty with `detail: 'scores'`. */
  readonly ranking: Int32Array;
}

/** One customer of the analysis as a plain object (money in currency units). */
export interface AtRiskCustomer {
  readonly id: string;
  readonly score: number;
  readonly reasons: readonly string[];
  readonly points: Readonly<Record<AtRiskSignal, number>>;
  readonly expectedPurchases: number | null;
  readonly pAlive: number | null;
  readonly daysSinceLastOrder: number;
  readonly typicalGapDays: number | null;
  readonly purchaseDays: number;
  readonly value: number;
}

function isoDay(dayNumber: number): string {
  return new Date(dayNumber * MS_PER_DAY).toISOString().slice(0, 10);
}

/** The instant local day `dayNumber` starts in `timeZone`. */
function dayStart(dayNumber: number, timeZone: string): number {
  const date = new Date(dayNumber * MS_PER_DAY);
  return instantFromLocal(
    { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() },
    timeZone,
  );
}

/** The order history of every customer with an order by `day` (inclusive), aligned with the summary. */
interface HistoryAt {
  readonly summary: CustomerSummaryColumns;
  readonly customerIndex: Int32Array;
  readonly daysSinceLastOrder: Float64Array;
  readonly typicalGapDays: Float64Array;
  readonly purchaseDays: Int32Array;
  readonly valueCents: Float64Array;
  /** With `labelThrough`: 1 for a customer without a purchase day after `day` through it. */
  readonly didNotBuy: Uint8Array | null;
}

function historyAt(
  orders: OrderTable,
  day: number,
  labelThrough: number | null,
  timeZone: string,
): HistoryAt {
  const summary = summarizeColumns(orders, {
    calibrationEnd: dayStart(day, timeZone),
    ...(labelThrough === null ? {} : { observationEnd: dayStart(labelThrough, timeZone) }),
    timeUnit: 'week',
    timeZone,
  });
  const nextDay = dayStart(day + 1, timeZone);
  const rhythm = purchaseRhythm(orders, { asOf: nextDay, timeZone });
  const value = historicalValue(orders, { asOf: nextDay });
  const count = summary.length;
  const customerIndex = new Int32Array(count);
  const daysSinceLastOrder = new Float64Array(count);
  const typicalGapDays = new Float64Array(count);
  const purchaseDays = new Int32Array(count);
  const valueCents = new Float64Array(count);
  // Both list the customers with an order by the end of `day` in customer-index order.
  let customer = 0;
  for (let row = 0; row < count; row++) {
    while (rhythm.purchaseDays[customer] === 0) customer++;
    if (orders.customerIds[customer] !== summary.ids[row])
      throw new Error(`summary row ${row} (${summary.ids[row]}) and the rhythm disagree`);
    customerIndex[row] = customer;
    // The rhythm counts days to the local date of its `asOf`, the next day's midnight (so that
    // every order of `day` counts): one day less is the count to `day` itself, 0 for a purchase on it.
    daysSinceLastOrder[row] = rhythm.daysSinceLastOrder[customer]! - 1;
    typicalGapDays[row] = rhythm.typicalGapDays[customer]!;
    purchaseDays[row] = rhythm.purchaseDays[customer]!;
    valueCents[row] = value.valueCents[customer]!;
    customer++;
  }
  let didNotBuy: Uint8Array | null = null;
  if (summary.holdoutFrequency) {
    didNotBuy = new Uint8Array(count);
    for (let row = 0; row < count; row++) didNotBuy[row] = summary.holdoutFrequency[row] === 0 ? 1 : 0;
  }
  return { summary, customerIndex, daysSinceLastOrder, typicalGapDays, purchaseDays, valueCents, didNotBuy };
}

/** `history` restricted to `rows` (ascending, from `fitSampleRows`); itself when `rows` is null. O(rows). */
function sampleHistory(history: HistoryAt, rows: Int32Array | null): HistoryAt {
  if (rows === null) return history;
  const pick = <Column extends Float64Array | Int32Array | Uint8Array>(column: Column): Column => {
    const picked = new (column.constructor as new (length: number) => Column)(rows.length);
    for (let index = 0; index < rows.length; index++) picked[index] = column[rows[index]!]!;
    return picked;
  };
  return {
    summary: sampleSummary(history.summary, rows),
    customerIndex: pick(history.customerIndex),
    daysSinceLastOrder: pick(history.daysSinceLastOrder),
    typicalGapDays: pick(history.typicalGapDays),
    purchaseDays: pick(history.purchaseDays),
    valueCents: pick(history.valueCents),
    didNotBuy: history.didNotBuy === null ? null : pick(history.didNotBuy),
  };
}

function expectedPurchasesOf(model: TransactionModel, summary: CustomerSummaryColumns, horizonWeeks: number) {
  const expected = new Float64Array(summary.length);
  for (let row = 0; row < summary.length; row++) {
    expected[row] = model.conditionalExpectedPurchases(
      horizonWeeks,
      summary.frequency[row]!,
      summary.recency[row]!,
      summary.T[row]!,
    );
  }
  return expected;
}

function inputsOf(history: HistoryAt, expectedPurchases: Float64Array): AtRiskInputs {
  return {
    customerIds: history.summary.ids,
    expectedPurchases,
    daysSinceLastOrder: history.daysSinceLastOrder,
    typicalGapDays: history.typicalGapDays,
    valueCents: history.valueCents,
  };
}

type Fitted =
  | { readonly ok: true; readonly model: TransactionModel }
  | { readonly ok: false; readonly error: string };

/**
 * Fits candidate `name`; `start`: the parameters it found at the learning cutoff, a warm start for
 * the refit as of the as-of day (the optimum moves little in h days; it saves a third of the fit).
 */
function fitCandidate(
  name: TransactionModelName,
  summary: CustomerSummaryColumns,
  start?: Readonly<Record<string, number>>,
): Fitted {
  const options = start === undefined ? {} : { start };
  const fitted =
    name === 'bgnbd'
      ? BgNbd.fit(summary, options)
      : name === 'mbgnbd'
        ? MbgNbd.fit(summary, options)
        : ParetoNbd.fit(summary, { ...options, maxScaleRatio: PARETO_NBD_MAX_SCALE_RATIO });
  return fitted.ok
    ? { ok: true, model: fitted.value }
    : { ok: false, error: `${fitted.error.code}: ${fitted.error.message}` };
}

/** Σ weight × strength over `signals`: the score (without its reasons), for AUCs on the learning split. */
function linearScores(signals: ReturnType<typeof atRiskSignals>, weights: AtRiskWeights): Float64Array {
  const scores = new Float64Array(signals.customerIds.length);
  for (const signal of AT_RISK_SIGNALS) {
    const weight = weights[signal];
    if (weight === 0) continue;
    const strengths = signals.strengths[signal];
    for (let row = 0; row < scores.length; row++) scores[row]! += weight * strengths[row]!;
  }
  return scores;
}

/**
 * The at-risk analysis of `orders` as of a day (docs/models.md, "At-risk score"):
 *
 * 1. Learning split. With h = `horizonDays` and the cutoff C = as-of day − h: the customers with an
 *    order by C, their history through C, labelled "did not buy" when they have no purchase day in
 *    (C, as-of]. BG/NBD, MBG/NBD and Pareto/NBD are fitted on it; the one whose expected purchases
 *    over h rank the label best (AUC) is chosen, and the weights of the order-history signals are
 *    learned on it (`learnAtRiskWeights`). Learned weights are used unless the split is too small
 *    (`AT_RISK_LEARNING_MINIMUMS`, or less than h days of orders before C), the fit fails, or they
 *    rank the split worse than the defaults; `weights.defaultReason` says which.
 * 2. As of the as-of day: the chosen model is refitted on the history through it (without a split,
 *    all three are fitted and the highest log-likelihood wins — they have four parameters each),
 *    and every customer with an order by then is scored (`atRiskScores`) with those weights.
 * 3. When `orders` go on after as-of, the evaluation: the AUC of the scores for "no purchase after
 *    as-of through the last order day".
 *
 * Bounded fitting: every fit, AUC of step 1 and the learning of the weights use at most
 * `maxFitCustomers` customers of their day (the deterministic sample of `fitSampleRows`; all of
 * them below the cap, so small data is unaffected); the scores of step 2 cover every customer.
 * `model.fitSample` and `trainingSplit.fitSample` say how many were used.
 *
 * Purchase days are local days in `timeZone`; a model is fitted in weeks. Expected failure:
 * `no-customers` when nobody has an order by as-of. Throws a RangeError for a bad option.
 *
 * Complexity: O(n) passes over the rows (summaries, rhythm, value at two days) plus up to four
 * model fits on at most `maxFitCustomers` customers each (milliseconds on compressed summaries,
 * about a second at 50,000 distinct ones), O(c) predictions and O(c log c) for the ranking.
 *
 * @example
 * const analysis = analyzeAtRisk(orders, { asOf: Date.UTC(1997, 8, 30) });
 * if (analysis.ok) analysis.value.customers.scores[analysis.value.ranking[0]!]; // the highest score
 */
export function analyzeAtRisk(orders: OrderTable, options: AtRiskAnalysisOptions): Result<AtRiskAnalysis> {
  const timeZone = options.timeZone ?? 'UTC';
  const horizonDays = options.horizonDays ?? DEFAULT_AT_RISK_HORIZON_DAYS;
  if (!(Number.isInteger(horizonDays) && horizonDays >= 1 && horizonDays <= 3650))
    throw new InvalidInputError(
      `horizonDays must be a whole number of days from 1 to 3650, got ${horizonDays}`,
    );
  if (!Number.isFinite(options.asOf))
    throw new InvalidInputError(`asOf must be a finite instant, got ${options.asOf}`);
  const extras = options.extraSignals ?? {};
  for (const [name, column] of Object.entries(extras)) {
    // The details are keyed by customer id, not aligned with the table.
    if (name === 'negativeFeedbackDetails') continue;
    if (column !== undefined && column.length !== orders.customerIds.length)
      throw new RangeError(
        `${name} has ${column.length} values but the orders have ${orders.customerIds.length} customers`,
      );
  }
  const maxFitCustomers = options.maxFitCustomers ?? DEFAULT_FIT_SAMPLE_CUSTOMERS;
  if (!(Number.isSafeInteger(maxFitCustomers) && maxFitCustomers >= 1))
    throw new InvalidInputError(`maxFitCustomers must be a whole number ≥ 1, got ${maxFitCustomers}`);
  const days = new LocalDayMapper(timeZone);
  const asOfDay = days.dayNumber(options.asOf);
  const horizonWeeks = horizonDays / DAYS_PER_WEEK;

  let firstDay = Number.POSITIVE_INFINITY;
  let lastDay = Number.NEGATIVE_INFINITY;
  for (let row = 0; row < orders.length; row++) {
    if (orders.amountCents[row]! < 0) continue;
    const at = orders.orderedAt[row]!;
    if (at < firstDay) firstDay = at;
    if (at > lastDay) lastDay = at;
  }
  if (Number.isFinite(firstDay)) {
    firstDay = days.dayNumber(firstDay);
    lastDay = days.dayNumber(lastDay);
  }
  const current = historyAt(orders, asOfDay, lastDay > asOfDay ? lastDay : null, timeZone);
  if (current.summary.length === 0) {
    return fail({
      code: 'no-customers',
      message: `No customer has an order on or before ${isoDay(asOfDay)}.`,
      path: ['asOf'],
    });
  }
  const notes: string[] = [];

  // 1. The learning split.
  const cutoffDay = asOfDay - horizonDays;
  let defaultReason: string | null = null;
  let trainingSplit: AtRiskTrainingSplit | null = null;
  let learned: AtRiskWeights | null = null;
  let candidates: AtRiskModelCandidate[] = [];
  let ranked: TransactionModelName[] = [];
  const cutoffParams = new Map<TransactionModelName, Readonly<Record<string, number>>>();
  if (!(firstDay <= cutoffDay - horizonDays)) {
    defaultReason = `less than ${horizonDays} days of orders before the learning cutoff ${isoDay(cutoffDay)} (as-of day − ${horizonDays})`;
  } else {
    const whole = historyAt(orders, cutoffDay, asOfDay, timeZone);
    let wholeDidNotBuy = 0;
    for (const label of whole.didNotBuy!) wholeDidNotBuy += label;
    // Fitted, compared and learned on the sample; described by the whole split.
    const history = sampleHistory(
      whole,
      fitSampleRowsOfCustomers(orders.customerIds, whole.customerIndex, maxFitCustomers),
    );
    const didNotBuy = history.didNotBuy!;
    let didNotBuyCount = 0;
    for (const label of didNotBuy) didNotBuyCount += label;
    const boughtCount = history.summary.length - didNotBuyCount;
    const { customers: minimumCustomers, perClass } = AT_RISK_LEARNING_MINIMUMS;
    if (history.summary.length < minimumCustomers || didNotBuyCount < perClass || boughtCount < perClass) {
      defaultReason = `the learning split has ${history.summary.length} customers, ${didNotBuyCount} of whom did not buy and ${boughtCount} did; learning needs ${minimumCustomers} customers and ${perClass} of each`;
    } else {
      const expectedByModel = new Map<TransactionModelName, Float64Array>();
      candidates = CANDIDATES.map((name) => {
        const fitted = fitCandidate(name, history.summary);
        if (!fitted.ok) return { name, trainingSplitAuc: null, logLikelihood: null, error: fitted.error };
        cutoffParams.set(name, fitted.model.params);
        const expected = expectedPurchasesOf(fitted.model, history.summary, horizonWeeks);
        const logLikelihood = fitted.model.logLikelihood;
        if (!expected.every(Number.isFinite)) {
          return { name, trainingSplitAuc: null, logLikelihood, error: 'non-finite expected purchases' };
        }
        expectedByModel.set(name, expected);
        // Fewer expected purchases = more at risk: rank by −E.
        const splitAuc = auc(
          expected.map((value) => -value),
          didNotBuy,
        );
        return { name, trainingSplitAuc: splitAuc, logLikelihood, error: null };
      });
      ranked = candidates
        .filter((candidate) => candidate.trainingSplitAuc !== null)
        .sort((a, b) => b.trainingSplitAuc! - a.trainingSplitAuc!)
        .map((candidate) => candidate.name);
      if (ranked.length === 0) {
        defaultReason = 'no transaction model could be fitted to the history before the learning cutoff';
        candidates = [];
      } else {
        const signals = atRiskSignals(inputsOf(history, expectedByModel.get(ranked[0]!)!));
        const defaultWeights = rescaleAtRiskWeights(DEFAULT_AT_RISK_WEIGHTS, signals.supplied);
        const defaultAuc = auc(linearScores(signals, defaultWeights), didNotBuy);
        const learning = learnAtRiskWeights(signals, didNotBuy);
        let learnedAuc: number | null = null;
        if (!learning.ok) {
          defaultReason = `the weights could not be learned (${learning.error.code}): ${learning.error.message}`;
        } else {
          learnedAuc = learning.value.auc;
          if (learnedAuc !== null && defaultAuc !== null && learnedAuc < defaultAuc) {
            defaultReason = `the learned weights ranked the learning split worse than the defaults (AUC ${learnedAuc.toFixed(3)} < ${defaultAuc.toFixed(3)})`;
          } else {
            learned = withLearnedWeights(learning.value.weights);
          }
        }
        trainingSplit = {
          cutoff: isoDay(cutoffDay),
          from: isoDay(cutoffDay + 1),
          to: isoDay(asOfDay),
          customers: whole.summary.length,
          didNotBuy: wholeDidNotBuy,
          learnedAuc,
          defaultAuc,
          fitSample: { customers: history.summary.length, of: whole.summary.length },
        };
      }
    }
  }

  // 2. The model as of the as-of day. A fit whose predictions are not all finite (parameters run
  // far out without leaving the identified range) counts as failed.
  const chosenBy = ranked.length > 0 ? 'training-split-auc' : 'log-likelihood';
  const count = current.summary.length;
  let chosen: {
    readonly name: TransactionModelName;
    readonly model: TransactionModel;
    readonly expected: Float64Array;
  } | null = null;
  // Fitted on the sample, then every customer's expected purchases from the fitted parameters.
  const fitSummary = sampleSummary(
    current.summary,
    fitSampleRowsOfCustomers(orders.customerIds, current.customerIndex, maxFitCustomers),
  );
  const fitAtAsOf = (name: TransactionModelName, start?: Readonly<Record<string, number>>) => {
    const fitted = fitCandidate(name, fitSummary, start);
    if (!fitted.ok) return fitted;
    const expected = expectedPurchasesOf(fitted.model, current.summary, horizonWeeks);
    if (!expected.every(Number.isFinite))
      return { ok: false as const, error: 'non-finite expected purchases' };
    return { ok: true as const, model: fitted.model, expected };
  };
  if (chosenBy === 'training-split-auc') {
    for (const name of ranked) {
      const fitted = fitAtAsOf(name, cutoffParams.get(name));
      if (fitted.ok) {
        chosen = { name, model: fitted.model, expected: fitted.expected };
        break;
      }
      notes.push(
        `${name} ranked the learning split best but could not be fitted as of ${isoDay(asOfDay)} (${fitted.error}).`,
      );
    }
  } else {
    candidates = [];
    for (const name of CANDIDATES) {
      const fitted = fitAtAsOf(name);
      if (!fitted.ok) {
        candidates.push({ name, trainingSplitAuc: null, logLikelihood: null, error: fitted.error });
        continue;
      }
      const { model, expected } = fitted;
      candidates.push({ name, trainingSplitAuc: null, logLikelihood: model.logLikelihood, error: null });
      if (chosen === null || model.logLikelihood > chosen.model.logLikelihood)
        chosen = { name, model, expected };
    }
  }
  const expectedPurchases = new Float64Array(count).fill(Number.NaN);
  const pAlive = new Float64Array(count).fill(Number.NaN);
  if (chosen === null) {
    notes.push('No transaction model could be fitted: the scores go without expected purchases.');
  } else {
    expectedPurchases.set(chosen.expected);
    const { frequency, recency, T } = current.summary;
    for (let row = 0; row < count; row++) {
      pAlive[row] = chosen.model.probabilityAlive(frequency[row]!, recency[row]!, T[row]!);
    }
  }

  const inputs: AtRiskInputs = {
    ...inputsOf(current, expectedPurchases),
    ...alignedExtras(extras, current.customerIndex),
  };
  if (learned !== null && chosen === null) {
    learned = null;
    defaultReason = 'the weights were learned with expected purchases, which are missing as of the as-of day';
  }
  const weights = learned ?? DEFAULT_AT_RISK_WEIGHTS;
  const full = (options.detail ?? 'full') === 'full';
  const scored = atRiskScores(inputs, weights, { horizonDays, reasons: full });

  // 3. The evaluation, when the orders go on after as-of.
  let evaluation: AtRiskEvaluation | null = null;
  if (full && current.didNotBuy) {
    let churned = 0;
    for (const label of current.didNotBuy) churned += label;
    evaluation = {
      from: isoDay(asOfDay + 1),
      to: isoDay(lastDay),
      churned,
      auc: auc(scored.scores, current.didNotBuy),
    };
  }

  const ids = current.summary.ids;
  const ranking = full
    ? Int32Array.from({ length: count }, (_, row) => row).sort(
        (a, b) =>
          scored.scores[b]! - scored.scores[a]! || (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0),
      )
    : new Int32Array(0);
  return ok({
    asOf: isoDay(asOfDay),
    timeZone,
    horizonDays,
    model:
      chosen === null
        ? null
        : {
            name: chosen.name,
            params: { ...chosen.model.params },
            logLikelihood: chosen.model.logLikelihood,
            timeUnit: 'week',
            chosenBy,
            candidates,
            fitSample: { customers: fitSummary.length, of: count },
          },
    weights: {
      source: learned === null ? 'default' : 'learned',
      signals: scored.weights,
      defaultReason: learned === null ? defaultReason : null,
      trainingSplit,
    },
    reference: scored.reference,
    evaluation,
    notes,
    customers: {
      length: count,
      ids,
      customerIndex: current.customerIndex,
      scores: scored.scores,
      points: scored.points,
      reasons: scored.reasons,
      reasonData: scored.reasonData,
      expectedPurchases,
      pAlive,
      daysSinceLastOrder: current.daysSinceLastOrder,
      typicalGapDays: current.typicalGapDays,
      purchaseDays: current.purchaseDays,
      valueCents: current.valueCents,
    },
    ranking,
  });
}

/** The extra signal columns (per table customer) picked out for the scored rows. */
function alignedExtras(extras: AtRiskExtraSignals, customerIndex: Int32Array) {
  const pick = <T extends Uint8Array | Float64Array>(column: T): T => {
    const picked = new (column.constructor as new (length: number) => T)(customerIndex.length);
    for (let row = 0; row < customerIndex.length; row++) picked[row] = column[customerIndex[row]!]!;
    return picked;
  };
  return {
    ...(extras.negativeFeedback ? { negativeFeedback: pick(extras.negativeFeedback) } : {}),
    ...(extras.negativeFeedbackDetails ? { negativeFeedbackDetails: extras.negativeFeedbackDetails } : {}),
    ...(extras.breachedTickets ? { breachedTickets: pick(extras.breachedTickets) } : {}),
    ...(extras.engagementTrend ? { engagementTrend: pick(extras.engagementTrend) } : {}),
  };
}

const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);

/**
 * Row `row` of an analysis's customers as a plain object (value in currency units; unknown
 * numbers as null). O(signals).
 *
 * @example atRiskCustomer(analysis, analysis.ranking[0]!) // the customer most at risk
 */
export function atRiskCustomer(analysis: AtRiskAnalysis, row: number): AtRiskCustomer {
  const customers = analysis.customers;
  if (!(Number.isInteger(row) && row >= 0 && row < customers.length))
    throw new RangeError(`row must be 0 … ${customers.length - 1}, got ${row}`);
  return {
    id: customers.ids[row]!,
    score: customers.scores[row]!,
    reasons: customers.reasons[row]!,
    points: Object.fromEntries(
      AT_RISK_SIGNALS.map((signal) => [signal, customers.points[signal][row]!]),
    ) as Record<AtRiskSignal, number>,
    expectedPurchases: finiteOrNull(customers.expectedPurchases[row]!),
    pAlive: finiteOrNull(customers.pAlive[row]!),
    daysSinceLastOrder: customers.daysSinceLastOrder[row]!,
    typicalGapDays: finiteOrNull(customers.typicalGapDays[row]!),
    purchaseDays: customers.purchaseDays[row]!,
    value: customers.valueCents[row]! / 100,
  };
}
