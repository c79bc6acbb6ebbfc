import { auc } from './auc.js';

/**
 * Points each signal can add to the at-risk score (metrics.md §7). Each signal is first mapped to
 * a strength in [0, 1]; the score is Σ weight × strength over the signals supplied, rescaled so the
 * supplied weights add up to 100.
 */
export interface AtRiskWeights {
  /** × (1 − P(alive)). */
  readonly inactivity: number;
  /** × min(1, days overdue / (2 × the customer's usual gap)): full when away three times their rhythm. */
  readonly overdue: number;
  /** × 1 when the customer gave negative feedback (CSAT "not satisfied", NPS ≤ 6). */
  readonly negativeFeedback: number;
  /** × min(1, open tickets breaching their SLA / 2): full from two tickets. */
  readonly breachedTickets: number;
  /** × min(1, max(0, −engagement trend)): full when engagement fell by 100 %. */
  readonly engagementDecline: number;
}

/**
 * Default weights, out of 100. P(alive) and the purchase rhythm exist for every customer with an
 * order and carry most of the weight (40 + 30); feedback, SLA breaches and engagement are sparse but
 * direct signals of dissatisfaction (10 each). Their ranking quality on a workspace's own history
 * is what `evaluateAtRisk` reports; tune them when it is poor.
 */
export const DEFAULT_AT_RISK_WEIGHTS: AtRiskWeights = Object.freeze({
  inactivity: 40,
  overdue: 30,
  negativeFeedback: 10,
  breachedTickets: 10,
  engagementDecline: 10,
});

/** Overdue strength saturates at this many usual gaps past due. */
export const OVERDUE_SATURATION_GAPS = 2;
/** Breached-ticket strength saturates at this many tickets. */
export const BREACHED_TICKETS_SATURATION = 2;

export interface AtRiskInputs {
  readonly customerIds: readonly string[];
  /** P(alive) from BG/NBD (metrics.md §5); NaN when unknown (the signal then adds nothing). */
  readonly pAlive: Float64Array;
  /** Whole days since the last order; NaN for a customer without orders. */
  readonly daysSinceLastOrder: Float64Array;
  /** The customer's own median inter-purchase gap in days; NaN when unknown (fewer than 2 purchase days). */
  readonly typicalGapDays: Float64Array;
  /** 1 when the customer gave negative feedback in the window. */
  readonly negativeFeedback?: Uint8Array;
  /** Number of the customer's open tickets breaching their SLA. */
  readonly breachedTickets?: Uint8Array;
  /** Relative change of engagement, e.g. −0.4 for −40 % (NaN when unknown). */
  readonly engagementTrend?: Float64Array;
}

export interface AtRiskOptions {
  /** A reason is listed only when it adds at least this many points. Default 1. */
  readonly minimumReasonPoints?: number;
  /**
   * Rhythm assumed for customers without one of their own (a single purchase day): default the
   * median of the known `typicalGapDays`; `null` to give such customers no overdue points.
   */
  readonly fallbackGapDays?: number | null;
}

export interface AtRiskScores {
  readonly customerIds: readonly string[];
  /** 0–100, higher = more at risk. */
  readonly scores: Float64Array;
  /** Per customer, the reasons that added points, largest first. */
  readonly reasons: string[][];
  /** The weights used, rescaled to add up to 100 over the signals supplied. */
  readonly weights: AtRiskWeights;
  /** The rhythm used for customers without their own (null when none). */
  readonly fallbackGapDays: number | null;
}

type Signal = keyof AtRiskWeights;
const SIGNALS: readonly Signal[] = [
  'inactivity',
  'overdue',
  'negativeFeedback',
  'breachedTickets',
  'engagementDecline',
];

function clampUnit(value: number): number {
  return Math.min(1, Math.max(0, value));
}

