import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCdnowSummary } from '../../../test/support/fixtures.js';
import { GammaGamma, gammaGammaLogLikelihood, preparedLogLikelihood, prepareSpend } from './gamma-gamma.js';

describe('GammaGamma.fit on CDNOW', () => {
  const summary = loadCdnowSummary();
  const fitted = GammaGamma.fit(summary);

  it('reproduces Fader, Hardie & Lee 2005 (JMR) p 6.2488, q 3.7446, γ 15.4477 on the 946 repeaters', () => {
    // Published values: test/fixtures/README.md (paper: 6.25, 3.74, 15.44; lifetimes test_estimation.py).
    expect(fitted.ok).toBe(true);
    if (!fitted.ok) return;
    const model = fitted.value;
    expect(model.repeatCustomers).toBe(946);
    expect(model.params.p).toBeCloseTo(6.2488, 3);
    expect(model.params.q).toBeCloseTo(3.7446, 3);
    expect(model.params.gamma).toBeCloseTo(15.4477, 2);
  });

  it('matches Hardie’s spreadsheet E[M] for the first ten CDNOW customers at p 6.25, q 3.74, γ 15.44', () => {
    // Expected values: brucehardie.com note 025 spreadsheet, as quoted in lifetimes'
    // test_conditional_expected_average_profit (atol 0.1).
    const model = GammaGamma.fromParams({ p: 6.25, q: 3.74, gamma: 15.44 });
    const expected = [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17];
    expected.forEach((value, index) => {
      const actual = model.conditionalExpectedAverageValue(
        summary.frequency[index]!,
        summary.monetary![index]!,
      );
      expect(Math.abs(actual - value)).toBeLessThan(0.1);
    });
  });

  it('reports the frequency–monetary correlation over repeaters and no warning below |0.3|', () => {
    expect(fitted.ok).toBe(true);
    if (!fitted.ok) return;
    // Reference: the plain Pearson r over the 946 rows with x > 0, computed here independently.
    const xs: number[] = [];
    const ms: number[] = [];
    for (let i = 0; i < summary.length; i++) {
      if (summary.frequency[i]! > 0) {
        xs.push(summary.frequency[i]!);
        ms.push(summary.monetary![i]!);
      }
    }
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const mx = mean(xs);
    const mm = mean(ms);
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    xs.forEach((x, i) => {
      sxy += (x - mx) * (ms[i]! - mm);
      sxx += (x - mx) ** 2;
      syy += (ms[i]! - mm) ** 2;
    });
    expect(fitted.value.frequencyMonetaryCorrelation).toBeCloseTo(sxy / Math.sqrt(sxx * syy), 12);
    expect(Math.abs(fitted.value.frequencyMonetaryCorrelation!)).toBeLessThan(0.3);
    expect(fitted.value.warnings).toEqual([]);
  });

  it('fits the same parameters from rows as from columns, and ignores rows with frequency 0', () => {
    const rows = Array.from({ length: summary.length }, (_, i) => ({
      frequency: summary.frequency[i]!,
      monetary: summary.monetary![i]!,
    }));
    const repeatersOnly = rows.filter((row) => row.frequency > 0);
    const fromRows = GammaGamma.fit(repeatersOnly);
    expect(fromRows.ok && fitted.ok).toBe(true);
    if (!fromRows.ok || !fitted.ok) return;
    expect(fromRows.value.params.p).toBeCloseTo(fitted.value.params.p, 6);
    expect(fromRows.value.params.q).toBeCloseTo(fitted.value.params.q, 6);
    expect(fromRows.value.params.gamma).toBeCloseTo(fitted.value.params.gamma, 5);
  });
});

