import { describe, expect, it } from 'vitest';
import { seededRandom } from '../math/random.js';
import { newcombeDifference, summarizeSample, welchInterval, wilsonInterval } from './intervals.js';

describe('wilsonInterval', () => {
  it('matches Newcombe (1998, single proportion) Table I, method 3: 81/263 → 0.2553–0.3662', () => {
    const interval = wilsonInterval(81, 263);
    expect(interval.estimate).toBeCloseTo(81 / 263, 12);
    expect(interval.low).toBeCloseTo(0.2553, 4);
    expect(interval.high).toBeCloseTo(0.3662, 4);
  });

  it('stays in [0, 1] at the edges and refuses impossible counts', () => {
    expect(wilsonInterval(0, 10).low).toBe(0);
    expect(wilsonInterval(10, 10).high).toBe(1);
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(0, 0)).toThrow(RangeError);
  });
});

describe('newcombeDifference (Newcombe 1998, Statistics in Medicine 17:873–890, Table II, method 10)', () => {
  // The published limits, to the 4 decimals printed in the paper's Table II.
  const published: [number, number, number, number, number, number][] = [
    [56, 70, 48, 80, 0.0524, 0.3339], // example (a)
    [9, 10, 3, 10, 0.1705, 0.809], // (b)
    [5, 56, 0, 29, -0.0381, 0.1926], // (d)
    [0, 10, 0, 20, -0.1611, 0.2775], // (e)
    [10, 10, 0, 20, 0.6791, 1], // (f)
  ];
  it.each(published)('%i/%i − %i/%i → [%f, %f]', (x1, n1, x2, n2, low, high) => {
    const interval = newcombeDifference(x1, n1, x2, n2);
    expect(interval.estimate).toBeCloseTo(x1 / n1 - x2 / n2, 12);
    expect(interval.low).toBeCloseTo(low, 4);
    expect(interval.high).toBeCloseTo(high, 4);
  });
});

describe('welchInterval', () => {
  it("matches R's t.test(extra ~ group, data = sleep): −1.58, [−3.3654832, 0.2054832], df 17.776", () => {
    // R's `sleep` data set (Cushny & Peebles 1905, as in Student 1908): extra hours of sleep per drug.
    const group1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
    const group2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
    const interval = welchInterval(summarizeSample(group1), summarizeSample(group2));
    expect(interval.estimate).toBeCloseTo(-1.58, 10);
    expect(interval.low).toBeCloseTo(-3.3654832, 6);
    expect(interval.high).toBeCloseTo(0.2054832, 6);
    expect(interval.degreesOfFreedom).toBeCloseTo(17.776, 3);
  });

  it('is the point when both samples are constant, and needs two values a sample', () => {
    expect(welchInterval(summarizeSample([2, 2, 2]), summarizeSample([1, 1]))).toMatchObject({
      low: 1,
      high: 1,
    });
    expect(() => welchInterval(summarizeSample([1]), summarizeSample([1, 2]))).toThrow(RangeError);
  });

  it('covers the true difference of means about 95 % of the time (skewed, unequal variances)', () => {
    // Exponential samples of means 3 and 2, n 60 and 25: the true difference is 1.
    const random = seededRandom(2024);
    const draw = (mean: number, count: number) =>
      Array.from({ length: count }, () => -mean * Math.log(1 - random()));
    let covered = 0;
    const rounds = 2_000;
    for (let round = 0; round < rounds; round++) {
      const interval = welchInterval(summarizeSample(draw(3, 60)), summarizeSample(draw(2, 25)));
      if (interval.low <= 1 && 1 <= interval.high) covered++;
    }
    // Binomial(2000, 0.95) has sd 0.0049; Welch's t is slightly liberal on skewed data, so allow 0.92–0.97.
    expect(covered / rounds).toBeGreaterThan(0.92);
    expect(covered / rounds).toBeLessThan(0.97);
  });
});

describe('summarizeSample', () => {
  it('gives the mean and the n − 1 variance', () => {
    expect(summarizeSample([1, 2, 3, 4])).toEqual({ count: 4, mean: 2.5, variance: 5 / 3 });
  });
});
