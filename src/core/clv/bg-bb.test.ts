import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadDonations } from '../../../test/support/fixtures.js';
import { BgBb, bgBbLogLikelihood } from './bg-bb.js';

// Published maximum-likelihood estimates (Fader, Hardie & Shang 2010; test/fixtures/README.md).
const PUBLISHED = { alpha: 1.2035, beta: 0.7497, gamma: 0.6567, delta: 2.7834 };

describe('BgBb.fit on the donations data', () => {
  const donations = loadDonations();
  const fitted = BgBb.fit(donations);

  it('reproduces FHS 2010: α 1.2035, β 0.7497, γ 0.6567, δ 2.7834, LL −33,225.58', () => {
    expect(fitted.ok).toBe(true);
    if (!fitted.ok) return;
    const { params, logLikelihood } = fitted.value;
    expect(params.alpha).toBeCloseTo(PUBLISHED.alpha, 3);
    expect(params.beta).toBeCloseTo(PUBLISHED.beta, 3);
    expect(params.gamma).toBeCloseTo(PUBLISHED.gamma, 3);
    expect(params.delta).toBeCloseTo(PUBLISHED.delta, 3);
    expect(logLikelihood).toBeCloseTo(-33225.58, 1);
    expect(donations.reduce((sum, row) => sum + row.weight, 0)).toBe(11104);
  });

  it('P(alive in 2002) matches FHS 2010 Table 6 (m = 1, as lifetimes’ test_prob_alive…table_6)', () => {
    const model = BgBb.fromParams(PUBLISHED);
    // Table 6: last donation 1995 with no repeat 0.11; 2 repeats, last in 1999 0.59; 6 repeats 0.93.
    expect(model.probabilityAlive(0, 0, 6, 1)).toBeCloseTo(0.11, 2);
    expect(model.probabilityAlive(2, 4, 6, 1)).toBeCloseTo(0.59, 2);
    expect(model.probabilityAlive(6, 6, 6, 1)).toBeCloseTo(0.93, 2);
  });

  it('expected donations in 2002–2006 sum to 12,884.2 (Hardie’s BG/BB spreadsheet, note 010, “Conditional Expectations (II)”)', () => {
    expect(fitted.ok).toBe(true);
    if (!fitted.ok) return;
    const total = donations.reduce(
      (sum, row) =>
        sum +
        row.weight * fitted.value.conditionalExpectedPurchases(5, row.frequency, row.recency, row.periods),
      0,
    );
    expect(Math.abs(total - 12884.2)).toBeLessThan(0.5);
  });

  it('P(X(6) = 0) and P(X(6) = 6) × 11,104 match Hardie’s “In-Sample Fit” cells C18 (3,454.9) and C24 (1,253.1)', () => {
    expect(fitted.ok).toBe(true);
    if (!fitted.ok) return;
    expect(Math.abs(fitted.value.probabilityOfPurchases(0, 6) * 11104 - 3454.9)).toBeLessThan(0.5);
    expect(Math.abs(fitted.value.probabilityOfPurchases(6, 6) * 11104 - 1253.1)).toBeLessThan(0.5);
  });

  it('property: shuffled or exploded (unweighted) data give the same parameters', () => {
    expect(fitted.ok).toBe(true);
    if (!fitted.ok) return;
    const exploded = donations.flatMap((row) =>
      Array.from({ length: row.weight }, () => ({
        frequency: row.frequency,
        recency: row.recency,
        periods: row.periods,
      })),
    );
    const unweighted = BgBb.fit(exploded);
    expect(unweighted.ok).toBe(true);
    if (unweighted.ok) expect(unweighted.value.params.alpha).toBeCloseTo(fitted.value.params.alpha, 5);
    fc.assert(
      fc.property(
        fc.array(fc.nat(), { minLength: donations.length, maxLength: donations.length }),
        (keys) => {
          const shuffled = donations
            .map((row, i) => ({ row, key: keys[i]! }))
            .sort((a, b) => a.key - b.key)
            .map(({ row }) => row);
          const refit = BgBb.fit(shuffled);
          if (!refit.ok) return false;
          return (['alpha', 'beta', 'gamma', 'delta'] as const).every(
            (name) => Math.abs(refit.value.params[name] - fitted.value.params[name]) < 1e-5,
          );
        },
      ),
      { numRuns: 10 },
    );
  });
});

