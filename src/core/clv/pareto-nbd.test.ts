import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dollarsToCents,
  loadCdnowSampleTransactions,
  loadCdnowSummary,
} from '../../../test/support/fixtures.js';
import { orderTableFromRecords } from '../data/order-table.js';
import { integrate } from '../math/quadrature.js';
import { ParetoNbd } from './pareto-nbd.js';
import { summarizeColumns } from './summarize.js';
import { compressSummaries } from './transaction-model.js';

/** Pareto/NBD on the CDNOW summary (FHL 2005 Table 1; test/fixtures/README.md). */
const PUBLISHED = { r: 0.5533, alpha: 10.578, s: 0.6062, beta: 11.667 };

/**
 * The likelihood straight from its definition (Fader & Hardie note §3, before the ₂F₁ closed form):
 * Γ(r+x) α^r β^s / Γ(r) · [H(T) + s ∫_{t_x}^T (α+τ)^−(r+x) (β+τ)^−(s+1) dτ], by quadrature.
 */
function likelihoodByQuadrature(p: typeof PUBLISHED, x: number, tx: number, T: number): number {
  const { r, alpha, s, beta } = p;
  const logFront = logGammaRatio(r, x) + r * Math.log(alpha) + s * Math.log(beta);
  const logIntegrand = (tau: number) => -(r + x) * Math.log(alpha + tau) - (s + 1) * Math.log(beta + tau);
  // Scale by the integrand's largest value (at τ = t_x, it decreases) so the quadrature works on O(1) numbers.
  const peak = logIntegrand(tx);
  const logAlive = -(r + x) * Math.log(alpha + T) - s * Math.log(beta + T) - peak;
  const dead = integrate((tau) => Math.exp(logIntegrand(tau) - peak), tx, T, 1e-13);
  return logFront + peak + Math.log(Math.exp(logAlive) + s * dead);
}

/** ln Γ(r + x) − ln Γ(r) for integer x, as Σ ln(r + j). */
function logGammaRatio(r: number, x: number): number {
  let sum = 0;
  for (let j = 0; j < x; j++) sum += Math.log(r + j);
  return sum;
}

