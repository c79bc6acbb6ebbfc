import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../input-error.js';
import { histogram } from './histogram.js';

describe('histogram', () => {
  it('the worked example: 80th percentile 3, two bins of width 2, 100 in the tail', () => {
    // Nearest rank: ⌈0.8 × 5⌉ = 4th value = 3; (3 − 0) / 2 = 1.5 → round width 2; bins up to the
    // first multiple of 2 above 3 → [0,2) {0,1}, [2,4) {2,3}, then [4,∞) {100}.
    expect(histogram([0, 1, 2, 3, 100], { bins: 2, tailQuantile: 0.8 })).toEqual({
      bins: [
        { from: 0, to: 2, count: 2 },
        { from: 2, to: 4, count: 2 },
        { from: 4, to: null, count: 1 },
      ],
      total: 5,
    });
  });

  it('skips non-finite values; equal values or none give one bin or none', () => {
    expect(histogram([Number.NaN, Number.POSITIVE_INFINITY])).toEqual({ bins: [], total: 0 });
    expect(histogram([0, 0, 0])).toEqual({ bins: [{ from: 0, to: 1, count: 3 }], total: 3 });
    expect(histogram([5, Number.NaN, 5]).bins.reduce((sum, bin) => sum + bin.count, 0)).toBe(2);
  });

  it('refuses unusable options', () => {
    expect(() => histogram([1], { bins: 0 })).toThrow(InvalidInputError);
    expect(() => histogram([1], { tailQuantile: 0 })).toThrow(InvalidInputError);
  });

  it('every value lands in exactly one contiguous bin; the equal bins reach the quantile', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -50, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 40 }),
        (values, bins) => {
          const result = histogram(values, { bins });
          expect(result.total).toBe(values.length);
          expect(result.bins.reduce((sum, bin) => sum + bin.count, 0)).toBe(values.length);
          for (let index = 1; index < result.bins.length; index++) {
            expect(result.bins[index]!.from).toBeCloseTo(result.bins[index - 1]!.to!, 6);
          }
          const closed = result.bins.filter((bin) => bin.to !== null);
          // About `bins` equal bins (a round width is at least the exact one, so never many more).
          expect(closed.length).toBeLessThanOrEqual(bins + 1);
          const sorted = [...values].sort((left, right) => left - right);
          const p99 = sorted[Math.ceil(0.99 * sorted.length) - 1]!;
          expect(closed[closed.length - 1]!.to!).toBeGreaterThan(p99);
        },
      ),
    );
  });
});