describe('GammaGamma formulas', () => {
  it('E[M | x, m] is the posterior weighted average p(γ + x m)/(p x + q − 1)', () => {
    const model = GammaGamma.fromParams({ p: 6, q: 4, gamma: 15 });
    // 6 × (15 + 2 × 30) / (6 × 2 + 4 − 1) = 450 / 15 = 30
    expect(model.conditionalExpectedAverageValue(2, 30)).toBeCloseTo(30, 12);
    // x = 0: the population mean p γ / (q − 1) = 6 × 15 / 3 = 30
    expect(model.conditionalExpectedAverageValue(0, 0)).toBeCloseTo(30, 12);
    expect(model.expectedAverageValue()).toBeCloseTo(30, 12);
    // 6 × (15 + 10 × 100) / (60 + 3) = 6090 / 63 = 96.666…
    expect(model.conditionalExpectedAverageValue(10, 100)).toBeCloseTo(6090 / 63, 12);
    expect(GammaGamma.fromParams({ p: 1, q: 0.5, gamma: 1 }).expectedAverageValue()).toBe(
      Number.POSITIVE_INFINITY,
    );
  });

  it('log-likelihood of one customer matches the density worked by hand', () => {
    // p = 1, q = 2, γ = 3, x = 1, m = 3:
    // ln Γ(3) − ln Γ(1) − ln Γ(2) + 2 ln 3 + 0 × ln 3 + 1 × ln 1 − 3 ln(3 + 3) = ln 2 + 2 ln 3 − 3 ln 6
    const expected = Math.log(2) + 2 * Math.log(3) - 3 * Math.log(6);
    expect(gammaGammaLogLikelihood({ p: 1, q: 2, gamma: 3 }, [{ frequency: 1, monetary: 3 }])).toBeCloseTo(
      expected,
      12,
    );
  });

  it('analytic gradient matches central finite differences in log-parameters', () => {
    const rows = [
      { frequency: 1, monetary: 20 },
      { frequency: 3, monetary: 45.5 },
      { frequency: 7, monetary: 12.25, weight: 3 },
      { frequency: 0, monetary: 0 },
    ];
    const logParams = [Math.log(2.5), Math.log(3.2), Math.log(11)];
    const at = (values: number[]) => ({
      p: Math.exp(values[0]!),
      q: Math.exp(values[1]!),
      gamma: Math.exp(values[2]!),
    });
    const gradient = new Float64Array(3);
    gammaGammaLogLikelihood(at(logParams), rows, gradient);
    for (let k = 0; k < 3; k++) {
      const step = 1e-6;
      const up = [...logParams];
      const down = [...logParams];
      up[k]! += step;
      down[k]! -= step;
      const numeric =
        (gammaGammaLogLikelihood(at(up), rows) - gammaGammaLogLikelihood(at(down), rows)) / (2 * step);
      expect(gradient[k]!).toBeCloseTo(numeric, 5);
    }
  });
});

