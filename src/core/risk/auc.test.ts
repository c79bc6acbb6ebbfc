import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../input-error.js';
import { auc, calibration } from './auc.js';

/** The definition, O(n²): share of (positive, negative) pairs ranked right, ties counting half. */
function pairwiseAuc(scores: readonly number[], labels: readonly number[]): number | null {
  let wins = 0;
  let pairs = 0;
  scores.forEach((positiveScore, i) => {
    if (!labels[i]) return;
    scores.forEach((negativeScore, j) => {
      if (labels[j]) return;
      pairs++;
      wins += positiveScore > negativeScore ? 1 : positiveScore === negativeScore ? 0.5 : 0;
    });
  });
  return pairs === 0 ? null : wins / pairs;
}

describe('auc', () => {
  it('counts correctly ranked pairs (hand-worked)', () => {
    // Positives 0.35, 0.8; negatives 0.1, 0.4. Pairs: 0.35>0.1 ✓, 0.35<0.4 ✗, 0.8>0.1 ✓, 0.8>0.4 ✓ → 3/4.
    // (Also scikit-learn's roc_auc_score documentation example.)
    expect(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
  });

  it('counts ties as one half (hand-worked)', () => {
    // Positives 0.5, 0.9; negatives 0.5, 0.2, 0.5.
    // 0.5 vs (0.5, 0.2, 0.5) = ½ + 1 + ½ = 2; 0.9 vs all = 3 → 5 / (2·3) = 5/6.
    expect(auc([0.5, 0.5, 0.2, 0.9, 0.5], [1, 0, 0, 1, 0])).toBeCloseTo(5 / 6, 15);
    // Everything tied: every pair is half → 0.5.
    expect(auc([1, 1, 1, 1], [true, false, true, false])).toBe(0.5);
  });

  it('is 1 for a perfect ranking, 0 for a reversed one, null with a single class', () => {
    expect(auc([1, 2, 3, 4], [0, 0, 1, 1])).toBe(1);
    expect(auc([4, 3, 2, 1], [0, 0, 1, 1])).toBe(0);
    expect(auc([1, 2], [1, 1])).toBeNull();
    expect(auc([], [])).toBeNull();
  });

  it('rejects NaN scores and mismatched lengths', () => {
    expect(() => auc([Number.NaN, 1], [0, 1])).toThrow(RangeError);
    expect(() => auc([1, 2], [0])).toThrow(RangeError);
  });

  it('equals the pairwise definition on random data with many ties (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 1 })), { maxLength: 60 }),
        (rows) => {
          const scores = rows.map(([score]) => score);
          const labels = rows.map(([, label]) => label);
          const expected = pairwiseAuc(scores, labels);
          const actual = auc(scores, labels);
          if (expected === null) expect(actual).toBeNull();
          else expect(actual).toBeCloseTo(expected, 12);
        },
      ),
    );
  });
});

describe('calibration', () => {
  it('bins predictions into equal-width bins (hand-worked)', () => {
    // Bin [0, 0.5): 0.1 (label 0), 0.2 (label 1) → mean 0.15, rate 1/2. Bin [0.5, 1]: 0.9 and 1.0 (closed at 1).
    const [low, high] = calibration([0.1, 0.2, 0.9, 1], [0, 1, 1, 0], 2);
    expect(low).toMatchObject({ binStart: 0, binEnd: 0.5, observedRate: 0.5, count: 2 });
    expect(low!.meanPredicted).toBeCloseTo(0.15, 15);
    expect(high).toMatchObject({ binStart: 0.5, binEnd: 1, observedRate: 0.5, count: 2 });
    expect(high!.meanPredicted).toBeCloseTo(0.95, 15);
  });

  it('leaves empty bins out and rejects non-probabilities', () => {
    // 0.05 → bin 0, 0.95 → bin 9 of 10.
    expect(calibration([0.05, 0.95], [0, 1]).map((bin) => bin.binStart)).toEqual([0, 0.9]);
    expect(() => calibration([1.2], [1])).toThrow(RangeError);
    expect(() => calibration([0.2], [1], 0)).toThrow(InvalidInputError);
  });
});
