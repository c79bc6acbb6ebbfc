import type { CsatScale } from '../feedback/survey-metrics.js';
import { InvalidInputError } from '../input-error.js';
import { auc } from './auc.js';

/**
 * The signals of the at-risk score (docs/models.md, "At-risk score"), in column order. The first
 * three come from the order history of every customer; the last three are slots for data other
 * capabilities will store (feedback, support tickets, engagement) and count only when supplied.
 */
export const AT_RISK_SIGNALS = [
  'expectedPurchases',
  'overdue',
  'lowValue',
  'negativeFeedback',
  'breachedTickets',
  'engagementDecline',
] as const;

export type AtRiskSignal = (typeof AT_RISK_SIGNALS)[number];

/** The signals every order history supplies: the ones whose weights can be learned from it. */
export const ORDER_HISTORY_SIGNALS = ['expectedPurchases', 'overdue', 'lowValue'] as const;

export type OrderHistorySignal = (typeof ORDER_HISTORY_SIGNALS)[number];

/**
 * Points each signal adds at full strength. Each signal is mapped to a strength in [0, 1]; the
 * score is Σ weight × strength over the signals supplied, with their weights rescaled to add up
 * to 100.
 */
export type AtRiskWeights = Readonly<Record<AtRiskSignal, number>>;

/**
 * Default weights, out of 100, used when a workspace's history is too short to learn its own
 * (`learnAtRiskWeights`). The model's expected purchases already fold in recency, frequency and
 * age, so they carry the most (50); the rhythm and the value to date refine it (15 each);
 * feedback, SLA breaches and engagement are sparse but direct signs of dissatisfaction (10, 5, 5).
 * With orders only they become 62.5 / 18.75 / 18.75, which rank the full CDNOW split at 0.770
 * (docs/models.md).
 */
export const DEFAULT_AT_RISK_WEIGHTS: AtRiskWeights = Object.freeze({
  expectedPurchases: 50,
  overdue: 15,
  lowValue: 15,
  negativeFeedback: 10,
  breachedTickets: 5,
  engagementDecline: 5,
});

/** Breached-ticket strength saturates at this many tickets. */
export const BREACHED_TICKETS_SATURATION = 2;

/** One value per customer for each input; `NaN` marks an unknown value, which adds nothing. */
export interface AtRiskInputs {
  readonly customerIds: readonly string[];
  /** Expected purchases in the next `horizonDays` (a transaction model's E[Y(t) | x, t_x, T]). */
  readonly expectedPurchases: Float64Array;
  /** Whole days from the last purchase day to the as-of day. */
  readonly daysSinceLastOrder: Float64Array;
  /** The customer's median gap between distinct purchase days; NaN with a single purchase day. */
  readonly typicalGapDays: Float64Array;
  /** Net value to date (orders − refunds), cents: the historical value of metrics.md §5. */
  readonly valueCents: Float64Array;
  /** 1 when the customer gave negative feedback in the window. */
  readonly negativeFeedback?: Uint8Array;
  /**
   * The negative answer behind `negativeFeedback`, by customer id (the latest one), so the reason
   * says what it was: "rated the last request not satisfied", "gave an NPS of 3".
   */
  readonly negativeFeedbackDetails?: ReadonlyMap<string, NegativeFeedbackDetail>;
  /** Number of the customer's open tickets breaching their SLA. */
  readonly breachedTickets?: Uint8Array;
  /** Relative change of engagement, e.g. −0.4 for −40 % (NaN when unknown). */
  readonly engagementTrend?: Float64Array;
}

/** A negative survey answer as an at-risk reason words it. */
export type NegativeFeedbackDetail =
  | { readonly kind: 'csat'; readonly scale: CsatScale; readonly rating: number }
  | { readonly kind: 'nps'; readonly rating: number };

/** What the customers are measured against; each defaults to a statistic of the inputs. */
export interface AtRiskReferenceOptions {
  /** Expected purchases of a typical customer: default the mean of the known values. */
  readonly typicalExpectedPurchases?: number;
  /**
   * Rhythm assumed for customers without one of their own (a single purchase day): default the
   * median of the known `typicalGapDays`; `null` to give such customers no overdue strength.
   */
  readonly fallbackGapDays?: number | null;
  /** Value to date of a typical customer, cents: default the median of the known values. */
  readonly typicalValueCents?: number;
}

