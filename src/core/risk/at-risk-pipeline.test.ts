import { describe, expect, it } from 'vitest';
import { dollarsToCents, loadCdnowSampleTransactions } from '../../../test/support/fixtures.js';
import { BgNbd } from '../clv/bg-nbd.js';
import { historicalValue } from '../clv/historical-value.js';
import { MbgNbd } from '../clv/mbg-nbd.js';
import { ParetoNbd } from '../clv/pareto-nbd.js';
import { summarizeColumns } from '../clv/summarize.js';
import type { TransactionModel } from '../clv/transaction-model.js';
import { type OrderRecord, orderTableFromRecords } from '../data/order-table.js';
import { InvalidInputError } from '../input-error.js';
import { analyzeAtRisk, atRiskCustomer } from './at-risk-pipeline.js';
import {
  atRiskScores,
  atRiskSignals,
  DEFAULT_AT_RISK_WEIGHTS,
  rescaleAtRiskWeights,
} from './at-risk-score.js';
import { learnAtRiskWeights, withLearnedWeights } from './at-risk-weights.js';
import { purchaseRhythm } from './purchase-rhythm.js';

const DAY = 86_400_000;
const transactions = loadCdnowSampleTransactions();
/** The CDNOW sample as orders at UTC midnight of their date, shifted by `offsetMs`. */
function sampleOrders(offsetMs = 0): OrderRecord[] {
  return transactions.map((transaction) => ({
    customerId: transaction.customerId,
    orderedAt: Date.parse(`${transaction.date}T00:00:00Z`) + offsetMs,
    amountCents: dollarsToCents(transaction.dollars),
  }));
}
const sample = orderTableFromRecords(sampleOrders());
const asOf = Date.UTC(1997, 8, 30, 12); // inside 1997-09-30

function modelFor(name: string, params: Readonly<Record<string, number>>): TransactionModel {
  const p = params as never;
  return name === 'bgnbd'
    ? BgNbd.fromParams(p)
    : name === 'mbgnbd'
      ? MbgNbd.fromParams(p)
      : ParetoNbd.fromParams(p);
}

/** The inputs of `atRiskScores` for the customers with an order by `day`, built step by step here. */
function inputsAt(day: number, model: TransactionModel, horizonDays: number) {
  const summary = summarizeColumns(sample, {
    calibrationEnd: day * DAY,
    observationEnd: asOf,
    timeUnit: 'week',
  });
  // Every sample order is at midnight, so 1 ms past midnight of `day` counts them all, with `day` as day 0.
  const rhythm = purchaseRhythm(sample, { asOf: day * DAY + 1 });
  const value = historicalValue(sample, { asOf: (day + 1) * DAY });
  const index = summary.ids.map((id) => sample.customerIds.indexOf(id));
  return {
    summary,
    inputs: {
      customerIds: summary.ids,
      expectedPurchases: Float64Array.from(summary.ids, (_, row) =>
        model.conditionalExpectedPurchases(
          horizonDays / 7,
          summary.frequency[row]!,
          summary.recency[row]!,
          summary.T[row]!,
        ),
      ),
      daysSinceLastOrder: Float64Array.from(index, (customer) => rhythm.daysSinceLastOrder[customer]!),
      typicalGapDays: Float64Array.from(index, (customer) => rhythm.typicalGapDays[customer]!),
      valueCents: Float64Array.from(index, (customer) => value.valueCents[customer]!),
    },
  };
}