describe('GammaGamma.fit behaviour', () => {
  it('warns when frequency and spend are correlated above |0.3|', () => {
    // Spend rises with frequency by construction (level 10 + 5·(i mod 10)), scattered by a factor
    // 0.4–2.2 so the model is identified: r ≈ 0.70, clearly > 0.3. (With almost no scatter the fit
    // runs off to q, γ ≈ 1e7–1e9 and is refused as degenerate — see the next test.)
    const rows = Array.from({ length: 200 }, (_, i) => ({
      frequency: 1 + (i % 10),
      monetary: (10 + 5 * (i % 10)) * (0.4 + ((i * 37) % 23) / 12),
    }));
    const fitted = GammaGamma.fit(rows);
    expect(fitted.ok).toBe(true);
    if (!fitted.ok) return;
    expect(fitted.value.frequencyMonetaryCorrelation!).toBeGreaterThan(0.3);
    expect(fitted.value.warnings.map((warning) => warning.code)).toEqual(['frequency-monetary-correlation']);
  });

  it('refuses spends without variance as a degenerate fit', () => {
    // Nearly constant spends per frequency: the likelihood keeps rising as q and γ grow together.
    const rows = Array.from({ length: 60 }, (_, i) => ({
      frequency: 1 + (i % 10),
      monetary: 10 + 5 * (i % 10) + ((i * 7) % 3),
    }));
    const fitted = GammaGamma.fit(rows);
    expect(fitted.ok).toBe(false);
    if (!fitted.ok) expect(fitted.error.code).toBe('degenerate-fit');
  });

  it('returns errors as values for unusable input', () => {
    const noRepeaters = GammaGamma.fit([{ frequency: 0, monetary: 0 }]);
    expect(noRepeaters.ok).toBe(false);
    if (!noRepeaters.ok) expect(noRepeaters.error.code).toBe('no-repeat-customers');
    const badSpend = GammaGamma.fit([{ frequency: 2, monetary: -5 }]);
    expect(badSpend.ok).toBe(false);
    if (!badSpend.ok) expect(badSpend.error.path).toEqual(['row', 0, 'monetary']);
    const noMonetary = GammaGamma.fit({
      length: 1,
      frequency: Float64Array.of(1),
      recency: Float64Array.of(1),
      T: Float64Array.of(2),
    });
    expect(noMonetary.ok).toBe(false);
  });

  it('a penalizer shrinks the parameters (L2 on p, q, γ)', () => {
    const summary = loadCdnowSummary();
    const plain = GammaGamma.fit(summary);
    const penalized = GammaGamma.fit(summary, { penalizer: 0.01 });
    expect(plain.ok && penalized.ok).toBe(true);
    if (!plain.ok || !penalized.ok) return;
    const norm = ({ p, q, gamma }: { p: number; q: number; gamma: number }) => p * p + q * q + gamma * gamma;
    expect(norm(penalized.value.params)).toBeLessThan(norm(plain.value.params));
    expect(penalized.value.logLikelihood).toBeLessThan(plain.value.logLikelihood);
  });

  it('property: shuffling the customers gives the same parameters; rescaling money rescales γ only', () => {
    const summary = loadCdnowSummary();
    const rows = Array.from({ length: summary.length }, (_, i) => ({
      frequency: summary.frequency[i]!,
      monetary: summary.monetary![i]!,
    })).filter((row) => row.frequency > 0);
    const reference = GammaGamma.fit(rows);
    expect(reference.ok).toBe(true);
    if (!reference.ok) return;
    fc.assert(
      fc.property(
        fc.array(fc.nat(), { minLength: rows.length, maxLength: rows.length }),
        fc.constantFrom(1, 100),
        (keys, scale) => {
          const shuffled = rows
            .map((row, i) => ({ row, key: keys[i]! }))
            .sort((a, b) => a.key - b.key)
            .map(({ row }) => ({ frequency: row.frequency, monetary: row.monetary * scale }));
          const refit = GammaGamma.fit(shuffled);
          if (!refit.ok) return false;
          const { p, q, gamma } = refit.value.params;
          const close = (a: number, b: number) => Math.abs(a - b) <= 1e-4 * Math.abs(b);
          return (
            close(p, reference.value.params.p) &&
            close(q, reference.value.params.q) &&
            close(gamma, reference.value.params.gamma * scale)
          );
        },
      ),
      { numRuns: 8 },
    );
  });
});

describe('the fit kernel (prepared sums per frequency)', () => {
  it('equals the per-row log-likelihood and gradient at any parameters (property)', () => {
    const cdnow = loadCdnowSummary();
    const columns = {
      length: cdnow.length,
      frequency: cdnow.frequency,
      monetary: cdnow.monetary!,
      weight: undefined,
    };
    const prepared = prepareSpend(columns);
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 50, noNaN: true }),
        fc.double({ min: 0.05, max: 50, noNaN: true }),
        fc.double({ min: 0.05, max: 500, noNaN: true }),
        (p, q, gamma) => {
          const expectedGradient = new Float64Array(3);
          const expected = gammaGammaLogLikelihood({ p, q, gamma }, cdnow, expectedGradient);
          const gradient = new Float64Array(3);
          const actual = preparedLogLikelihood(p, q, gamma, prepared, gradient);
          const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
          expect(close(actual, expected)).toBe(true);
          for (let k = 0; k < 3; k++) expect(close(gradient[k]!, expectedGradient[k]!)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