/** The reference points the strengths were measured against (null when there was none). */
export interface AtRiskReference {
  readonly typicalExpectedPurchases: number | null;
  readonly fallbackGapDays: number | null;
  readonly typicalValueCents: number | null;
}

/** Each signal's strength in [0, 1] per customer (0 where unknown), and which signals were supplied. */
export interface AtRiskSignals {
  readonly customerIds: readonly string[];
  readonly strengths: Readonly<Record<AtRiskSignal, Float64Array>>;
  readonly supplied: Readonly<Record<AtRiskSignal, boolean>>;
  readonly reference: AtRiskReference;
}

export interface AtRiskScoreOptions extends AtRiskReferenceOptions {
  /** The horizon of `expectedPurchases` in days, for the reasons' wording. Default 90. */
  readonly horizonDays?: number;
  /** A reason is listed only when it adds at least this many points. Default 1. */
  readonly minimumReasonPoints?: number;
  /**
   * Write the reasons (default true). False when only the scores are wanted (counting who is at
   * risk): every customer's reasons are then the empty list, and writing them — a quarter of the
   * cost on a million customers — is skipped.
   */
  readonly reasons?: boolean;
}

/**
 * One reason of an at-risk score as data: what it is (`code`), the points it added, and the numbers
 * its words show — so a dashboard can word it in any language (`describeAtRiskReason` is the
 * English wording, the `reasons` of `atRiskScores`). Numbers are as the words round them: whole
 * days, cents, a whole percentage; expected purchases unrounded.
 */
export type AtRiskReason =
  | {
      readonly code: 'expected_purchases';
      readonly points: number;
      /** The customer's expected purchases over the horizon. */
      readonly expected: number;
      /** A typical customer's. */
      readonly typical: number;
      readonly horizonDays: number;
    }
  | {
      readonly code: 'overdue';
      readonly points: number;
      /** Whole days past the usual gap. */
      readonly daysOverdue: number;
      /** The customer's usual gap between purchase days, whole days. */
      readonly usualGapDays: number;
    }
  | {
      readonly code: 'single_purchase';
      readonly points: number;
      /** Days since the one purchase day. */
      readonly daysSince: number;
    }
  | {
      readonly code: 'low_value';
      readonly points: number;
      readonly valueCents: number;
      readonly typicalValueCents: number;
    }
  | {
      readonly code: 'negative_feedback';
      readonly points: number;
      /** The latest negative answer, when the feedback capability says which it was. */
      readonly feedback?: NegativeFeedbackDetail;
    }
  | { readonly code: 'breached_tickets'; readonly points: number; readonly tickets: number }
  | { readonly code: 'engagement_decline'; readonly points: number; readonly percent: number };

export type AtRiskReasonCode = AtRiskReason['code'];

export interface AtRiskScores {
  readonly customerIds: readonly string[];
  /** 0–100, higher = more at risk. */
  readonly scores: Float64Array;
  /** Points each signal added, per customer (they add up to the score). */
  readonly points: Readonly<Record<AtRiskSignal, Float64Array>>;
  /** Per customer, the reasons that added points, largest first, in words. */
  readonly reasons: string[][];
  /** The same reasons as data, in the same order (`reasons[i][k]` words `reasonData[i][k]`). */
  readonly reasonData: AtRiskReason[][];
  /** The weights used, rescaled to add up to 100 over the signals supplied (0 for the others). */
  readonly weights: AtRiskWeights;
  readonly reference: AtRiskReference;
}

function clampUnit(value: number): number {
  return Math.min(1, Math.max(0, value));
}

/** Median of the finite values passing `keep`; null when there is none. O(n log n). */
function medianOf(values: Float64Array, keep: (value: number) => boolean): number | null {
  const known = values.filter((value) => Number.isFinite(value) && keep(value));
  if (known.length === 0) return null;
  // Selection, not a sort: O(n) where sorting a million scores cost a fifth of the at-risk score.
  const middle = known.length >> 1;
  const upper = selectInPlace(known, middle);
  if (known.length % 2 === 1) return upper;
  let lower = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < middle; index++) if (known[index]! > lower) lower = known[index]!;
  return (lower + upper) / 2;
}

/**
 * The k-th smallest of `values` (0-based), moving the k smaller ones before index k (Hoare's
 * quickselect with a median-of-three pivot). O(n) expected.
 */
