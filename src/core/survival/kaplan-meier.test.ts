import { describe, expect, it } from 'vitest';
import { subscriptionTableFromRecords } from '../data/subscription-table.js';
import { InvalidInputError } from '../input-error.js';
import {
  kaplanMeier,
  kaplanMeierBy,
  standardNormalQuantile,
  survivalAt,
  survivalFromSubscriptions,
} from './kaplan-meier.js';

/**
 * Hand-worked example (made up for this test), with an event and a censoring tied at t = 2 and at
 * t = 3 (events first: the censored subject is still at risk), a censoring-only time (t = 4) and a
 * censored last subject:
 *
 *   durations 1 2 2 3 3 4 5 5
 *   observed  1 1 0 1 0 0 1 0
 *
 *   t | n_i | d_i | c_i | S(t)                 | Greenwood Σ d/(n(n−d))        | SE = S·√Σ
 *   1 |  8  |  1  |  0  | 7/8 = 0.875          | 1/56                = 0.017857 | 0.116927
 *   2 |  7  |  1  |  1  | 0.875·6/7 = 0.75     | + 1/42 = 1/24       = 0.041667 | 0.153093
 *   3 |  5  |  1  |  1  | 0.75·4/5 = 0.6       | + 1/20 = 11/120     = 0.091667 | 0.181659
 *   4 |  3  |  0  |  1  | 0.6                  | 11/120                         | 0.181659
 *   5 |  2  |  1  |  1  | 0.6·1/2 = 0.3        | + 1/2 = 71/120      = 0.591667 | 0.230760
 *
 * Median = first t with S ≤ 0.5 = 5.
 * log(−log) interval at t = 1 (z = 1.959964): v = ln 0.875 = −0.133531, ln(−v) = −2.013419,
 * z·√Σ / v = 1.959964 × 0.133631 / −0.133531 = −1.961432;
 * lower = exp(−exp(−2.013419 + 1.961432)) = exp(−0.949341) = 0.38699;
 * upper = exp(−exp(−2.013419 − 1.961432)) = exp(−0.018790) = 0.98139.
 */
describe('kaplanMeier — hand-worked example with ties and censoring', () => {
  const curve = kaplanMeier([1, 2, 2, 3, 3, 4, 5, 5], [1, 1, 0, 1, 0, 0, 1, 0]);

  it('builds the event table (events before censoring at tied times)', () => {
    expect(curve.times).toEqual([1, 2, 3, 4, 5]);
    expect(curve.atRisk).toEqual([8, 7, 5, 3, 2]);
    expect(curve.events).toEqual([1, 1, 1, 0, 1]);
    expect(curve.censored).toEqual([0, 1, 1, 1, 1]);
  });

  it('computes S(t) and Greenwood standard errors', () => {
    const expectedSurvival = [0.875, 0.75, 0.6, 0.6, 0.3];
    const expectedStandardError = [0.116927, 0.153093, 0.181659, 0.181659, 0.23076];
    curve.survival.forEach((value, i) => {
      expect(value).toBeCloseTo(expectedSurvival[i]!, 12);
    });
    curve.standardError.forEach((value, i) => {
      expect(value).toBeCloseTo(expectedStandardError[i]!, 5);
    });
  });

  it('uses the log(−log) interval', () => {
    expect(curve.lower[0]).toBeCloseTo(0.38699, 4);
    expect(curve.upper[0]).toBeCloseTo(0.98139, 4);
    for (let i = 0; i < curve.times.length; i++) {
      expect(curve.lower[i]).toBeLessThanOrEqual(curve.survival[i]!);
      expect(curve.upper[i]).toBeGreaterThanOrEqual(curve.survival[i]!);
      expect(curve.lower[i]).toBeGreaterThanOrEqual(0);
      expect(curve.upper[i]).toBeLessThanOrEqual(1);
    }
  });

  it('finds the median lifetime', () => {
    expect(curve.medianLifetime).toBe(5);
  });

  it('puts the censored subject at risk at a tied time: S(2) would be 0.875·5/6 otherwise', () => {
    expect(curve.survival[1]).not.toBeCloseTo((0.875 * 5) / 6, 6);
  });
});

