import { describe, expect, it } from 'vitest';
import { dollarsToCents, loadCdnowSampleTransactions } from '../../../test/support/fixtures.js';
import { orderTableFromRecords } from '../data/order-table.js';
import { InvalidInputError } from '../input-error.js';
import { analyzeClv, type ClvSummaries, clvSummaries } from './clv-pipeline.js';
import { GammaGamma } from './gamma-gamma.js';
import { evaluateHoldout } from './holdout.js';
import { MbgNbd } from './mbg-nbd.js';

const transactions = loadCdnowSampleTransactions();
const orders = orderTableFromRecords(
  transactions.map((transaction) => ({
    customerId: transaction.customerId,
    orderedAt: Date.parse(`${transaction.date}T00:00:00Z`),
    amountCents: dollarsToCents(transaction.dollars),
  })),
);
// Calibration through 1997-09-30, holdout through 1998-06-30: 273 days = 39 weeks.
const { summaries, holdoutLength } = clvSummaries(orders, {
  calibrationEnd: Date.UTC(1997, 8, 30),
  observationEnd: Date.UTC(1998, 5, 30),
  timeUnit: 'week',
});

/** Same value to 3 significant figures. */
const significant = (value: number) => Number(value.toPrecision(3));

describe('clvSummaries', () => {
  it('summarises the orders and measures the holdout in the time unit', () => {
    expect(holdoutLength).toBe(39);
    expect(summaries.length).toBe(2357);
    expect(summaries.monetaryKnown).toBe(true);
    const daily = clvSummaries(orders, { calibrationEnd: Date.UTC(1997, 8, 30), timeUnit: 'day' });
    expect(daily.holdoutLength).toBeNull();
    expect(() =>
      clvSummaries(orders, {
        calibrationEnd: Date.UTC(1997, 8, 30),
        observationEnd: Date.UTC(1997, 8, 30),
        timeUnit: 'day',
      }),
    ).toThrow(InvalidInputError);
  });
});

