import { fail, ok, type Result } from '../result.js';
import {
  AT_RISK_SIGNALS,
  type AtRiskSignals,
  type AtRiskWeights,
  DEFAULT_AT_RISK_WEIGHTS,
  ORDER_HISTORY_SIGNALS,
  type OrderHistorySignal,
} from './at-risk-score.js';
import { auc } from './auc.js';
import { trainLogistic } from './logistic-regression.js';

/** Weights of the order-history signals learned from a workspace's own past. */
export interface LearnedAtRiskWeights {
  /** Points at full strength, adding up to 100 over the order-history signals. */
  readonly weights: Readonly<Record<OrderHistorySignal, number>>;
  /** The logistic regression's coefficients (log-odds of "did not buy" per unit of strength); 0 when dropped. */
  readonly coefficients: Readonly<Record<OrderHistorySignal, number>>;
  readonly intercept: number;
  /** Signals left out because their fitted effect ran against risk (a negative coefficient). */
  readonly dropped: readonly OrderHistorySignal[];
  /** AUC of Σ weight × strength for the labels it was learned from (in-sample). */
  readonly auc: number | null;
}

export interface LearnAtRiskWeightsOptions {
  /** L2 penalty of the logistic regression (`trainLogistic`). Default 1. */
  readonly l2?: number;
}

/**
 * Learns the at-risk weights of the order-history signals (expected purchases, overdue, low value)
 * from labelled history: an L2 logistic regression (`trainLogistic`) of "did not buy in the
 * window" on the signals' strengths at the window's start, with the strengths as they are (in
 * [0, 1], not standardised), so a coefficient is the log-odds a signal adds at full strength.
 * The score is linear in the strengths, so weights proportional to the coefficients rank customers
 * exactly as the fitted model does: weights = 100 × β / Σβ.
 *
 * A point score needs weights ≥ 0 (a signal that lowered the risk would make the reasons lie), so
 * a signal whose coefficient comes out negative — its information already carried by the others —
 * is dropped and the model refitted, until every coefficient is ≥ 0 (an active-set loop, at most
 * three fits). Only supplied signals take part.
 *
 * Expected failures are values: the logistic regression's (`single-class`, …), and
 * `no-risk-signal` when no signal keeps a positive coefficient.
 *
 * Complexity: up to three Newton fits of O(iterations × n × k²), k ≤ 3.
 *
 * @example
 * // strengths a: [1, 1, 0, 0], labels [1, 1, 0, 0] → all weight on the one informative signal
 */
export function learnAtRiskWeights(
  signals: AtRiskSignals,
  didNotBuy: Uint8Array,
  options: LearnAtRiskWeightsOptions = {},
): Result<LearnedAtRiskWeights> {
  const rows = signals.customerIds.length;
  if (didNotBuy.length !== rows)
    throw new RangeError(`There are ${rows} customers but ${didNotBuy.length} labels`);
  let active: OrderHistorySignal[] = ORDER_HISTORY_SIGNALS.filter((signal) => signals.supplied[signal]);
  const dropped: OrderHistorySignal[] = [];
  while (active.length > 0) {
    const width = active.length;
    const values = new Float64Array(rows * width);
    for (let feature = 0; feature < width; feature++) {
      const strengths = signals.strengths[active[feature]!];
      for (let row = 0; row < rows; row++) values[row * width + feature] = strengths[row]!;
    }
    const fitted = trainLogistic({ rows, width, values, featureNames: active }, didNotBuy, {
      l2: options.l2 ?? 1,
    });
    if (!fitted.ok) return fitted;
    const { coefficients, intercept } = fitted.value;
    let mostNegative = -1;
    for (let feature = 0; feature < width; feature++) {
      if (
        coefficients[feature]! < 0 &&
        (mostNegative < 0 || coefficients[feature]! < coefficients[mostNegative]!)
      )
        mostNegative = feature;
    }
    if (mostNegative >= 0) {
      dropped.push(active[mostNegative]!);
      active = active.filter((_, feature) => feature !== mostNegative);
      continue;
    }
    let total = 0;
    for (const coefficient of coefficients) total += coefficient;
    if (!(total > 0)) break;
    const weights = { expectedPurchases: 0, overdue: 0, lowValue: 0 };
    const byName = { expectedPurchases: 0, overdue: 0, lowValue: 0 };
    active.forEach((signal, feature) => {
      weights[signal] = (100 * coefficients[feature]!) / total;
      byName[signal] = coefficients[feature]!;
    });
    const scores = new Float64Array(rows);
    for (const signal of active) {
      const strengths = signals.strengths[signal];
      const weight = weights[signal];
      for (let row = 0; row < rows; row++) scores[row]! += weight * strengths[row]!;
    }
    return ok({ weights, coefficients: byName, intercept, dropped, auc: auc(scores, didNotBuy) });
  }
  return fail({
    code: 'no-risk-signal',
    message:
      'No order-history signal made not buying more likely once the others were known: there is nothing to weight.',
    details: { dropped },
  });
}

/**
 * The full weights with learned order-history weights in place: the order-history signals share
 * the points their defaults hold together (80 of 100 by default) in the learned proportions; the
 * other signals, which have no history to learn from yet, keep their defaults. O(1).
 *
 * @example
 * withLearnedWeights({ expectedPurchases: 75, overdue: 0, lowValue: 25 })
 * // { expectedPurchases: 60, overdue: 0, lowValue: 20, negativeFeedback: 10, breachedTickets: 5, engagementDecline: 5 }
 */
export function withLearnedWeights(
  learned: Readonly<Record<OrderHistorySignal, number>>,
  defaults: AtRiskWeights = DEFAULT_AT_RISK_WEIGHTS,
): AtRiskWeights {
  let orderShare = 0;
  let learnedTotal = 0;
  for (const signal of ORDER_HISTORY_SIGNALS) {
    orderShare += defaults[signal];
    learnedTotal += learned[signal];
  }
  if (!(learnedTotal > 0)) throw new RangeError('The learned weights add up to 0');
  const isOrderSignal = (signal: string): signal is OrderHistorySignal =>
    (ORDER_HISTORY_SIGNALS as readonly string[]).includes(signal);
  return Object.fromEntries(
    AT_RISK_SIGNALS.map((signal) => [
      signal,
      isOrderSignal(signal) ? (orderShare * learned[signal]) / learnedTotal : defaults[signal],
    ]),
  ) as unknown as AtRiskWeights;
}