/**
 * lifelines `tests/test_estimation.py` (test_kmf_survival_curve_output_against_R and
 * test_kmf_confidence_intervals_output_against_R), data `lifelines/datasets/g3.csv`, checked there
 * against R's survfit(conf.type = "log-log").
 */
describe('kaplanMeier — lifelines g3 data against R', () => {
  it('matches the Control group (survival and log-log bounds at t = 9, 19, 32, 34)', () => {
    const curve = kaplanMeier([34, 32, 9, 19, 50, 48], [true, true, true, true, false, false]);
    const at = (time: number) => curve.times.indexOf(time);
    const times = [9, 19, 32, 34];
    const survival = [0.833, 0.667, 0.5, 0.333];
    const lower = [0.2731, 0.1946, 0.1109, 0.0461];
    const upper = [0.975, 0.904, 0.804, 0.676];
    times.forEach((time, i) => {
      expect(curve.survival[at(time)]).toBeCloseTo(survival[i]!, 3);
      expect(curve.lower[at(time)]).toBeCloseTo(lower[i]!, 3);
      expect(curve.upper[at(time)]).toBeCloseTo(upper[i]!, 3);
    });
    // S(32) = 0.5 exactly, the first value ≤ 0.5.
    expect(curve.medianLifetime).toBe(32);
    // The lower curve is at 0.2731 ≤ 0.5 already at t = 9; the upper one never gets to 0.5.
    expect(curve.medianLower).toBe(9);
    expect(curve.medianUpper).toBeNull();
  });

  it('matches the RIT group (S(25) = 0.909, S(53) = 0.779)', () => {
    const durations = [53, 28, 69, 58, 54, 25, 51, 61, 57, 57, 50];
    const observed = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0] as const;
    const curve = kaplanMeier(durations, observed);
    expect(survivalAt(curve, 25)).toBeCloseTo(0.909, 3);
    expect(survivalAt(curve, 53)).toBeCloseTo(0.779, 3);
    expect(curve.medianLifetime).toBeNull();
  });
});

describe('kaplanMeier — edge cases', () => {
  it('drops to 0 when the last subjects all fail, with SE and bounds 0 (lifelines counts d = n as 0)', () => {
    // S: 1 − 1/3 = 2/3 at t = 1, then 2/3 · (1 − 2/2) = 0 at t = 2.
    const curve = kaplanMeier([1, 2, 2], [1, 1, 1]);
    expect(curve.survival[0]).toBeCloseTo(2 / 3, 14);
    expect(curve.survival[1]).toBe(0);
    expect(curve.standardError[1]).toBe(0);
    expect(curve.lower[1]).toBe(0);
    expect(curve.upper[1]).toBe(0);
    // Σ = 1/(3·2) = 1/6 at t = 1: SE = (2/3)·√(1/6) = 0.272166.
    expect(curve.standardError[0]).toBeCloseTo(0.272166, 6);
  });

  it('keeps S = 1 with a [1, 1] interval before any event, and handles empty input', () => {
    const curve = kaplanMeier([3, 4], [0, 0]);
    expect(curve.survival).toEqual([1, 1]);
    expect(curve.lower).toEqual([1, 1]);
    expect(curve.upper).toEqual([1, 1]);
    expect(curve.medianLifetime).toBeNull();
    expect(kaplanMeier([], []).times).toEqual([]);
  });

  it('rejects invalid input', () => {
    expect(() => kaplanMeier([1, -1], [1, 1])).toThrow(InvalidInputError);
    expect(() => kaplanMeier([1, Number.NaN], [1, 1])).toThrow(InvalidInputError);
    expect(() => kaplanMeier([1], [1, 0])).toThrow(RangeError);
    expect(() => kaplanMeier([1], [1], { confidence: 1 })).toThrow(InvalidInputError);
  });

  it('narrows the interval for a lower confidence level', () => {
    const wide = kaplanMeier([1, 2, 3, 4, 5], [1, 1, 0, 1, 0]);
    const narrow = kaplanMeier([1, 2, 3, 4, 5], [1, 1, 0, 1, 0], { confidence: 0.8 });
    expect(narrow.upper[1]! - narrow.lower[1]!).toBeLessThan(wide.upper[1]! - wide.lower[1]!);
    expect(narrow.confidence).toBe(0.8);
  });
});

