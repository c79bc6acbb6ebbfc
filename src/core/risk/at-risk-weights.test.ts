import { describe, expect, it } from 'vitest';
import { type AtRiskSignals, atRiskSignals } from './at-risk-score.js';
import { learnAtRiskWeights, withLearnedWeights } from './at-risk-weights.js';
import { auc } from './auc.js';
import { trainLogistic } from './logistic-regression.js';

/** Signals with the given order-history strengths (the extra signals not supplied). */
function signalsWith(expectedPurchases: number[], overdue: number[], lowValue: number[]): AtRiskSignals {
  const count = expectedPurchases.length;
  const base = atRiskSignals({
    customerIds: Array.from({ length: count }, (_, index) => `c${index}`),
    expectedPurchases: new Float64Array(count).fill(1),
    daysSinceLastOrder: new Float64Array(count),
    typicalGapDays: new Float64Array(count).fill(10),
    valueCents: new Float64Array(count).fill(100),
  });
  return {
    ...base,
    strengths: {
      ...base.strengths,
      expectedPurchases: Float64Array.from(expectedPurchases),
      overdue: Float64Array.from(overdue),
      lowValue: Float64Array.from(lowValue),
    },
  };
}

// Twelve customers: "did not buy" rises with the expected-purchases strength and the low-value
// strength (with overlap, so the fit is finite), while overdue runs the other way.
const expectedStrength = [0.9, 0.8, 0.7, 0.9, 0.6, 0.4, 0.3, 0.5, 0.2, 0.6, 0.1, 0.3];
const overdueStrength = [0.1, 0.2, 0.1, 0.3, 0.2, 0.6, 0.7, 0.5, 0.8, 0.4, 0.9, 0.6];
const valueStrength = [0.7, 0.9, 0.4, 0.5, 0.8, 0.3, 0.2, 0.6, 0.4, 0.1, 0.3, 0.2];
const didNotBuy = Uint8Array.of(1, 1, 1, 1, 0, 1, 0, 0, 0, 1, 0, 0);

describe('learnAtRiskWeights', () => {
  const signals = signalsWith(expectedStrength, overdueStrength, valueStrength);
  const learned = learnAtRiskWeights(signals, didNotBuy);

  it('drops a signal whose effect runs against risk and weights the rest by their coefficients', () => {
    // The reference is the definition: the full fit gives overdue a negative coefficient, so it
    // is dropped; the weights are 100 × β / Σβ of the logistic regression on the other two.
    const full = trainLogistic(
      {
        rows: 12,
        width: 3,
        values: Float64Array.from(
          expectedStrength.flatMap((value, row) => [value, overdueStrength[row]!, valueStrength[row]!]),
        ),
        featureNames: ['expectedPurchases', 'overdue', 'lowValue'],
      },
      didNotBuy,
    );
    expect(full.ok && full.value.coefficients[1]! < 0).toBe(true);
    const reduced = trainLogistic(
      {
        rows: 12,
        width: 2,
        values: Float64Array.from(expectedStrength.flatMap((value, row) => [value, valueStrength[row]!])),
        featureNames: ['expectedPurchases', 'lowValue'],
      },
      didNotBuy,
    );
    if (!learned.ok || !reduced.ok) throw new Error('the fits should succeed');
    const [betaExpected, betaValue] = reduced.value.coefficients;
    expect(learned.value.dropped).toEqual(['overdue']);
    expect(learned.value.weights.overdue).toBe(0);
    expect(learned.value.weights.expectedPurchases).toBeCloseTo(
      (100 * betaExpected!) / (betaExpected! + betaValue!),
      10,
    );
    expect(learned.value.weights.lowValue).toBeCloseTo((100 * betaValue!) / (betaExpected! + betaValue!), 10);
    expect(learned.value.coefficients.expectedPurchases).toBeCloseTo(betaExpected!, 12);
  });

  it('reports the AUC of its own weighted sum on the labels it learned from', () => {
    if (!learned.ok) throw new Error('the fit should succeed');
    const { expectedPurchases, lowValue } = learned.value.weights;
    const scores = expectedStrength.map(
      (value, row) => expectedPurchases * value + lowValue * valueStrength[row]!,
    );
    expect(learned.value.auc).toBe(auc(scores, didNotBuy));
  });

  it('gives no weight to a signal that is 0 for everyone', () => {
    // A zero column has gradient λβ alone, so its ridge coefficient is exactly 0.
    const zeros = new Array(12).fill(0);
    const result = learnAtRiskWeights(signalsWith(expectedStrength, zeros, valueStrength), didNotBuy);
    expect(result.ok && result.value.weights.overdue).toBe(0);
    expect(result.ok && result.value.dropped).toEqual([]);
  });

  it('fails as a value when the labels have one class or no signal points to risk', () => {
    const single = learnAtRiskWeights(signals, new Uint8Array(12).fill(1));
    expect(single.ok ? null : single.error.code).toBe('single-class');
    // Every signal runs against risk: each is dropped in turn.
    const flipped = Uint8Array.from(didNotBuy, (label) => 1 - label);
    const reversed = learnAtRiskWeights(
      signalsWith(expectedStrength, expectedStrength, expectedStrength),
      flipped,
    );
    expect(reversed.ok ? null : reversed.error.code).toBe('no-risk-signal');
    expect(() => learnAtRiskWeights(signals, Uint8Array.of(1, 0))).toThrow(RangeError);
  });
});

describe('withLearnedWeights', () => {
  it('gives the order-history signals their default 80 points in the learned proportions', () => {
    // 75 : 0 : 25 of 80 → 60, 0, 20; feedback, tickets and engagement keep 10, 5, 5.
    expect(withLearnedWeights({ expectedPurchases: 75, overdue: 0, lowValue: 25 })).toEqual({
      expectedPurchases: 60,
      overdue: 0,
      lowValue: 20,
      negativeFeedback: 10,
      breachedTickets: 5,
      engagementDecline: 5,
    });
    expect(() => withLearnedWeights({ expectedPurchases: 0, overdue: 0, lowValue: 0 })).toThrow(RangeError);
  });
});