function selectInPlace(values: Float64Array, k: number): number {
  let low = 0;
  let high = values.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    const [a, b, c] = [values[low]!, values[middle]!, values[high]!];
    const pivot = Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    let left = low;
    let right = high;
    while (left <= right) {
      while (values[left]! < pivot) left++;
      while (values[right]! > pivot) right--;
      if (left <= right) {
        const swap = values[left]!;
        values[left] = values[right]!;
        values[right] = swap;
        left++;
        right--;
      }
    }
    if (k <= right) high = right;
    else if (k >= left) low = left;
    else return values[k]!;
  }
  return values[k]!;
}

function meanOfFinite(values: Float64Array): number | null {
  let sum = 0;
  let count = 0;
  for (const value of values) {
    if (!Number.isFinite(value)) continue;
    sum += value;
    count++;
  }
  return count === 0 ? null : sum / count;
}

/** `relative / (relative + value)`: 1 at value 0, ½ at the reference, → 0 far above it. */
function belowReference(value: number, reference: number): number {
  return value <= 0 ? 1 : reference / (reference + value);
}

/**
 * Each customer's strength on every at-risk signal (docs/models.md, "At-risk score"), all in
 * [0, 1] and non-decreasing in the direction of risk:
 * - expectedPurchases: Ē / (Ē + E), E the customer's expected purchases over the horizon and Ē a
 *   typical customer's (default the mean) — 1 for E = 0, ½ for a typical customer. A ratio, so the
 *   strength follows log E, as purchase rates spread over orders of magnitude;
 * - overdue: 1 − gap / days since the last purchase once that exceeds the usual gap (else 0) — the
 *   share of the absence that is overdue: ½ when away twice the rhythm. Customers with a single
 *   purchase day have no rhythm of their own and are measured against `fallbackGapDays` (default
 *   the median rhythm of the others);
 * - lowValue: Ṽ / (Ṽ + V), V the net value to date and Ṽ a typical customer's (default the median);
 *   1 when V ≤ 0. Not supplied when the typical value is not positive;
 * - negativeFeedback: 1 when given; breachedTickets: min(1, tickets / 2);
 *   engagementDecline: min(1, max(0, −trend)).
 * Unknown values (NaN) get strength 0. A signal is supplied when its column is given (the first
 * three always are; expectedPurchases only when some value is known).
 *
 * Complexity: O(n) plus the sorts of the two medians, O(n log n).
 *
 * @example
 * atRiskSignals({ customerIds: ['a'], expectedPurchases: Float64Array.of(0.1), daysSinceLastOrder: Float64Array.of(60),
 *   typicalGapDays: Float64Array.of(20), valueCents: Float64Array.of(1000) },
 *   { typicalExpectedPurchases: 0.3, typicalValueCents: 3000 })
 * // strengths: expectedPurchases 0.3 / 0.4 = 0.75, overdue 1 − 20/60 = 0.667, lowValue 3000 / 4000 = 0.75
 */