function medianOfPositive(values: Float64Array): number | null {
  const known = values.filter((value) => Number.isFinite(value) && value > 0).sort();
  if (known.length === 0) return null;
  const middle = known.length >> 1;
  return known.length % 2 === 1 ? known[middle]! : (known[middle - 1]! + known[middle]!) / 2;
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/**
 * The at-risk score of metrics.md §7: 0–100 (higher = more at risk), always with its reasons.
 *
 * Signals and their strength in [0, 1]:
 * - inactivity: 1 − P(alive) — "P(alive) fell to 18 %";
 * - overdue: d = days since last order − usual gap; strength min(1, d / (2 × gap)) —
 *   "42 days past their usual 20-day rhythm". Customers with a single purchase day have no rhythm
 *   of their own and are measured against `fallbackGapDays` (default: the median rhythm of the
 *   others) — BG/NBD gives them P(alive) = 1, so without this a one-time buyer gone for a year would
 *   look safe;
 * - negative feedback: 1 — "gave negative feedback";
 * - SLA breaches: min(1, tickets / 2) — "2 open tickets breaching their SLA";
 * - engagement: min(1, max(0, −trend)) — "engagement down 40 %".
 * score = Σ w_s × strength_s with the weights of the supplied signals rescaled to sum to 100 (a
 * workspace without support data still has a full 0–100 range). Unknown values (NaN) add nothing.
 * Every strength is non-decreasing in its risk direction, so the score never decreases when
 * P(alive) falls or overdue days grow.
 *
 * Complexity: O(n) plus one sort of the known gaps for the fallback.
 *
 * @example
 * atRiskScores({ customerIds: ['a'], pAlive: Float64Array.of(0.18), daysSinceLastOrder: Float64Array.of(62),
 *   typicalGapDays: Float64Array.of(20) })
 * // scores [ (40·0.82 + 30·1) / 70 × 100 = 89.71 ], reasons [['P(alive) fell to 18 %', '42 days past their usual 20-day rhythm']]
 */
export function atRiskScores(
  inputs: AtRiskInputs,
  weights: AtRiskWeights = DEFAULT_AT_RISK_WEIGHTS,
  options: AtRiskOptions = {},
): AtRiskScores {
  const count = inputs.customerIds.length;
  const columns: [string, ArrayLike<number> | undefined][] = [
    ['pAlive', inputs.pAlive],
    ['daysSinceLastOrder', inputs.daysSinceLastOrder],
    ['typicalGapDays', inputs.typicalGapDays],
    ['negativeFeedback', inputs.negativeFeedback],
    ['breachedTickets', inputs.breachedTickets],
    ['engagementTrend', inputs.engagementTrend],
  ];
  for (const [name, column] of columns) {
    if (column !== undefined && column.length !== count) {
      throw new RangeError(`${name} has ${column.length} values but there are ${count} customers`);
    }
  }
  const supplied: Record<Signal, boolean> = {
    inactivity: true,
    overdue: true,
    negativeFeedback: inputs.negativeFeedback !== undefined,
    breachedTickets: inputs.breachedTickets !== undefined,
    engagementDecline: inputs.engagementTrend !== undefined,
  };
  let totalWeight = 0;
  for (const signal of SIGNALS) {
    const weight = weights[signal];
    if (!(Number.isFinite(weight) && weight >= 0))
      throw new RangeError(`weight ${signal} must be ≥ 0, got ${weight}`);
    if (supplied[signal]) totalWeight += weight;
  }
  if (!(totalWeight > 0)) throw new RangeError('The weights of the supplied signals add up to 0');
  const used = Object.fromEntries(
    SIGNALS.map((signal) => [signal, supplied[signal] ? (weights[signal] * 100) / totalWeight : 0]),
  ) as unknown as AtRiskWeights;

  const minimumReasonPoints = options.minimumReasonPoints ?? 1;
  const fallback =
    options.fallbackGapDays === null
      ? null
      : (options.fallbackGapDays ?? medianOfPositive(inputs.typicalGapDays));
  if (fallback !== null && !(fallback > 0))
    throw new RangeError(`fallbackGapDays must be > 0, got ${fallback}`);

  const scores = new Float64Array(count);
  const reasons: string[][] = new Array(count);
  const points = new Float64Array(SIGNALS.length);
  const texts: string[] = new Array(SIGNALS.length);
  for (let i = 0; i < count; i++) {
    points.fill(0);
    const pAlive = inputs.pAlive[i]!;
    if (!Number.isNaN(pAlive)) {
      const bounded = clampUnit(pAlive);
      points[0] = used.inactivity * (1 - bounded);
      texts[0] = `P(alive) fell to ${Math.round(bounded * 100)} %`;
    }
    const ownGap = inputs.typicalGapDays[i]!;
    const hasOwnGap = Number.isFinite(ownGap) && ownGap > 0;
    const gap = hasOwnGap ? ownGap : fallback;
    const daysSince = inputs.daysSinceLastOrder[i]!;
    if (gap !== null && Number.isFinite(daysSince)) {
      const overdueDays = daysSince - gap;
      if (overdueDays > 0) {
        points[1] = used.overdue * clampUnit(overdueDays / (OVERDUE_SATURATION_GAPS * gap));
        const rhythm = `${Math.round(gap)}-day rhythm`;
        texts[1] = `${plural(Math.round(overdueDays), 'day', 'days')} past ${hasOwnGap ? `their usual ${rhythm}` : `the usual ${rhythm} of repeat customers`}`;
      }
    }
    if (inputs.negativeFeedback?.[i]) {
      points[2] = used.negativeFeedback;
      texts[2] = 'gave negative feedback';
    }
    const tickets = inputs.breachedTickets?.[i] ?? 0;
    if (tickets > 0) {
      points[3] = used.breachedTickets * clampUnit(tickets / BREACHED_TICKETS_SATURATION);
      texts[3] = `${plural(tickets, 'open ticket', 'open tickets')} breaching ${tickets === 1 ? 'its' : 'their'} SLA`;
    }
    const trend = inputs.engagementTrend?.[i] ?? Number.NaN;
    if (trend < 0) {
      const decline = clampUnit(-trend);
      points[4] = used.engagementDecline * decline;
      texts[4] = `engagement down ${Math.round(decline * 100)} %`;
    }

    let score = 0;
    const listed: number[] = [];
    for (let s = 0; s < SIGNALS.length; s++) {
      score += points[s]!;
      if (points[s]! > 0 && points[s]! >= minimumReasonPoints) listed.push(s);
    }
    listed.sort((a, b) => points[b]! - points[a]! || a - b);
    scores[i] = Math.min(100, score);
    reasons[i] = listed.map((s) => texts[s]!);
  }
  return { customerIds: inputs.customerIds, scores, reasons, weights: used, fallbackGapDays: fallback };
}

/**
 * Ranking quality of at-risk scores against what happened next: the AUC of `scores` for the
 * customers who then churned (metrics.md §7 asks for it on a time split: score as of t₀, label =
 * churned by t₁). 0.5 is no better than chance, 1 a perfect ranking; `null` when everyone or no one
 * churned. O(n log n).
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