describe('analyzeClv on the CDNOW sample', () => {
  it('reproduces FHL 2005: BG/NBD r 0.2426, α 4.4135, a 0.7929, b 2.4258 and Gamma-Gamma p 6.2488, q 3.7446, γ 15.4477', () => {
    const result = analyzeClv(summaries, { timeUnit: 'week', holdoutLength });
    if (!result.ok) throw new Error(result.error.issue.message);
    const analysis = result.value;
    expect(analysis.model).toBe('bgnbd');
    expect(
      Object.fromEntries(Object.entries(analysis.params).map(([name, value]) => [name, significant(value)])),
    ).toEqual({
      r: significant(0.2426),
      alpha: significant(4.4135),
      a: significant(0.7929),
      b: significant(2.4258),
    });
    const { p, q, gamma } = analysis.gammaGamma!;
    expect([p, q, gamma].map(significant)).toEqual([6.2488, 3.7446, 15.4477].map(significant));
    // Customer 1 (x 2, t_x 30.43, T 38.86) expects 1.226 purchases in the 39 weeks (FHL 2005; models.md).
    expect(analysis.predictT).toBe(39);
    expect(analysis.customers[0]!.expectedPurchases).toBeCloseTo(1.226, 3);
    // 1,882 repeat purchase days in the holdout, recounted from the transactions.
    const holdoutDays = new Set(
      transactions.filter((t) => t.date > '1997-09-30').map((t) => `${t.customerId} ${t.date}`),
    );
    expect(analysis.holdout).toMatchObject({ length: 39, customers: 2357, actual: holdoutDays.size });
    expect(analysis.holdoutByFrequency).toHaveLength(8);
    expect(analysis.warnings).toEqual([]);
  });

  it('with auto keeps the candidate with the lowest holdout MAE, each scored as evaluateHoldout does', () => {
    const result = analyzeClv(summaries, { timeUnit: 'week', holdoutLength, model: 'auto' });
    if (!result.ok) throw new Error(result.error.issue.message);
    const selection = result.value.selection!;
    expect(selection.map((candidate) => candidate.model)).toEqual(['bgnbd', 'mbgnbd', 'paretonbd']);
    const lowest = selection.reduce((best, candidate) => (candidate.mae! < best.mae! ? candidate : best));
    expect(result.value.model).toBe(lowest.model);
    const mbg = MbgNbd.fit(summaries);
    if (!mbg.ok) throw new Error('MBG/NBD should fit');
    expect(selection[1]!.mae).toBeCloseTo(
      evaluateHoldout(mbg.value, { ...summaries, holdoutFrequency: summaries.holdoutFrequency! }, 39).mae,
      12,
    );
    expect(() => analyzeClv(summaries, { timeUnit: 'week', model: 'auto' })).toThrow(InvalidInputError);
  });

  it('computes no CLV without spend, and fails as a value when the data do not identify the model', () => {
    const noSpend: ClvSummaries = { ...summaries, monetaryKnown: false };
    const result = analyzeClv(noSpend, { timeUnit: 'week' });
    expect(result.ok && result.value.gammaGamma).toBeNull();
    expect(result.ok && result.value.customers[0]!.clv).toBeNull();
    expect(result.ok && result.value.warnings).toEqual([
      'The summary has no monetary_value column: no Gamma-Gamma model, no CLV.',
    ]);
    // Five customers with no BG/NBD interior optimum (test/cli/clv.test.ts).
    const tiny: ClvSummaries = {
      length: 5,
      ids: ['1', '2', '3', '4', '5'],
      frequency: Float64Array.of(1, 2, 3, 0, 1),
      recency: Float64Array.of(10, 20, 25, 0, 3),
      T: Float64Array.of(30, 30, 30, 30, 20),
      monetary: Float64Array.of(1000, 1000, 1000, 0, 1000),
      monetaryKnown: true,
    };
    const failed = analyzeClv(tiny, { timeUnit: 'week' });
    expect(failed.ok ? null : failed.error.fit).toBe('bgnbd');
  });

  it('leaves repeat customers whose repeat purchases were free out of the Gamma-Gamma fit, and says so', () => {
    // The CDNOW sample's summaries with one repeat customer's mean repeat spend set to 0: the fit
    // must equal the fit without that customer (the likelihood is undefined for a spend of 0), and
    // that customer still gets a finite expected value from the fitted population.
    const freeIndex = Array.from(summaries.frequency).findIndex((frequency) => frequency > 0);
    const withFree: ClvSummaries = { ...summaries, monetary: Float64Array.from(summaries.monetary) };
    withFree.monetary[freeIndex] = 0;
    const result = analyzeClv(withFree, { timeUnit: 'week' });
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    expect(result.value.warnings[0]).toBe(
      '1 repeat customer whose repeat purchases were free was left out of the Gamma-Gamma fit (a mean spend of 0 says nothing about spend); its expected value comes from the fitted population.',
    );
    const keep = Array.from({ length: summaries.length }, (_, index) => index).filter(
      (index) => index !== freeIndex && summaries.frequency[index]! > 0,
    );
    const pick = (column: Float64Array) => Float64Array.from(keep, (index) => column[index]!);
    const expected = GammaGamma.fit({
      length: keep.length,
      frequency: pick(summaries.frequency),
      recency: pick(summaries.recency),
      T: pick(summaries.T),
      monetary: pick(summaries.monetary),
    });
    if (!expected.ok) throw new Error(expected.error.message);
    expect(result.value.gammaGamma!.p).toBe(expected.value.params.p);
    expect(result.value.gammaGamma!.q).toBe(expected.value.params.q);
    expect(result.value.gammaGamma!.gamma).toBe(expected.value.params.gamma / 100);
    expect(Number.isFinite(result.value.customers[freeIndex]!.expectedAverageValue)).toBe(true);
  });
});