export function atRiskSignals(inputs: AtRiskInputs, options: AtRiskReferenceOptions = {}): AtRiskSignals {
  const count = inputs.customerIds.length;
  const columns: [string, ArrayLike<number> | undefined][] = [
    ['expectedPurchases', inputs.expectedPurchases],
    ['daysSinceLastOrder', inputs.daysSinceLastOrder],
    ['typicalGapDays', inputs.typicalGapDays],
    ['valueCents', inputs.valueCents],
    ['negativeFeedback', inputs.negativeFeedback],
    ['breachedTickets', inputs.breachedTickets],
    ['engagementTrend', inputs.engagementTrend],
  ];
  for (const [name, column] of columns) {
    if (column !== undefined && column.length !== count) {
      throw new RangeError(`${name} has ${column.length} values but there are ${count} customers`);
    }
  }
  const typicalExpected = options.typicalExpectedPurchases ?? meanOfFinite(inputs.expectedPurchases);
  const fallbackGap =
    options.fallbackGapDays === null
      ? null
      : (options.fallbackGapDays ?? medianOf(inputs.typicalGapDays, (gap) => gap > 0));
  const typicalValue = options.typicalValueCents ?? medianOf(inputs.valueCents, () => true);
  if (fallbackGap !== null && !(fallbackGap > 0 && Number.isFinite(fallbackGap)))
    throw new InvalidInputError(`fallbackGapDays must be > 0, got ${fallbackGap}`);
  if (typicalExpected !== null && !(typicalExpected >= 0 && Number.isFinite(typicalExpected)))
    throw new InvalidInputError(`typicalExpectedPurchases must be ≥ 0, got ${typicalExpected}`);

  const strengths = Object.fromEntries(
    AT_RISK_SIGNALS.map((signal) => [signal, new Float64Array(count)]),
  ) as Record<AtRiskSignal, Float64Array>;
  const supplied: Record<AtRiskSignal, boolean> = {
    expectedPurchases: typicalExpected !== null && typicalExpected > 0,
    overdue: true,
    lowValue: typicalValue !== null && typicalValue > 0,
    negativeFeedback: inputs.negativeFeedback !== undefined,
    breachedTickets: inputs.breachedTickets !== undefined,
    engagementDecline: inputs.engagementTrend !== undefined,
  };
  for (let i = 0; i < count; i++) {
    const expected = inputs.expectedPurchases[i]!;
    if (supplied.expectedPurchases && Number.isFinite(expected)) {
      strengths.expectedPurchases[i] = belowReference(expected, typicalExpected!);
    }
    const ownGap = inputs.typicalGapDays[i]!;
    const gap = Number.isFinite(ownGap) && ownGap > 0 ? ownGap : fallbackGap;
    const daysSince = inputs.daysSinceLastOrder[i]!;
    if (gap !== null && Number.isFinite(daysSince) && daysSince > gap) {
      strengths.overdue[i] = 1 - gap / daysSince;
    }
    const value = inputs.valueCents[i]!;
    if (supplied.lowValue && Number.isFinite(value))
      strengths.lowValue[i] = belowReference(value, typicalValue!);
    if (inputs.negativeFeedback?.[i]) strengths.negativeFeedback[i] = 1;
    const tickets = inputs.breachedTickets?.[i] ?? 0;
    if (tickets > 0) strengths.breachedTickets[i] = clampUnit(tickets / BREACHED_TICKETS_SATURATION);
    const trend = inputs.engagementTrend?.[i] ?? Number.NaN;
    if (trend < 0) strengths.engagementDecline[i] = clampUnit(-trend);
  }
  return {
    customerIds: inputs.customerIds,
    strengths,
    supplied,
    reference: {
      typicalExpectedPurchases: typicalExpected,
      fallbackGapDays: fallbackGap,
      typicalValueCents: typicalValue,
    },
  };
}

/**
 * `weights` restricted to the supplied signals and rescaled to add up to 100 (0 for the others).
 * Throws a RangeError for a negative or non-finite weight, or when the supplied ones add up to 0.
 */