describe('analyzeAtRisk on the CDNOW sample as of 1997-09-30', () => {
  const result = analyzeAtRisk(sample, { asOf });
  if (!result.ok) throw new Error(result.error.message);
  const analysis = result.value;
  const asOfDay = Date.UTC(1997, 8, 30) / DAY;
  const cutoffDay = asOfDay - 90;

  it('learns the weights on the split ending 90 days earlier, with the model that ranked it best', () => {
    const split = analysis.weights.trainingSplit!;
    expect(split).toMatchObject({ cutoff: '1997-07-02', from: '1997-07-03', to: '1997-09-30' });
    // Recounted from the transactions: customers who bought by 1997-07-02, and those of them
    // without a purchase in 1997-07-03 … 1997-09-30.
    const known = new Set(transactions.filter((t) => t.date <= '1997-07-02').map((t) => t.customerId));
    const bought = new Set(
      transactions.filter((t) => t.date > '1997-07-02' && t.date <= '1997-09-30').map((t) => t.customerId),
    );
    expect(split.customers).toBe(known.size);
    expect(split.didNotBuy).toBe([...known].filter((id) => !bought.has(id)).length);

    const model = analysis.model!;
    const best = Math.max(...model.candidates.map((candidate) => candidate.trainingSplitAuc ?? -1));
    expect(model.candidates.find((candidate) => candidate.name === model.name)!.trainingSplitAuc).toBe(best);
    expect(model.chosenBy).toBe('training-split-auc');

    // The same weights, learned again here from the chosen model refitted at the cutoff.
    const atCutoff = summarizeColumns(sample, { calibrationEnd: cutoffDay * DAY, timeUnit: 'week' });
    const refit =
      model.name === 'paretonbd'
        ? ParetoNbd.fit(atCutoff)
        : model.name === 'mbgnbd'
          ? MbgNbd.fit(atCutoff)
          : BgNbd.fit(atCutoff);
    if (!refit.ok) throw new Error('the cutoff fit should succeed');
    const { summary, inputs } = inputsAt(cutoffDay, refit.value, 90);
    const labels = Uint8Array.from(summary.holdoutFrequency!, (purchases) => (purchases === 0 ? 1 : 0));
    const learned = learnAtRiskWeights(atRiskSignals(inputs), labels);
    if (!learned.ok) throw new Error('learning should succeed');
    expect(analysis.weights.source).toBe('learned');
    const expected = rescaleAtRiskWeights(
      withLearnedWeights(learned.value.weights),
      atRiskSignals(inputs).supplied,
    );
    for (const [signal, weight] of Object.entries(expected)) {
      expect(analysis.weights.signals[signal as keyof typeof expected]).toBeCloseTo(weight, 6);
    }
    expect(split.learnedAuc).toBeCloseTo(learned.value.auc!, 6);
  });

  it('scores every customer with an order by as-of exactly as atRiskScores on inputs built by hand', () => {
    const model = modelFor(analysis.model!.name, analysis.model!.params);
    const { summary, inputs } = inputsAt(asOfDay, model, 90);
    const expected = atRiskScores(inputs, analysis.weights.signals, { horizonDays: 90 });
    expect(analysis.customers.length).toBe(summary.length);
    expect(analysis.customers.ids).toEqual(summary.ids);
    for (let row = 0; row < summary.length; row++) {
      expect(analysis.customers.scores[row]).toBeCloseTo(expected.scores[row]!, 9);
      expect(analysis.customers.reasons[row]).toEqual(expected.reasons[row]);
    }
    expect(analysis.reference).toEqual(expected.reference);
  });

  it('evaluates against who bought nothing afterwards and ranks most at risk first', () => {
    const later = new Set(transactions.filter((t) => t.date > '1997-09-30').map((t) => t.customerId));
    expect(analysis.evaluation).toMatchObject({
      from: '1997-10-01',
      to: '1998-06-30',
      churned: analysis.customers.ids.filter((id) => !later.has(id)).length,
    });
    const { ranking, customers } = analysis;
    for (let position = 1; position < ranking.length; position++) {
      const before = ranking[position - 1]!;
      const after = ranking[position]!;
      const order = customers.scores[before]! - customers.scores[after]!;
      expect(order > 0 || (order === 0 && customers.ids[before]! < customers.ids[after]!)).toBe(true);
    }
    const top = atRiskCustomer(analysis, ranking[0]!);
    expect(top.score).toBe(customers.scores[ranking[0]!]);
    expect(top.value).toBe(customers.valueCents[ranking[0]!]! / 100);
    expect(() => atRiskCustomer(analysis, customers.length)).toThrow(RangeError);
  });

  it('gives the same scores for the same local days in another time zone', () => {
    // Every order moved to 05:00 UTC (midnight EST, 01:00 EDT): the same New York dates.
    const shifted = orderTableFromRecords(sampleOrders(5 * 3_600_000));
    const inNewYork = analyzeAtRisk(shifted, { asOf: asOf + 5 * 3_600_000, timeZone: 'America/New_York' });
    if (!inNewYork.ok) throw new Error(inNewYork.error.message);
    expect(inNewYork.value.asOf).toBe('1997-09-30');
    expect(inNewYork.value.weights.signals).toEqual(analysis.weights.signals);
    for (let row = 0; row < analysis.customers.length; row++) {
      expect(inNewYork.value.customers.scores[row]).toBeCloseTo(analysis.customers.scores[row]!, 12);
    }
  });

  it('adds the extra signals when supplied, at their default weights beside the learned ones', () => {
    const negativeFeedback = new Uint8Array(sample.customerIds.length);
    const flagged = sample.customerIds.indexOf(analysis.customers.ids[0]!);
    negativeFeedback[flagged] = 1;
    const withFeedback = analyzeAtRisk(sample, { asOf, extraSignals: { negativeFeedback } });
    if (!withFeedback.ok) throw new Error(withFeedback.error.message);
    // Order signals share 80 points, feedback 10: supplied total 90, feedback → 100 × 10 / 90.
    expect(withFeedback.value.weights.signals.negativeFeedback).toBeCloseTo(1000 / 90, 10);
    expect(withFeedback.value.customers.points.negativeFeedback[0]).toBeCloseTo(1000 / 90, 10);
    expect(withFeedback.value.customers.reasons[0]).toContain('gave negative feedback');
    expect(withFeedback.value.customers.points.negativeFeedback[1]).toBe(0);
    expect(() =>
      analyzeAtRisk(sample, { asOf, extraSignals: { negativeFeedback: Uint8Array.of(1) } }),
    ).toThrow(RangeError);
  });
});