describe('standardNormalQuantile', () => {
  it('matches the tabulated normal quantiles', () => {
    // Φ⁻¹(0.975) = 1.959963984540054, Φ⁻¹(0.95) = 1.644853626951472, Φ⁻¹(0.995) = 2.575829303548901,
    // Φ⁻¹(0.001) = −3.090232306167813 (any normal table, e.g. Abramowitz & Stegun 26.2).
    expect(standardNormalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(standardNormalQuantile(0.95)).toBeCloseTo(1.644853626951472, 8);
    expect(standardNormalQuantile(0.995)).toBeCloseTo(2.575829303548901, 8);
    expect(standardNormalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 8);
    expect(standardNormalQuantile(0.5)).toBe(0);
  });
});

describe('survivalAt', () => {
  it('reads the step function', () => {
    // S = 2/3 at 1, 1/3 at 2, 0 at 3.
    const curve = kaplanMeier([1, 2, 3], [1, 1, 1]);
    expect(survivalAt(curve, 0.5)).toBe(1);
    expect(survivalAt(curve, 1)).toBeCloseTo(2 / 3, 12);
    expect(survivalAt(curve, 2.5)).toBeCloseTo(1 / 3, 12);
    expect(survivalAt(curve, 99)).toBe(0);
  });
});

describe('kaplanMeierBy', () => {
  it('fits one curve per group, sorted by label', () => {
    const groups = ['pro', 'basic', 'pro', 'basic', 'pro'];
    const result = kaplanMeierBy(groups, [1, 1, 2, 3, 3], [1, 0, 1, 1, 0]);
    expect(result.map((entry) => [entry.group, entry.size])).toEqual([
      ['basic', 2],
      ['pro', 3],
    ]);
    // basic: durations 1 (censored), 3 (event): S(3) = 1 − 1/1 = 0.
    expect(result[0]!.curve.survival).toEqual([1, 0]);
    // pro: 1 (event) n = 3 → 2/3; 2 (event) n = 2 → 1/3; 3 censored → 1/3.
    expect(result[1]!.curve.survival.map((value) => Number(value.toFixed(6)))).toEqual([
      0.666667, 0.333333, 0.333333,
    ]);
  });

  it('accepts integer codes with labels', () => {
    const result = kaplanMeierBy(Int32Array.from([0, 1, 1]), [1, 2, 3], [1, 1, 1], {
      labels: ['monthly', 'yearly'],
    });
    expect(result.map((entry) => entry.group)).toEqual(['monthly', 'yearly']);
  });
});

describe('survivalFromSubscriptions', () => {
  const day = 86_400_000;
  const table = subscriptionTableFromRecords([
    // a: 2024-01-01 → 2024-03-01 (60 days, leap year) then 2024-04-01 → 2024-05-01: churned at day 121.
    {
      customerId: 'a',
      subscriptionId: 's1',
      startedAt: '2024-01-01T00:00:00Z',
      endedAt: '2024-03-01T00:00:00Z',
      amountCents: 1000,
      interval: 'month',
      attributes: { plan: 'basic' },
    },
    {
      customerId: 'a',
      subscriptionId: 's2',
      startedAt: '2024-04-01T00:00:00Z',
      endedAt: '2024-05-01T00:00:00Z',
      amountCents: 2000,
      interval: 'month',
      attributes: { plan: 'pro' },
    },
    // b: open since 2024-02-01: censored at asOf (2024-07-01), 151 days.
    {
      customerId: 'b',
      subscriptionId: 's3',
      startedAt: '2024-02-01T00:00:00Z',
      endedAt: null,
      amountCents: 2000,
      interval: 'month',
      attributes: { plan: 'pro' },
    },
    // c: starts after asOf: not yet acquired, left out.
    {
      customerId: 'c',
      subscriptionId: 's4',
      startedAt: '2024-08-01T00:00:00Z',
      amountCents: 2000,
      interval: 'month',
      attributes: { plan: 'pro' },
    },
    // d: ends exactly at asOf: not active at asOf ([start, end)), so churned at 2024-07-01, 30 days.
    {
      customerId: 'd',
      subscriptionId: 's5',
      startedAt: '2024-06-01T00:00:00Z',
      endedAt: '2024-07-01T00:00:00Z',
      amountCents: 500,
      interval: 'month',
      attributes: { plan: 'basic' },
    },
    // e: ended subscription, then one ending after asOf: still active, censored at 2024-07-01, 91 days.
    {
      customerId: 'e',
      subscriptionId: 's6',
      startedAt: '2024-04-01T00:00:00Z',
      endedAt: '2024-05-01T00:00:00Z',
      amountCents: 500,
      interval: 'month',
      attributes: { plan: 'basic' },
    },
    {
      customerId: 'e',
      subscriptionId: 's7',
      startedAt: '2024-06-01T00:00:00Z',
      endedAt: '2024-08-01T00:00:00Z',
      amountCents: 500,
      interval: 'month',
      attributes: { plan: 'basic' },
    },
  ]);
  const asOf = Date.parse('2024-07-01T00:00:00Z');

  it('computes tenure in days with censoring at asOf', () => {
    const lives = survivalFromSubscriptions(table, { asOf, unit: 'day', groupBy: 'plan' });
    expect(lives.customerIds).toEqual(['a', 'b', 'd', 'e']);
    expect([...lives.durations]).toEqual([121, 151, 30, 91]);
    expect([...lives.observed]).toEqual([1, 0, 1, 0]);
    // The plan at acquisition is the first subscription's.
    expect(lives.groups).toEqual(['basic', 'pro', 'basic', 'basic']);
    expect(survivalFromSubscriptions(table, { asOf, unit: 'day' }).groups).toBeUndefined();
  });

  it('expresses months as Retain months, 365.25 / 12 = 30.4375 days, like the CLV horizon', () => {
    const lives = survivalFromSubscriptions(table, { asOf, unit: 'month' });
    expect(lives.durations[1]).toBeCloseTo(151 / 30.4375, 12);
    expect(lives.durations[1]! * 30.4375 * day).toBeCloseTo(151 * day, 3);
  });

  it('feeds kaplanMeierBy', () => {
    const lives = survivalFromSubscriptions(table, { asOf, unit: 'day', groupBy: 'plan' });
    const curves = kaplanMeierBy(lives.groups!, lives.durations, lives.observed);
    // basic: a (121, event), d (30, event), e (91, censored): S(30) = 2/3, S(121) = 2/3 · (1 − 1/1) = 0.
    expect(curves[0]!.group).toBe('basic');
    expect(curves[0]!.curve.survival[0]).toBeCloseTo(2 / 3, 12);
    expect(curves[0]!.curve.survival.at(-1)).toBe(0);
  });

  it('rejects an unknown attribute or unit', () => {
    expect(() => survivalFromSubscriptions(table, { asOf, unit: 'day', groupBy: 'country' })).toThrow(
      InvalidInputError,
    );
    // @ts-expect-error: testing a bad unit at runtime
    expect(() => survivalFromSubscriptions(table, { asOf, unit: 'week' })).toThrow(InvalidInputError);
  });
});
