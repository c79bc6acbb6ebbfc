import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCdnowSummary } from '../../../test/support/fixtures.js';
import { InvalidInputError } from '../input-error.js';
import { BgNbd } from './bg-nbd.js';
import { compressSummaries } from './transaction-model.js';

/** Published maximum-likelihood values on the CDNOW summary (FHL 2005; test/fixtures/README.md). */
const PUBLISHED = { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 };

function expectSignificant(actual: number, expected: number, digits = 3): void {
  // Agreement to `digits` significant figures: |actual − expected| ≤ half a unit in the last place.
  const unit = 10 ** (Math.floor(Math.log10(Math.abs(expected))) - digits + 1);
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(unit / 2);
}

describe('BgNbd.fit on CDNOW', () => {
  const data = loadCdnowSummary();

  it('reproduces Fader, Hardie & Lee (2005): r 0.2426, α 4.4135, a 0.7929, b 2.4258, LL −9,582.43', () => {
    const fit = BgNbd.fit(data);
    expect(fit.ok).toBe(true);
    if (!fit.ok) return;
    const { r, alpha, a, b } = fit.value.params;
    expectSignificant(r, PUBLISHED.r, 4);
    expectSignificant(alpha, PUBLISHED.alpha, 4);
    expectSignificant(a, PUBLISHED.a, 4);
    expectSignificant(b, PUBLISHED.b, 4);
    expect(fit.value.logLikelihood).toBeCloseTo(-9582.43, 1);
  });

  it('gives the same parameters for shuffled input and for duplicated rows as weights', () => {
    const base = BgNbd.fit(data);
    const order = Array.from({ length: data.length }, (_, index) => index);
    // A deterministic shuffle: order the rows by a multiplicative hash of their index.
    order.sort((left, right) => ((left * 2654435761) >>> 0) - ((right * 2654435761) >>> 0));
    const shuffled = BgNbd.fit({
      length: data.length,
      frequency: Float64Array.from(order, (index) => data.frequency[index]!),
      recency: Float64Array.from(order, (index) => data.recency[index]!),
      T: Float64Array.from(order, (index) => data.T[index]!),
    });
    // Each row twice, versus each row once with weight 2: same maximiser (the objective is a mean).
    const doubledRows = BgNbd.fit({
      length: 2 * data.length,
      frequency: Float64Array.from({ length: 2 * data.length }, (_, i) => data.frequency[i % data.length]!),
      recency: Float64Array.from({ length: 2 * data.length }, (_, i) => data.recency[i % data.length]!),
      T: Float64Array.from({ length: 2 * data.length }, (_, i) => data.T[i % data.length]!),
    });
    const weighted = BgNbd.fit({ ...data, weight: new Float64Array(data.length).fill(2) });
    for (const other of [shuffled, doubledRows, weighted]) {
      expect(base.ok && other.ok).toBe(true);
      if (!base.ok || !other.ok) return;
      for (const name of ['r', 'alpha', 'a', 'b'] as const) {
        expect(other.value.params[name]).toBeCloseTo(base.value.params[name], 6);
      }
    }
    if (weighted.ok && base.ok)
      expect(weighted.value.logLikelihood).toBeCloseTo(2 * base.value.logLikelihood, 4);
  });

  it('penalizer shrinks the parameters (lifetimes penalizer_coef: + c Σ θ²)', () => {
    const plain = BgNbd.fit(data);
    const penalized = BgNbd.fit(data, { penalizer: 0.1 });
    expect(plain.ok && penalized.ok).toBe(true);
    if (!plain.ok || !penalized.ok) return;
    const squared = (p: { r: number; alpha: number; a: number; b: number }) =>
      p.r ** 2 + p.alpha ** 2 + p.a ** 2 + p.b ** 2;
    expect(squared(penalized.value.params)).toBeLessThan(squared(plain.value.params));
    expect(penalized.value.logLikelihood).toBeLessThan(plain.value.logLikelihood);
  });

  it('log-likelihood at the published parameters is −9,582.43 (FHL 2005)', () => {
    const model = BgNbd.fromParams(PUBLISHED);
    const logLikelihood = model.logLikelihoodOf(data);
    expect(logLikelihood.ok && logLikelihood.value).toBeCloseTo(-9582.43, 1);
  });

  it('analytic gradient matches central finite differences', () => {
    const compressed = compressSummaries(data);
    if (!compressed.ok) throw new Error('fixture');
    fc.assert(
      fc.property(
        fc.double({ min: 0.1, max: 3, noNaN: true }),
        fc.double({ min: 0.5, max: 20, noNaN: true }),
        fc.double({ min: 0.2, max: 3, noNaN: true }),
        fc.double({ min: 0.2, max: 5, noNaN: true }),
        (r, alpha, a, b) => {
          const params = { r, alpha, a, b };
          const gradient = new Float64Array(4);
          new BgNbd(params).logLikelihoodGradient(compressed.value, gradient);
          const names = ['r', 'alpha', 'a', 'b'] as const;
          names.forEach((name, index) => {
            const step = 1e-6 * params[name];
            const at = (value: number) =>
              new BgNbd({ ...params, [name]: value }).logLikelihoodGradient(
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
});

describe('BgNbd predictions', () => {
  const model = BgNbd.fromParams(PUBLISHED);

  it('CDNOW customer 1 (x = 2, t_x = 30.43, T = 38.86) expects 1.226 purchases in the next 39 weeks (FHL 2005)', () => {
    expect(model.conditionalExpectedPurchases(39, 2, 30.43, 38.86)).toBeCloseTo(1.226, 3);
  });

  it('a single customer with x = 0 has likelihood (α/(α + T))^r (hand-worked: r = α = T = 1 → 1/2)', () => {
    const unit = BgNbd.fromParams({ r: 1, alpha: 1, a: 1, b: 1 });
    const logLikelihood = unit.logLikelihoodOf([{ frequency: 0, recency: 0, T: 1 }]);
    expect(logLikelihood.ok && logLikelihood.value).toBeCloseTo(Math.log(0.5), 14);
  });

  it('P(alive) is exactly 1 for x = 0 and exactly 0 (not NaN) for x = 1000, t_x = 10, T = 100', () => {
    expect(model.probabilityAlive(0, 0, 38.86)).toBe(1);
    expect(model.probabilityAlive(1000, 10, 100)).toBe(0);
    expect(model.conditionalExpectedPurchases(39, 1000, 10, 100)).toBe(0);
  });

  it('P(alive) by hand for x = 1, t_x = T: 1/(1 + a/b) = b/(a + b)', () => {
    // ((α+T)/(α+t_x))^(r+x) = 1 when t_x = T, so P = 1/(1 + a/(b + 1 − 1)).
    expect(model.probabilityAlive(1, 20, 20)).toBeCloseTo(2.4258 / (0.7929 + 2.4258), 12);
  });

  it('the log-likelihood stays finite for x = 200', () => {
    const logLikelihood = model.logLikelihoodOf([{ frequency: 200, recency: 38, T: 38.86 }]);
    expect(logLikelihood.ok && Number.isFinite(logLikelihood.value)).toBe(true);
  });

  it('P(X(t) = 0) = (α/(α + t))^r (FHL 2005 eq. 8 with n = 0)', () => {
    // n = 0: only the first term, B(a, b)/B(a, b) · NB(0) = (α/(α + t))^r.
    expect(model.probabilityOfPurchases(0, 39)).toBeCloseTo((4.4135 / (4.4135 + 39)) ** 0.2426, 14);
  });

  it('probabilityAliveHistory starts at 1 and drops between purchases', () => {
    const history = model.probabilityAliveHistory([0, 2, 4], 30, 1);
    expect(history.probabilities[0]).toBe(1);
    expect(history.probabilities[30]!).toBeLessThan(history.probabilities[4]!);
  });

  it('rejects non-positive parameters', () => {
    expect(BgNbd.create({ ...PUBLISHED, a: 0 }).ok).toBe(false);
    expect(() => new BgNbd({ ...PUBLISHED, r: Number.NaN })).toThrow(InvalidInputError);
  });
});

describe('BgNbd.fit on data that cannot identify the model', () => {
  it('returns a degenerate-fit error instead of run-away parameters', () => {
    // Five customers whose purchase pattern has no interior optimum: without the check the
    // optimiser "converges" with r near 3e146 and a positive log-likelihood of 6.8e133.
    const result = BgNbd.fit([
      { frequency: 1, recency: 10, T: 30 },
      { frequency: 2, recency: 20, T: 30 },
      { frequency: 3, recency: 25, T: 30 },
      { frequency: 0, recency: 0, T: 30 },
      { frequency: 1, recency: 3, T: 20 },
    ]);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('degenerate-fit');
  });
});
