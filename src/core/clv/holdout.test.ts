import hyp2f1 from '@stdlib/math-base-special-hyp2f1';
import { describe, expect, it } from 'vitest';
import { loadCdnowSampleTransactions } from '../../../test/support/fixtures.js';
import { InvalidInputError } from '../input-error.js';
import { fail, ok } from '../result.js';
import { BgNbd } from './bg-nbd.js';
import { evaluateHoldout, type HoldoutRow, selectModel, type TransactionModelFitter } from './holdout.js';
import type { TransactionModel } from './transaction-model.js';

/** A stand-in model whose holdout forecast is (x + 1) × t / scale: easy to check by hand. */
function stubModel(name: TransactionModel['name'], scale: number): TransactionModel {
  return {
    name,
    params: { scale },
    logLikelihood: Number.NaN,
    expectedPurchases: (t) => t / scale,
    conditionalExpectedPurchases: (t, frequency) => ((frequency + 1) * t) / scale,
    probabilityAlive: () => 1,
    probabilityOfPurchases: () => 0,
  };
}

const ROWS: HoldoutRow[] = [
  { frequency: 0, recency: 0, T: 30, holdoutFrequency: 0 },
  { frequency: 2, recency: 20, T: 30, holdoutFrequency: 4 },
  { frequency: 8, recency: 25, T: 30, holdoutFrequency: 5 },
  { frequency: 8, recency: 29, T: 30, holdoutFrequency: 9, weight: 2 },
];

describe('evaluateHoldout', () => {
  it('matches the hand computation on four rows (one of weight 2)', () => {
    // holdoutLength 10, scale 10 → prediction x + 1: 1, 3, 9, 9 (×2).
    // customers 1 + 1 + 1 + 2 = 5; actual 0 + 4 + 5 + 2×9 = 27; predicted 1 + 3 + 9 + 18 = 31.
    // |errors| 1, 1, 4, 0, 0 → MAE 6/5 = 1.2; squared 1, 1, 16, 0, 0 → RMSE √(18/5).
    const evaluation = evaluateHoldout(stubModel('bgnbd', 10), ROWS, 10);
    expect(evaluation.customers).toBe(5);
    expect(evaluation.actual).toBe(27);
    expect(evaluation.predicted).toBeCloseTo(31, 12);
    expect(evaluation.mae).toBeCloseTo(1.2, 12);
    expect(evaluation.rmse).toBeCloseTo(Math.sqrt(18 / 5), 12);
    expect(Array.from(evaluation.predictions)).toEqual([1, 3, 9, 9]);
    // Buckets: x = 0 → (0 actual, 1 predicted); x = 2 → (4, 3); 7+ → actual (5 + 18)/3, predicted (9 + 18)/3 = 9.
    expect(evaluation.byFrequency.map((bucket) => bucket.frequency)).toEqual([0, 1, 2, 3, 4, 5, 6, '7+']);
    expect(evaluation.byFrequency[0]).toEqual({
      frequency: 0,
      customers: 1,
      actualMean: 0,
      predictedMean: 1,
    });
    expect(evaluation.byFrequency[1]).toEqual({
      frequency: 1,
      customers: 0,
      actualMean: null,
      predictedMean: null,
    });
    expect(evaluation.byFrequency[2]).toEqual({
      frequency: 2,
      customers: 1,
      actualMean: 4,
      predictedMean: 3,
    });
    expect(evaluation.byFrequency[7]!.customers).toBe(3);
    expect(evaluation.byFrequency[7]!.actualMean).toBeCloseTo(23 / 3, 12);
    expect(evaluation.byFrequency[7]!.predictedMean).toBeCloseTo(9, 12);
  });

  it('rejects a non-positive holdout length', () => {
    expect(() => evaluateHoldout(stubModel('bgnbd', 10), ROWS, 0)).toThrow(InvalidInputError);
  });
});