describe('ParetoNbd', () => {
  const data = loadCdnowSummary();

  it('reproduces FHL 2005 Table 1: r 0.5533, α 10.578, s 0.6062, β 11.667, LL −9,594.97', () => {
    const fit = ParetoNbd.fit(data);
    expect(fit.ok).toBe(true);
    if (!fit.ok) return;
    expect(fit.value.params.r).toBeCloseTo(PUBLISHED.r, 3);
    expect(fit.value.params.alpha).toBeCloseTo(PUBLISHED.alpha, 2);
    expect(fit.value.params.s).toBeCloseTo(PUBLISHED.s, 3);
    expect(fit.value.params.beta).toBeCloseTo(PUBLISHED.beta, 2);
    expect(fit.value.logLikelihood).toBeCloseTo(-9594.97, 1);
  });

  it('with maxScaleRatio gives up on a fit drifting along s, β → ∞, and changes no other fit', () => {
    const limited = ParetoNbd.fit(data, { maxScaleRatio: 100 });
    const free = ParetoNbd.fit(data);
    expect(limited.ok && free.ok && limited.value.params).toEqual(free.ok && free.value.params);
    // The CDNOW sample's first four months (orders through 1997-04-30) do not identify heterogeneous
    // lifetimes: the unlimited fit drifts to s ≈ 60, β ≈ 1,000 (β/α > 100) within 48 iterations
    // and then needs minutes per iteration (measured while adding the option). With the limit it
    // stops at the first step beyond β/α = 100.
    const early = summarizeColumns(
      orderTableFromRecords(
        loadCdnowSampleTransactions().map((transaction) => ({
          customerId: transaction.customerId,
          orderedAt: Date.parse(`${transaction.date}T00:00:00Z`),
          amountCents: dollarsToCents(transaction.dollars),
        })),
      ),
      { calibrationEnd: Date.UTC(1997, 3, 30), timeUnit: 'week' },
    );
    const drifting = ParetoNbd.fit(early, { maxScaleRatio: 100 });
    expect(drifting.ok ? null : drifting.error.code).toBe('degenerate-fit');
    const invalid = ParetoNbd.fit(data, { maxScaleRatio: 1 });
    expect(invalid.ok ? null : invalid.error.code).toBe('invalid-option');
  });

  it('the ₂F₁ likelihood equals the defining integral, for α > β and α < β and large x', () => {
    const cases = [
      [PUBLISHED, 2, 30.43, 38.86],
      [PUBLISHED, 0, 0, 38.86],
      [{ ...PUBLISHED, alpha: 2, beta: 40 }, 5, 10, 30],
      [{ ...PUBLISHED, alpha: 60, beta: 1.5 }, 5, 10, 30],
      [PUBLISHED, 200, 38, 38.86],
    ] as const;
    for (const [params, x, tx, T] of cases) {
      const model = ParetoNbd.fromParams(params);
      const logLikelihood = model.logLikelihoodOf([{ frequency: x, recency: tx, T }]);
      expect(logLikelihood.ok).toBe(true);
      if (!logLikelihood.ok) return;
      expect(logLikelihood.value).toBeCloseTo(likelihoodByQuadrature(params, x, tx, T), 7);
    }
  });

  it('analytic gradient matches central finite differences on both sides of α = β', () => {
    const compressed = compressSummaries(data);
    if (!compressed.ok) throw new Error('fixture');
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 3, noNaN: true }),
        fc.double({ min: 0.5, max: 40, noNaN: true }),
        fc.double({ min: 0.1, max: 3, noNaN: true }),
        fc.double({ min: 0.5, max: 40, noNaN: true }),
        (r, alpha, s, beta) => {
          const params = { r, alpha, s, beta };
          const gradient = new Float64Array(4);
          new ParetoNbd(params).logLikelihoodGradient(compressed.value, gradient);
          (['r', 'alpha', 's', 'beta'] as const).forEach((name, index) => {
            const step = 1e-6 * params[name];
            const at = (value: number) =>
              new ParetoNbd({ ...params, [name]: value }).logLikelihoodGradient(
                compressed.value,
                new Float64Array(4),
              );
            const numeric = (at(params[name] + step) - at(params[name] - step)) / (2 * step);
            expect(Math.abs(gradient[index]! - numeric)).toBeLessThan(1e-4 * (1 + Math.abs(numeric)));
          });
        },
      ),
      { numRuns: 15 },
    );
  });

  it('is stable at extremes: P(alive) 0 for x = 1000, t_x = 10, T = 100; finite log-likelihood for x = 200', () => {
    const model = ParetoNbd.fromParams(PUBLISHED);
    expect(model.probabilityAlive(1000, 10, 100)).toBe(0);
    expect(model.conditionalExpectedPurchases(39, 1000, 10, 100)).toBe(0);
    expect(model.probabilityAlive(0, 0, 0)).toBe(1); // nothing observed yet: H(0)/D = 1
    const extreme = model.logLikelihoodOf([
      { frequency: 200, recency: 38, T: 38.86 },
      { frequency: 0, recency: 0, T: 1e5 },
      { frequency: 1000, recency: 1, T: 1000 },
    ]);
    expect(extreme.ok && Number.isFinite(extreme.value)).toBe(true);
    const lopsided = ParetoNbd.fromParams({ r: 0.5, alpha: 1000, s: 0.6, beta: 0.5 });
    expect(Number.isFinite(lopsided.probabilityAlive(0, 0, 38))).toBe(true);
  });

  it('E[X(t)] is continuous through s = 1 (limit r β/α · ln(1 + t/β))', () => {
    const atOne = ParetoNbd.fromParams({ ...PUBLISHED, s: 1 });
    const expected = (0.5533 * 11.667 * Math.log1p(39 / 11.667)) / 10.578;
    expect(atOne.expectedPurchases(39)).toBeCloseTo(expected, 12);
  });
});
