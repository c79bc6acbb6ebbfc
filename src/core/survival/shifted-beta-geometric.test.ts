import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../input-error.js';
import { ShiftedBetaGeometric, shiftedBetaGeometricLogLikelihood } from './shifted-beta-geometric.js';

// Fader & Hardie 2007, "How to Project Customer Retention", Table 1: customers (of 1,000) still
// active at the start of years 0–7; the paper fits years 1–7 (7 periods of churn data, the
// survivors at year 7 right-censored) and reports the estimates below.
const REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241];
const HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491];

describe('ShiftedBetaGeometric.fit (Fader & Hardie 2007)', () => {
  it('reproduces the Regular segment: α 0.704, β 1.182', () => {
    const fitted = ShiftedBetaGeometric.fit(REGULAR);
    expect(fitted.ok).toBe(true);
    if (!fitted.ok) return;
    expect(fitted.value.params.alpha).toBeCloseTo(0.704, 3);
    expect(fitted.value.params.beta).toBeCloseTo(1.182, 3);
    expect(fitted.value.cohortSize).toBe(1000);
  });

  it('reproduces the High End segment: α 0.668, β 3.806', () => {
    const fitted = ShiftedBetaGeometric.fit(HIGH_END);
    expect(fitted.ok).toBe(true);
    if (!fitted.ok) return;
    expect(fitted.value.params.alpha).toBeCloseTo(0.668, 3);
    expect(fitted.value.params.beta).toBeCloseTo(3.806, 3);
  });

  it('fits the same parameters from percentages as from counts', () => {
    const fromCounts = ShiftedBetaGeometric.fit(REGULAR);
    const fromPercent = ShiftedBetaGeometric.fit(REGULAR.map((count) => count / 10));
    expect(fromCounts.ok && fromPercent.ok).toBe(true);
    if (!fromCounts.ok || !fromPercent.ok) return;
    expect(fromPercent.value.params.alpha).toBeCloseTo(fromCounts.value.params.alpha, 6);
    expect(fromPercent.value.params.beta).toBeCloseTo(fromCounts.value.params.beta, 6);
  });

  it('returns unusable input as error values', () => {
    const codes = [[1000], [100, 120], [0, 0], [50, 50, 50], [10, Number.NaN]].map((counts) => {
      const result = ShiftedBetaGeometric.fit(counts);
      return result.ok ? 'ok' : result.error.code;
    });
    expect(codes).toEqual([
      'not-enough-periods',
      'increasing-survivors',
      'empty-cohort',
      'no-churn',
      'invalid-count',
    ]);
  });
});

describe('sBG formulas', () => {
  // α = β = 1 (θ uniform): S(t) = B(1, 1+t)/B(1,1) = 1/(1+t); r_t = t/(t+1); P(T=t) = B(2,t) = 1/(t(t+1)).
  const uniform = ShiftedBetaGeometric.fromParams({ alpha: 1, beta: 1 });

  it('survival, retention rate and churn probability match the hand-worked uniform case', () => {
    expect(uniform.survival(0)).toBe(1);
    expect(uniform.survival(3)).toBeCloseTo(1 / 4, 12);
    expect(uniform.retentionRate(1)).toBeCloseTo(1 / 2, 12);
    expect(uniform.retentionRate(3)).toBeCloseTo(3 / 4, 12);
    expect(uniform.churnProbability(2)).toBeCloseTo(1 / 6, 12);
    expect(uniform.churnProbability(0)).toBe(0);
    expect(() => uniform.retentionRate(0)).toThrow(InvalidInputError);
  });

  it('project gives initial × S(t): [1000, 500, 333.3…, 250] in the uniform case', () => {
    const projected = uniform.project(3, 1000);
    expect(Array.from(projected).map((value) => Number(value.toFixed(6)))).toEqual([
      1000, 500, 333.333333, 250,
    ]);
  });

  it('Regular segment at the published parameters: r_1 = β/(α+β) and S(7) close to the observed 24.1 %', () => {
    const regular = ShiftedBetaGeometric.fromParams({ alpha: 0.704, beta: 1.182 });
    // 1.182 / 1.886 = 0.62672…
    expect(regular.retentionRate(1)).toBeCloseTo(1.182 / 1.886, 12);
    // The paper's Figure shows the fitted curve through the data; year 7 observed 241 of 1,000.
    expect(regular.project(7, 1000)[7]!).toBeGreaterThan(230);
    expect(regular.project(7, 1000)[7]!).toBeLessThan(252);
    expect(regular.expectedLifetime()).toBe(Number.POSITIVE_INFINITY);
  });

  it('expected lifetime (α+β−1)/(α−1) equals Σ S(t) when α > 1', () => {
    const model = ShiftedBetaGeometric.fromParams({ alpha: 3, beta: 2 });
    // (3 + 2 − 1)/(3 − 1) = 2
    expect(model.expectedLifetime()).toBeCloseTo(2, 12);
    let sum = 0;
    for (let t = 0; t < 20000; t++) sum += model.survival(t);
    expect(sum).toBeCloseTo(2, 6);
  });

  it('log-likelihood of [2, 1] at α = β = 1 is 2 ln ½ (one loss in period 1, one survivor)', () => {
    expect(shiftedBetaGeometricLogLikelihood({ alpha: 1, beta: 1 }, [2, 1])).toBeCloseTo(
      2 * Math.log(0.5),
      12,
    );
  });

  it('analytic gradient matches central finite differences in log-parameters', () => {
    const logParams = [Math.log(0.8), Math.log(1.7)];
    const at = (values: number[]) => ({ alpha: Math.exp(values[0]!), beta: Math.exp(values[1]!) });
    const gradient = new Float64Array(2);
    shiftedBetaGeometricLogLikelihood(at(logParams), REGULAR, gradient);
    for (let k = 0; k < 2; k++) {
      const step = 1e-6;
      const up = [...logParams];
      const down = [...logParams];
      up[k]! += step;
      down[k]! -= step;
      const numeric =
        (shiftedBetaGeometricLogLikelihood(at(up), REGULAR) -
          shiftedBetaGeometricLogLikelihood(at(down), REGULAR)) /
        (2 * step);
      expect(gradient[k]!).toBeCloseTo(numeric, 3);
    }
  });

  it('property: retention rate increases with t, survival falls, and churn + survival probabilities sum to 1', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 20, noNaN: true }),
        fc.double({ min: 0.05, max: 20, noNaN: true }),
        fc.integer({ min: 1, max: 40 }),
        (alpha, beta, t) => {
          const model = ShiftedBetaGeometric.fromParams({ alpha, beta });
          let lost = 0;
          for (let period = 1; period <= t; period++) lost += model.churnProbability(period);
          return (
            model.retentionRate(t + 1) > model.retentionRate(t) &&
            model.survival(t + 1) < model.survival(t) &&
            Math.abs(lost + model.survival(t) - 1) < 1e-9
          );
        },
      ),
    );
  });
});
