import { describe, expect, it } from 'vitest';
import { loadCdnowSummary } from '../../../test/support/fixtures.js';
import { MbgNbd } from './mbg-nbd.js';
import { compressSummaries } from './transaction-model.js';

/** MBG/NBD on the CDNOW summary: values as in BTYDplus / lifetimes tests (test/fixtures/README.md). */
const PUBLISHED = { r: 0.5248, alpha: 6.183, a: 0.8914, b: 1.614 };

describe('MbgNbd', () => {
  const data = loadCdnowSummary();

  it('reproduces r 0.5248, α 6.1830, a 0.8914, b 1.6140, LL −9,582.13 on CDNOW', () => {
    const fit = MbgNbd.fit(data);
    expect(fit.ok).toBe(true);
    if (!fit.ok) return;
    expect(fit.value.params.r).toBeCloseTo(PUBLISHED.r, 3);
    expect(fit.value.params.alpha).toBeCloseTo(PUBLISHED.alpha, 2);
    expect(fit.value.params.a).toBeCloseTo(PUBLISHED.a, 3);
    expect(fit.value.params.b).toBeCloseTo(PUBLISHED.b, 3);
    expect(fit.value.logLikelihood).toBeCloseTo(-9582.13, 1);
  });

  it('analytic gradient matches central finite differences at the published point and away from it', () => {
    const compressed = compressSummaries(data);
    if (!compressed.ok) throw new Error('fixture');
    for (const params of [PUBLISHED, { r: 2, alpha: 1, a: 3, b: 0.3 }]) {
      const gradient = new Float64Array(4);
      new MbgNbd(params).logLikelihoodGradient(compressed.value, gradient);
      (['r', 'alpha', 'a', 'b'] as const).forEach((name, index) => {
        const step = 1e-6 * params[name];
        const at = (value: number) =>
          new MbgNbd({ ...params, [name]: value }).logLikelihoodGradient(
            compressed.value,
            new Float64Array(4),
          );
        const numeric = (at(params[name] + step) - at(params[name] - step)) / (2 * step);
        expect(Math.abs(gradient[index]! - numeric)).toBeLessThan(1e-4 * (1 + Math.abs(numeric)));
      });
    }
  });

  it('P(alive) for a non-repeater is below 1: b/(a + b) at t_x = T = 0 (dropout possible at time 0)', () => {
    const model = MbgNbd.fromParams(PUBLISHED);
    // 1/(1 + a/(b + 0)) = b/(a + b) = 1.614 / 2.5054
    expect(model.probabilityAlive(0, 0, 0)).toBeCloseTo(1.614 / 2.5054, 12);
    expect(model.probabilityAlive(0, 0, 38.86)).toBeLessThan(1.614 / 2.5054);
    expect(model.probabilityAlive(1000, 10, 100)).toBe(0);
  });

  it('P(X(t) = 0) = B(a, b + 1)/B(a, b) (α/(α+t))^r + B(a + 1, b)/B(a, b) = b/(a+b) NB(0) + a/(a+b)', () => {
    const model = MbgNbd.fromParams(PUBLISHED);
    const nb0 = (6.183 / (6.183 + 39)) ** 0.5248;
    expect(model.probabilityOfPurchases(0, 39)).toBeCloseTo((1.614 * nb0 + 0.8914) / 2.5054, 12);
  });
});