describe('BG/BB formulas', () => {
  it('log-likelihood of a one-opportunity customer matches the hand computation', () => {
    // α = β = γ = δ = 1, x = 0, t_x = 0, n = 1:
    // alive: B(1,2)/B(1,1) · B(1,2)/B(1,1) = 1/2 · 1/2 = 1/4; dead at opportunity 1: B(1,1)/B(1,1) · B(2,1)/B(1,1) = 1/2
    const ll = bgBbLogLikelihood({ alpha: 1, beta: 1, gamma: 1, delta: 1 }, [
      { frequency: 0, recency: 0, periods: 1 },
    ]);
    expect(ll).toBeCloseTo(Math.log(0.75), 12);
  });

  it('analytic gradient matches central finite differences in log-parameters', () => {
    const rows = [
      { frequency: 0, recency: 0, periods: 6, weight: 10 },
      { frequency: 3, recency: 5, periods: 6, weight: 2 },
      { frequency: 6, recency: 6, periods: 6 },
      { frequency: 1, recency: 2, periods: 4, weight: 3 },
    ];
    const logParams = [Math.log(1.3), Math.log(0.8), Math.log(0.6), Math.log(2.5)];
    const at = (values: number[]) => ({
      alpha: Math.exp(values[0]!),
      beta: Math.exp(values[1]!),
      gamma: Math.exp(values[2]!),
      delta: Math.exp(values[3]!),
    });
    const gradient = new Float64Array(4);
    bgBbLogLikelihood(at(logParams), rows, gradient);
    for (let k = 0; k < 4; k++) {
      const step = 1e-6;
      const up = [...logParams];
      const down = [...logParams];
      up[k]! += step;
      down[k]! -= step;
      const numeric = (bgBbLogLikelihood(at(up), rows) - bgBbLogLikelihood(at(down), rows)) / (2 * step);
      expect(gradient[k]!).toBeCloseTo(numeric, 5);
    }
  });

  it('E[X(n)] equals the sum of the PMF × x, and the closed form equals the γ → 1 sum', () => {
    const model = BgBb.fromParams(PUBLISHED);
    let mean = 0;
    for (let x = 0; x <= 6; x++) mean += x * model.probabilityOfPurchases(x, 6);
    expect(model.expectedPurchases(6)).toBeCloseTo(mean, 10);
    let total = 0;
    for (let x = 0; x <= 6; x++) total += model.probabilityOfPurchases(x, 6);
    expect(total).toBeCloseTo(1, 12);
    // Near γ = 1 the code switches to the plain sum; both sides of the switch must agree.
    const justBelow = BgBb.fromParams({ ...PUBLISHED, gamma: 1 - 2e-6 });
    const atOne = BgBb.fromParams({ ...PUBLISHED, gamma: 1 });
    expect(atOne.expectedPurchases(6)).toBeCloseTo(justBelow.expectedPurchases(6), 5);
    expect(atOne.conditionalExpectedPurchases(5, 2, 4, 6)).toBeCloseTo(
      justBelow.conditionalExpectedPurchases(5, 2, 4, 6),
      5,
    );
  });

  it('P(alive) at m = 0 is 1 for a customer who transacted at the last opportunity, and falls with m', () => {
    const model = BgBb.fromParams(PUBLISHED);
    // x = t_x = n: the customer was alive at opportunity n, so P(alive at n) = 1.
    expect(model.probabilityAlive(3, 6, 6, 0)).toBeCloseTo(1, 12);
    expect(model.probabilityAlive(2, 4, 6, 1)).toBeLessThan(model.probabilityAlive(2, 4, 6, 0));
    expect(model.probabilityAlive(2, 4, 6, 5)).toBeLessThan(model.probabilityAlive(2, 4, 6, 1));
  });

  it('rejects inconsistent summaries as values', () => {
    const result = BgBb.fit([{ frequency: 3, recency: 2, periods: 6 }]);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('invalid-summary');
  });
});