describe('selectModel', () => {
  const fitter =
    (model: TransactionModel): TransactionModelFitter =>
    () =>
      ok(model);

  it('picks the lowest holdout MAE and reports a candidate that failed to fit', () => {
    // Predictions (holdoutLength 10): scale 10 → x + 1 (MAE 1.2, above); scale 20 → (x + 1)/2:
    // 0.5, 1.5, 4.5, 4.5×2 → |errors| 0.5, 2.5, 0.5, 4.5, 4.5 → MAE 12.5/5 = 2.5.
    const result = selectModel(ROWS, 10, ['bgnbd', 'mbgnbd', 'paretonbd'], {
      fitters: {
        bgnbd: fitter(stubModel('bgnbd', 20)),
        mbgnbd: fitter(stubModel('mbgnbd', 10)),
        paretonbd: () => fail({ code: 'not-converged', message: 'did not converge' }),
      },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.best.name).toBe('mbgnbd');
    expect(result.value.best.evaluation.mae).toBeCloseTo(1.2, 12);
    const summary = result.value.candidates.map((candidate) =>
      candidate.ok
        ? [candidate.name, Number(candidate.evaluation.mae.toFixed(6))]
        : [candidate.name, candidate.error.code],
    );
    expect(summary).toEqual([
      ['bgnbd', 2.5],
      ['mbgnbd', 1.2],
      ['paretonbd', 'not-converged'],
    ]);
  });

  it('is an error value when no candidate can be fitted', () => {
    const failing: TransactionModelFitter = () =>
      fail({ code: 'not-converged', message: 'did not converge' });
    const result = selectModel(ROWS, 10, ['bgnbd', 'paretonbd'], {
      fitters: { bgnbd: failing, paretonbd: failing },
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('no-model-fitted');
  });
});

/**
 * Calibration/holdout summaries of the CDNOW sample, built the literature's way (metrics.md §5,
 * test/fixtures/README.md): calibration end 1997-09-30 and observation end 1998-06-30, both
 * inclusive, weeks; x = distinct purchase days − 1; holdout purchases = distinct purchase days in
 * 1997-10-01 … 1998-06-30 (39 weeks = 273 days).
 */
function cdnowCalibrationAndHoldout(): HoldoutRow[] {
  const dayNumber = (isoDate: string) => Date.parse(`${isoDate}T00:00:00Z`) / 86_400_000;
  const calibrationEnd = dayNumber('1997-09-30');
  const observationEnd = dayNumber('1998-06-30');
  const daysByCustomer = new Map<string, Set<number>>();
  for (const transaction of loadCdnowSampleTransactions()) {
    const days = daysByCustomer.get(transaction.customerId) ?? new Set<number>();
    days.add(dayNumber(transaction.date));
    daysByCustomer.set(transaction.customerId, days);
  }
  const rows: HoldoutRow[] = [];
  for (const days of daysByCustomer.values()) {
    const sorted = [...days].sort((a, b) => a - b);
    const calibration = sorted.filter((day) => day <= calibrationEnd);
    const first = calibration[0]!;
    rows.push({
      frequency: calibration.length - 1,
      recency: (calibration[calibration.length - 1]! - first) / 7,
      T: (calibrationEnd - first) / 7,
      holdoutFrequency: sorted.filter((day) => day > calibrationEnd && day <= observationEnd).length,
    });
  }
  return rows;
}

/** BG/NBD E[Y(t) | x, t_x, T], FHL 2005 eq. (10), written out independently of bg-nbd.ts. */
function bgNbdConditionalExpectation(t: number, x: number, tx: number, T: number): number {
  const [r, alpha, a, b] = [0.2426, 4.4135, 0.7929, 2.4258];
  const hypergeometric = hyp2f1(r + x, b + x, a + b + x - 1, t / (alpha + T + t));
  const numerator =
    ((a + b + x - 1) / (a - 1)) * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hypergeometric);
  const denominator = 1 + (x > 0 ? (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x) : 0);
  return numerator / denominator;
}

describe('CDNOW calibration/holdout (Fader, Hardie & Lee 2005)', () => {
  const rows = cdnowCalibrationAndHoldout();

  it('the helper rebuilds the published calibration summary: 2,357 customers, Σx = 2,457, 946 repeaters', () => {
    // test/fixtures/README.md (cdnow_customers_summary.csv).
    expect(rows).toHaveLength(2357);
    expect(rows.reduce((sum, row) => sum + row.frequency, 0)).toBe(2457);
    expect(rows.filter((row) => row.frequency > 0)).toHaveLength(946);
    // The independent eq. (10) reproduces the README's hand check: customer 1 → 1.226 in 39 weeks.
    expect(bgNbdConditionalExpectation(39, 2, 30.43, 38.86)).toBeCloseTo(1.226, 3);
  });

  it('BG/NBD over the 39-week holdout: 1,882 actual repeat purchase days; predictions match eq. (10) to 1 %', () => {
    const fitted = BgNbd.fit(rows);
    expect(fitted.ok).toBe(true);
    if (!fitted.ok) return;
    const evaluation = evaluateHoldout(fitted.value, rows, 39);
    // Counted from CDNOW_sample.txt: distinct (customer, day) pairs dated 1997-10-01 … 1998-06-30
    // (1,959 transaction rows fall in that window; same-day purchases count once, as x does).
    expect(evaluation.actual).toBe(1882);
    expect(evaluation.customers).toBe(2357);
    // Σ eq. (10) at the published parameters (r 0.2426, α 4.4135, a 0.7929, b 2.4258) ≈ 1,653.4.
    const reference = rows.reduce(
      (sum, row) => sum + bgNbdConditionalExpectation(39, row.frequency, row.recency, row.T),
      0,
    );
    expect(Math.abs(evaluation.predicted / reference - 1)).toBeLessThan(0.01);
    // The conditional-expectation table (FHL 2005 Figure 4): customers who bought more in
    // calibration are expected to, and do, buy more in the holdout.
    const means = evaluation.byFrequency.map((bucket) => bucket.predictedMean!);
    for (let k = 1; k < means.length; k++) expect(means[k]!).toBeGreaterThan(means[k - 1]!);
    expect(evaluation.byFrequency.reduce((sum, bucket) => sum + bucket.customers, 0)).toBe(2357);
    expect(evaluation.byFrequency[0]!.customers).toBe(2357 - 946);
  });

  it('selectModel fits all three models on CDNOW and returns every score', () => {
    const result = selectModel(rows, 39);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.candidates.map((candidate) => candidate.name)).toEqual([
      'bgnbd',
      'mbgnbd',
      'paretonbd',
    ]);
    const scored = result.value.candidates.filter((candidate) => candidate.ok);
    const lowest = Math.min(
      ...scored.map((candidate) => (candidate.ok ? candidate.evaluation.mae : Number.NaN)),
    );
    expect(result.value.best.evaluation.mae).toBe(lowest);
  });
});