export function rescaleAtRiskWeights(
  weights: AtRiskWeights,
  supplied: Readonly<Record<AtRiskSignal, boolean>>,
): AtRiskWeights {
  let total = 0;
  for (const signal of AT_RISK_SIGNALS) {
    const weight = weights[signal];
    if (!(Number.isFinite(weight) && weight >= 0))
      throw new InvalidInputError(`weight ${signal} must be ≥ 0, got ${weight}`);
    if (supplied[signal]) total += weight;
  }
  if (!(total > 0)) throw new InvalidInputError('The weights of the supplied signals add up to 0');
  return Object.fromEntries(
    AT_RISK_SIGNALS.map((signal) => [signal, supplied[signal] ? (weights[signal] * 100) / total : 0]),
  ) as unknown as AtRiskWeights;
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** Expected purchases in words: two significant digits below 1 ("0.062"), one decimal above. */
function formatExpected(value: number): string {
  if (value >= 1) return value.toFixed(1);
  if (value === 0) return '0';
  return String(Number(value.toPrecision(2)));
}

/** The reasons of every customer when they are not written (`reasons: false`): shared, frozen. */
const NO_REASONS = Object.freeze([]) as unknown as string[];

/** Cents as "1,234.56" (by hand: `toLocaleString` would cost more than the whole score). */
function formatMoney(cents: number): string {
  const rounded = Math.round(Math.abs(cents));
  const units = String(Math.floor(rounded / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${cents < 0 && rounded > 0 ? '−' : ''}${units}.${String(rounded % 100).padStart(2, '0')}`;
}

/**
 * The at-risk score: 0–100 (higher = more at risk), always with its reasons in words.
 * score = Σ w_s × strength_s over the signals supplied (`atRiskSignals`), the weights of the
 * supplied signals rescaled to add up to 100, so a workspace without support data still has the
 * full range. Because every strength is non-decreasing in its direction of risk and the weights
 * are ≥ 0, the score never decreases when expected purchases or value fall or the absence grows.
 *
 * Reasons, largest contribution first, for each signal that adds at least `minimumReasonPoints`
 * and on which the customer is worse than the reference:
 * "expected to buy 0.02 times in the next 90 days, against 0.27 for a typical customer",
 * "42 days past their usual 20-day rhythm", "one purchase, 180 days ago",
 * "spent 12.00 to date, against 35.96 for a typical customer", "gave negative feedback",
 * "2 open tickets breaching their SLA", "engagement down 40 %".
 *
 * Complexity: O(n) plus `atRiskSignals`.
 *
 * @example
 * atRiskScores({ customerIds: ['a'], expectedPurchases: Float64Array.of(0.1), daysSinceLastOrder: Float64Array.of(60),
 *   typicalGapDays: Float64Array.of(20), valueCents: Float64Array.of(1000) }, DEFAULT_AT_RISK_WEIGHTS,
 *   { typicalExpectedPurchases: 0.3, typicalValueCents: 3000 })
 * // weights 62.5 / 18.75 / 18.75 → 62.5·0.75 + 18.75·(2/3) + 18.75·0.75 = 73.44
 */
export function atRiskScores(
  inputs: AtRiskInputs,
  weights: AtRiskWeights = DEFAULT_AT_RISK_WEIGHTS,
  options: AtRiskScoreOptions = {},
): AtRiskScores {
  const signals = atRiskSignals(inputs, options);
  const used = rescaleAtRiskWeights(weights, signals.supplied);
  const horizonDays = options.horizonDays ?? 90;
  const minimumReasonPoints = options.minimumReasonPoints ?? 1;
  const withReasons = options.reasons ?? true;
  const { typicalExpectedPurchases, typicalValueCents } = signals.reference;
  const count = inputs.customerIds.length;
  const points = Object.fromEntries(
    AT_RISK_SIGNALS.map((signal) => [signal, new Float64Array(count)]),
  ) as Record<AtRiskSignal, Float64Array>;
  const scores = new Float64Array(count);
  const reasons: string[][] = new Array(count);
  const reasonData: AtRiskReason[][] = new Array(count);
  const signalCount = AT_RISK_SIGNALS.length;
  const customerPoints = new Float64Array(signalCount);
  const listed: number[] = [];
  for (let i = 0; i < count; i++) {
    let score = 0;
    for (let s = 0; s < signalCount; s++) {
      const signal = AT_RISK_SIGNALS[s]!;
      const added = used[signal] * signals.strengths[signal][i]!;
      points[signal][i] = added;
      customerPoints[s] = added;
      score += added;
    }
    scores[i] = Math.min(100, score);
    if (!withReasons) {
      reasons[i] = NO_REASONS;
      continue;
    }
    listed.length = 0;
    for (let s = 0; s < signalCount; s++) {
      if (customerPoints[s]! > 0 && customerPoints[s]! >= minimumReasonPoints) listed.push(s);
    }
    listed.sort((a, b) => customerPoints[b]! - customerPoints[a]! || a - b);
    const texts: string[] = [];
    const data: AtRiskReason[] = [];
    for (const s of listed) {
      const reason = reasonFor(AT_RISK_SIGNALS[s]!, i, customerPoints[s]!);
      if (reason === null) continue;
      data.push(reason);
      texts.push(describeAtRiskReason(reason));
    }
    reasons[i] = texts;
    reasonData[i] = data;
  }
  return {
    customerIds: inputs.customerIds,
    scores,
    points,
    reasons,
    reasonData,
    weights: used,
    reference: signals.reference,
  };

  /** The reason for `signal`, or null when the customer is not worse than the reference on it. */
  function reasonFor(signal: AtRiskSignal, i: number, added: number): AtRiskReason | null {
    switch (signal) {
      case 'expectedPurchases': {
        const expected = inputs.expectedPurchases[i]!;
        if (!(expected < typicalExpectedPurchases!)) return null;
        return {
          code: 'expected_purchases',
          points: added,
          expected,
          typical: typicalExpectedPurchases!,
          horizonDays,
        };
      }
      case 'overdue': {
        const daysSince = inputs.daysSinceLastOrder[i]!;
        const ownGap = inputs.typicalGapDays[i]!;
        if (Number.isFinite(ownGap) && ownGap > 0) {
          return {
            code: 'overdue',
            points: added,
            daysOverdue: Math.round(daysSince - ownGap),
            usualGapDays: Math.round(ownGap),
          };
        }
        return { code: 'single_purchase', points: added, daysSince };
      }
      case 'lowValue': {
        const value = inputs.valueCents[i]!;
        if (!(value < typicalValueCents!)) return null;
        return { code: 'low_value', points: added, valueCents: value, typicalValueCents: typicalValueCents! };
      }
      case 'negativeFeedback': {
        const feedback = inputs.negativeFeedbackDetails?.get(inputs.customerIds[i]!);
        return feedback === undefined
          ? { code: 'negative_feedback', points: added }
          : { code: 'negative_feedback', points: added, feedback };
      }
      case 'breachedTickets':
        return { code: 'breached_tickets', points: added, tickets: inputs.breachedTickets![i]! };
      case 'engagementDecline':
        return {
          code: 'engagement_decline',
          points: added,
          percent: Math.round(clampUnit(-inputs.engagementTrend![i]!) * 100),
        };
    }
  }
}

/**
 * An at-risk reason in English words — the text `atRiskScores` lists in `reasons`:
 * "expected to buy 0.02 times in the next 90 days, against 0.27 for a typical customer",
 * "42 days past their usual 20-day rhythm", "one purchase, 180 days ago",
 * "spent 12.00 to date, against 35.96 for a typical customer", "gave negative feedback",
 * "2 open tickets breaching their SLA", "engagement down 40 %". O(1).
 *
 * @example describeAtRiskReason({ code: 'single_purchase', points: 12, daysSince: 180 }) // "one purchase, 180 days ago"
 */
export function describeAtRiskReason(reason: AtRiskReason): string {
  switch (reason.code) {
    case 'expected_purchases':
      return `expected to buy ${formatExpected(reason.expected)} times in the next ${reason.horizonDays} days, against ${formatExpected(reason.typical)} for a typical customer`;
    case 'overdue':
      return `${plural(reason.daysOverdue, 'day', 'days')} past their usual ${reason.usualGapDays}-day rhythm`;
    case 'single_purchase':
      return `one purchase, ${plural(reason.daysSince, 'day', 'days')} ago`;
    case 'low_value':
      return `spent ${formatMoney(reason.valueCents)} to date, against ${formatMoney(reason.typicalValueCents)} for a typical customer`;
    case 'negative_feedback':
      return describeNegativeFeedback(reason.feedback);
    case 'breached_tickets':
      return `${plural(reason.tickets, 'open ticket', 'open tickets')} breaching ${reason.tickets === 1 ? 'its' : 'their'} SLA`;
    case 'engagement_decline':
      return `engagement down ${reason.percent} %`;
  }
}

/**
 * A negative answer in words: "rated the last request not satisfied" (CSAT, satisfied / not),
 * "rated the last request 2 out of 5" (CSAT 1–5), "gave an NPS of 3"; without the answer, "gave
 * negative feedback".
 */
function describeNegativeFeedback(feedback: NegativeFeedbackDetail | undefined): string {
  if (feedback === undefined) return 'gave negative feedback';
  if (feedback.kind === 'nps') return `gave an NPS of ${feedback.rating}`;
  return feedback.scale === 'binary'
    ? 'rated the last request not satisfied'
    : `rated the last request ${feedback.rating} out of 5`;
}

/**
 * Ranking quality of at-risk scores against what happened next: the AUC of `scores` for the
 * customers who then churned (a time split: score as of t₀, label = no purchase in (t₀, t₁]).
 * 0.5 is no better than chance, 1 a perfect ranking; `null` when everyone or no one churned.
 * O(n log n).
 *
 * @example
 * evaluateAtRisk(Float64Array.of(90, 20, 60), Uint8Array.of(1, 0, 0)) // 1
 */
export function evaluateAtRisk(
  scores: ArrayLike<number>,
  churnedLabels: ArrayLike<number | boolean>,
): number | null {
  return auc(scores, churnedLabels);
}
