import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dollarsToCents, loadCdnowSampleTransactions } from '../../../test/support/fixtures.js';
import { orderTableFromRecords } from '../data/order-table.js';
import { seededHash, seededRandom, shuffled } from '../math/random.js';
import { analyzeAtRisk } from '../risk/at-risk-pipeline.js';
import { BgNbd } from './bg-nbd.js';
import { analyzeClv, clvSummaries } from './clv-pipeline.js';
import { fitSampleOf, fitSampleRows, fitSampleRowsOfCustomers, sampleSummary } from './fit-sample.js';
import { GammaGamma } from './gamma-gamma.js';

const orders = orderTableFromRecords(
  loadCdnowSampleTransactions().map((transaction) => ({
    customerId: transaction.customerId,
    orderedAt: Date.parse(`${transaction.date}T00:00:00Z`),
    amountCents: dollarsToCents(transaction.dollars),
  })),
);
// The CDNOW sample's calibration period (FHL 2005): 2,357 customers.
const { summaries } = clvSummaries(orders, {
  calibrationEnd: Date.UTC(1997, 8, 30),
  observationEnd: Date.UTC(1998, 5, 30),
  timeUnit: 'week',
});
const ids = (count: number) => Array.from({ length: count }, (_, index) => `c${index + 1}`);