describe('analyzeAtRisk fallbacks', () => {
  it('uses the default weights and the most likely model when the history is too short to learn from', () => {
    // As of 1997-04-30 the cutoff is 1997-01-30, less than 90 days after the first order.
    const early = analyzeAtRisk(sample, { asOf: Date.UTC(1997, 3, 30) });
    if (!early.ok) throw new Error(early.error.message);
    expect(early.value.weights.source).toBe('default');
    expect(early.value.weights.trainingSplit).toBeNull();
    expect(early.value.weights.defaultReason).toMatch(
      /^less than 90 days of orders before the learning cutoff 1997-01-30/,
    );
    expect(early.value.weights.signals).toEqual(
      rescaleAtRiskWeights(DEFAULT_AT_RISK_WEIGHTS, {
        expectedPurchases: true,
        overdue: true,
        lowValue: true,
        negativeFeedback: false,
        breachedTickets: false,
        engagementDecline: false,
      }),
    );
    const model = early.value.model!;
    expect(model.chosenBy).toBe('log-likelihood');
    const fitted = model.candidates.filter((candidate) => candidate.logLikelihood !== null);
    expect(model.logLikelihood).toBe(Math.max(...fitted.map((candidate) => candidate.logLikelihood!)));
    // Pareto/NBD drifts along s, β → ∞ on these four months and is stopped (pareto-nbd.test.ts).
    expect(model.candidates.find((candidate) => candidate.name === 'paretonbd')!.error).toMatch(
      /^degenerate-fit/,
    );
  });

  it('uses the defaults when the learning split has too few customers, and says so', () => {
    // The first 150 customers only: enough history, but fewer than the 200 customers learning needs.
    const few = orderTableFromRecords(sampleOrders().filter((order) => Number(order.customerId) <= 150));
    const result = analyzeAtRisk(few, { asOf });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.weights.source).toBe('default');
    expect(result.value.weights.defaultReason).toMatch(
      /^the learning split has 150 customers, .* learning needs 200 customers/,
    );
  });

  it('scores a handful of customers without the models that cannot describe them', () => {
    // test/fixtures/cli/orders-by-country.csv: three customers over ten weeks. BG/NBD "fits" with
    // r, α and a run far out (inside the identified range) and still predicts finite purchases
    // (hyp2f1's Pfaff path; the Cephes continuation gave non-finite ones here); Pareto/NBD drifts
    // out of its search region and is left out; BG/NBD has the best log-likelihood of the two left.
    const tiny = orderTableFromRecords([
      { customerId: 'a', orderedAt: Date.UTC(2024, 0, 10), amountCents: 1000 },
      { customerId: 'b', orderedAt: Date.UTC(2024, 0, 20), amountCents: 2000 },
      { customerId: 'a', orderedAt: Date.UTC(2024, 1, 5), amountCents: 1500 },
      { customerId: 'c', orderedAt: Date.UTC(2024, 1, 10), amountCents: 500 },
      { customerId: 'b', orderedAt: Date.UTC(2024, 2, 1), amountCents: 2000 },
      { customerId: 'c', orderedAt: Date.UTC(2024, 2, 15), amountCents: -500 },
    ]);
    const result = analyzeAtRisk(tiny, { asOf: Date.UTC(2024, 2, 15) });
    if (!result.ok) throw new Error(result.error.message);
    const { model, customers } = result.value;
    expect(model!.candidates.map((candidate) => candidate.error?.split(':')[0] ?? null)).toEqual([
      null,
      null,
      'degenerate-fit',
    ]);
    expect(model!.name).toBe('bgnbd');
    expect(customers.expectedPurchases.every(Number.isFinite)).toBe(true);
    // c's refund on the as-of day nets its value to 0: the lowest value, full low-value strength.
    expect(customers.valueCents[2]).toBe(0);
    expect(customers.points.lowValue[2]).toBeCloseTo(result.value.weights.signals.lowValue, 12);
  });

  it('fails as a value before the first order, and rejects a bad horizon', () => {
    const none = analyzeAtRisk(sample, { asOf: Date.UTC(1996, 11, 31) });
    expect(none.ok ? null : none.error.code).toBe('no-customers');
    expect(() => analyzeAtRisk(sample, { asOf, horizonDays: 0 })).toThrow(InvalidInputError);
    expect(() => analyzeAtRisk(sample, { asOf, horizonDays: 1.5 })).toThrow(InvalidInputError);
  });
});

describe("analyzeAtRisk's detail: 'scores'", () => {
  it('gives the same scores, model and weights without reasons, ranking or evaluation', () => {
    const full = analyzeAtRisk(sample, { asOf });
    const scores = analyzeAtRisk(sample, { asOf, detail: 'scores' });
    if (!full.ok || !scores.ok) throw new Error('analysis failed');
    expect(Array.from(scores.value.customers.scores)).toEqual(Array.from(full.value.customers.scores));
    expect(scores.value.model).toEqual(full.value.model);
    expect(scores.value.weights).toEqual(full.value.weights);
    expect(full.value.evaluation).not.toBeNull();
    expect(scores.value.evaluation).toBeNull();
    expect(scores.value.ranking.length).toBe(0);
    expect(full.value.customers.reasons.some((reasons) => reasons.length > 0)).toBe(true);
    expect(scores.value.customers.reasons.every((reasons) => reasons.length === 0)).toBe(true);
  });
});