describe('fitSampleRows', () => {
  it('samples nothing at or below the cap', () => {
    expect(fitSampleRows(ids(3), 3)).toBeNull();
    expect(fitSampleRows(summaries.ids, summaries.length)).toBeNull();
    expect(fitSampleOf(summaries).fitted).toBe(summaries);
    expect(fitSampleOf(summaries).sample).toEqual({ customers: 2357, of: 2357 });
  });

  it('keeps exactly the cap: the ids of smallest seeded hash, rows ascending', () => {
    const all = ids(1_000);
    const rows = fitSampleRows(all, 100)!;
    expect(rows.length).toBe(100);
    for (let index = 1; index < rows.length; index++) expect(rows[index]!).toBeGreaterThan(rows[index - 1]!);
    // The definition, by brute force: the 100 smallest hashes.
    const byHash = all
      .map((id, row) => ({ row, hash: seededHash(id, 20_050_101) }))
      .sort((a, b) => a.hash - b.hash || a.row - b.row)
      .slice(0, 100)
      .map((entry) => entry.row)
      .sort((a, b) => a - b);
    expect(Array.from(rows)).toEqual(byHash);
  });

  it('depends on the ids only: the same customers whatever their order, and one more customer displaces at most one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 20, max: 400 }),
        fc.integer({ min: 1, max: 19 }),
        fc.nat(),
        (count, cap, seed) => {
          const all = ids(count);
          const chosen = new Set(Array.from(fitSampleRows(all, cap)!, (row) => all[row]!));
          const reordered = shuffled(all, seededRandom(seed));
          expect(new Set(Array.from(fitSampleRows(reordered, cap)!, (row) => reordered[row]!))).toEqual(
            chosen,
          );
          const grown = [...all, `new-${seed}`];
          const after = new Set(Array.from(fitSampleRows(grown, cap)!, (row) => grown[row]!));
          expect([...chosen].filter((id) => !after.has(id)).length).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("draws the same rows from a table's customers by index (their hashes computed once)", () => {
    const customerIds = ids(500);
    // Summary rows naming every other customer, in reverse.
    const customerIndex = Int32Array.from({ length: 250 }, (_, row) => 498 - 2 * row);
    const byIndex = fitSampleRowsOfCustomers(customerIds, customerIndex, 40)!;
    const rowIds = Array.from(customerIndex, (customer) => customerIds[customer]!);
    expect(Array.from(byIndex)).toEqual(Array.from(fitSampleRows(rowIds, 40)!));
    expect(Array.from(fitSampleRowsOfCustomers(customerIds, customerIndex, 40)!)).toEqual(
      Array.from(byIndex),
    );
    expect(fitSampleRowsOfCustomers(customerIds, customerIndex, 250)).toBeNull();
  });

  it('refuses a cap that is not a whole number ≥ 1', () => {
    expect(() => fitSampleRows(ids(3), 0)).toThrow(RangeError);
    expect(() => fitSampleRows(ids(3), 1.5)).toThrow(RangeError);
  });
});

describe('sampleSummary', () => {
  it('picks every column of the same rows', () => {
    const rows = Int32Array.of(0, 5, 9);
    const picked = sampleSummary(summaries, rows);
    expect(picked.length).toBe(3);
    expect(picked.ids).toEqual([summaries.ids[0], summaries.ids[5], summaries.ids[9]]);
    for (const column of ['frequency', 'recency', 'T', 'monetary', 'holdoutFrequency'] as const) {
      expect(Array.from(picked[column]!)).toEqual([0, 5, 9].map((row) => summaries[column]![row]));
    }
    expect(picked.monetaryKnown).toBe(true);
  });
});

describe('bounded fitting in the pipelines', () => {
  it('analyzeClv below the cap is the fit on everyone; above it, the fit on the sample, predicting everyone', () => {
    const options = { timeUnit: 'week' as const, holdoutLength: 39 };
    const whole = analyzeClv(summaries, options);
    const capped = analyzeClv(summaries, { ...options, maxFitCustomers: 2357 });
    expect(capped).toEqual(whole);
    if (!whole.ok) throw new Error(whole.error.issue.message);
    expect(whole.value.fitSample).toEqual({ customers: 2357, of: 2357 });

    const sampled = analyzeClv(summaries, { ...options, maxFitCustomers: 1_000 });
    if (!sampled.ok) throw new Error(sampled.error.issue.message);
    expect(sampled.value.fitSample).toEqual({ customers: 1_000, of: 2357 });
    expect(sampled.value.customers.length).toBe(2357);
    // The same parameters as fitting the sample directly.
    const sample = sampleSummary(summaries, fitSampleRows(summaries.ids, 1_000));
    const direct = BgNbd.fit(sample);
    if (!direct.ok) throw new Error(direct.error.message);
    expect(sampled.value.params).toEqual(direct.value.params);
    expect(sampled.value.params).not.toEqual(whole.value.params);
    const spend = GammaGamma.fit(sample);
    if (!spend.ok) throw new Error(spend.error.message);
    expect(sampled.value.gammaGamma!.p).toBe(spend.value.params.p);
  });

  it('analyzeAtRisk below the cap is unchanged; above it, fits and learns on the sample and scores everyone', () => {
    const asOf = Date.UTC(1997, 8, 30, 12);
    const whole = analyzeAtRisk(orders, { asOf });
    if (!whole.ok) throw new Error(whole.error.message);
    const count = whole.value.customers.length;
    expect(analyzeAtRisk(orders, { asOf, maxFitCustomers: count })).toEqual(whole);
    expect(whole.value.model!.fitSample).toEqual({ customers: count, of: count });

    const sampled = analyzeAtRisk(orders, { asOf, maxFitCustomers: 800 });
    if (!sampled.ok) throw new Error(sampled.error.message);
    expect(sampled.value.customers.length).toBe(count);
    expect(sampled.value.model!.fitSample).toEqual({ customers: 800, of: count });
    const split = sampled.value.weights.trainingSplit!;
    expect(split.customers).toBe(whole.value.weights.trainingSplit!.customers);
    expect(split.fitSample).toEqual({ customers: 800, of: split.customers });
    expect(sampled.value.model!.params).not.toEqual(whole.value.model!.params);
    expect(sampled.value.customers.scores.every(Number.isFinite)).toBe(true);
  });

  it('refuses a cap that is not a whole number ≥ 1', () => {
    expect(() => analyzeAtRisk(orders, { asOf: Date.UTC(1997, 8, 30), maxFitCustomers: 0 })).toThrow(
      /maxFitCustomers/,
    );
    expect(() => analyzeClv(summaries, { timeUnit: 'week', maxFitCustomers: -1 })).toThrow(/maxFitCustomers/);
  });
});
