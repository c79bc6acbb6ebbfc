/**
 * `retain clv` on the CDNOW sample, against the published values of test/fixtures/README.md (Fader,
 * Hardie & Lee 2005; lifetimes) and an independent count of the holdout purchases.
 */
import { describe, expect, it } from 'vitest';
import { runRetain } from '../support/cli.js';
import { fixturePath, loadCdnowSampleTransactions } from '../support/fixtures.js';
import { cdnowOrdersCsv, scratchFile } from './model-cli-support.js';

/** Same value to 3 significant figures. */
function expectSignificant(actual: number, published: number): void {
  expect(Number(actual.toPrecision(3))).toBe(Number(published.toPrecision(3)));
}

/** BG/NBD on the CDNOW summary (weeks): FHL 2005, as listed in test/fixtures/README.md. */
const PUBLISHED_BG_NBD = { r: 0.2426, alpha: 4.4135, a: 0.7929, b: 2.4258 };
/** Gamma-Gamma on the 946 repeat customers: FHL 2005 "RFM and CLV" (README: p 6.2488, q 3.7446, γ 15.4477). */
const PUBLISHED_GAMMA_GAMMA = { p: 6.2488, q: 3.7446, gamma: 15.4477 };

describe('retain clv on the CDNOW transaction log', () => {
  const orders = cdnowOrdersCsv();

  it('reproduces the published BG/NBD and Gamma-Gamma parameters and counts the holdout purchases', async () => {
    const run = await runRetain(
      'clv',
      orders,
      '--calibration-end',
      '1997-09-30',
      '--observation-end',
      '1998-06-30',
      '--time-unit',
      'week',
      '--json',
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const output = JSON.parse(run.stdout);
    expect(output.model).toBe('bgnbd');
    for (const [name, value] of Object.entries(PUBLISHED_BG_NBD))
      expectSignificant(output.params[name], value);
    // Published log-likelihood −9,582.43 (README).
    expect(output.logLikelihood).toBeCloseTo(-9582.43, 1);
    for (const [name, value] of Object.entries(PUBLISHED_GAMMA_GAMMA)) {
      expectSignificant(output.gammaGamma[name], value);
    }

    // Independent count: distinct (customer, day) pairs after 1997-09-30 up to 1998-06-30. ISO dates
    // compare as strings; every sample customer first bought in Q1 1997, so all are in the summary.
    const holdoutDays = new Set(
      loadCdnowSampleTransactions()
        .filter((transaction) => transaction.date > '1997-09-30' && transaction.date <= '1998-06-30')
        .map((transaction) => `${transaction.customerId} ${transaction.date}`),
    );
    expect(holdoutDays.size).toBe(1882); // the figure of docs/models.md and the README of the issue
    // 273 days from 1997-09-30 to 1998-06-30 = 39 weeks.
    expect(output.holdout).toMatchObject({ length: 39, customers: 2357, actual: holdoutDays.size });
    // FHL 2005 §4: BG/NBD under-predicts the CDNOW holdout a little; Σ E[Y(39)] ≈ 1,653 (holdout.test.ts).
    expect(output.holdout.predicted).toBeGreaterThan(1600);
    expect(output.holdout.predicted).toBeLessThan(output.holdout.actual);

    expect(output.customers).toHaveLength(2357);
    // Customer 0001: x = 2, t_x = 213/7, T = 272/7 (README); FHL 2005 give E[Y(39)] = 1.226 for them.
    const first = output.customers.find((customer: { id: string }) => customer.id === '0001');
    expect(first.frequency).toBe(2);
    expect(first.recency).toBeCloseTo(213 / 7, 12);
    expect(first.T).toBeCloseTo(272 / 7, 12);
    expect(first.expectedPurchases).toBeCloseTo(1.226, 2);
    // Money in dollars: zbar of customer 1 in the published summary is 22.35 ((29.73 + 14.96) / 2).
    expect(first.monetary).toBeCloseTo((29.73 + 14.96) / 2, 10);
    expect(first.clv).toBeGreaterThan(0);
  });

  it('gives the same parameters from the published summary file (--summary)', async () => {
    const run = await runRetain('clv', '--summary', fixturePath('cdnow_customers_summary.csv'), '--json');
    expect(run.code).toBe(0);
    const output = JSON.parse(run.stdout);
    for (const [name, value] of Object.entries(PUBLISHED_BG_NBD))
      expectSignificant(output.params[name], value);
    // No monetary column: no spend model, no CLV — said, not invented.
    expect(output.gammaGamma).toBeNull();
    expect(output.customers[0].clv).toBeNull();
    // No holdout: E[Y(t)] over one year, 365.25 / 7 weeks.
    expect(output.predictT).toBeCloseTo(365.25 / 7, 12);

    const withSpend = await runRetain(
      'clv',
      '--summary',
      fixturePath('cdnow_customers_summary_with_transactions.csv'),
      '--json',
    );
    const spend = JSON.parse(withSpend.stdout);
    for (const [name, value] of Object.entries(PUBLISHED_GAMMA_GAMMA))
      expectSignificant(spend.gammaGamma[name], value);
  });

  it('picks a model by holdout MAE with --model auto and prints tables by default', async () => {
    const auto = await runRetain(
      'clv',
      orders,
      '--calibration-end',
      '1997-09-30',
      '--observation-end',
      '1998-06-30',
      '--model',
      'auto',
      '--json',
    );
    expect(auto.code).toBe(0);
    const output = JSON.parse(auto.stdout);
    expect(output.selection.map((candidate: { model: string }) => candidate.model)).toEqual([
      'bgnbd',
      'mbgnbd',
      'paretonbd',
    ]);
    const best = Math.min(...output.selection.map((candidate: { mae: number }) => candidate.mae));
    expect(output.holdout.mae).toBe(best);

    const tables = await runRetain(
      'clv',
      orders,
      '--calibration-end',
      '1997-09-30',
      '--observation-end',
      '1998-06-30',
    );
    expect(tables.code).toBe(0);
    expect(tables.stdout).toContain('0.2426'); // r
    expect(tables.stdout).toContain('1,882'); // actual holdout purchases
    expect(tables.stdout).toContain('Top customers by CLV');
  });

  it('refuses what it cannot do: auto without a holdout (2), a degenerate fit (1)', async () => {
    const auto = await runRetain('clv', orders, '--calibration-end', '1997-09-30', '--model', 'auto');
    expect(auto.code).toBe(2);
    expect(auto.stderr).toContain('--observation-end');
    // Five customers whose spends never vary and whose purchases fit no BG/NBD interior optimum.
    const tiny = scratchFile(
      'tiny-summary.csv',
      'frequency,recency,T,monetary_value\n1,10,30,10\n2,20,30,10\n3,25,30,10\n0,0,30,0\n1,3,20,10\n',
    );
    const degenerate = await runRetain('clv', '--summary', tiny, '--json');
    expect(degenerate.code).toBe(1);
    expect(degenerate.stdout).toBe('');
    expect(degenerate.stderr).toContain('No values were computed');
    const missing = await runRetain('clv', orders);
    expect(missing.code).toBe(2);
  });
});

describe('retain clv on the bundled sample', () => {
  it('works on samples/cdnow-orders.csv, leaving its one free repeat purchaser out of the spend fit', async () => {
    // The full CDNOW log: one repeat customer's repeat purchases are all $0 (80 purchases are $0.00:
    // samples/README.md), for which
    // the Gamma-Gamma likelihood is undefined; the command used to exit 1 on it.
    const run = await runRetain(
      'clv',
      'samples/cdnow-orders.csv',
      '--calibration-end',
      '1997-09-30',
      '--json',
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const output = JSON.parse(run.stdout);
    expect(output.warnings).toContain(
      '1 repeat customer whose repeat purchases were free was left out of the Gamma-Gamma fit (a mean spend of 0 says nothing about spend); its expected value comes from the fitted population.',
    );
    expect(output.customers).toHaveLength(23_570);
    expect(output.gammaGamma.p).toBeGreaterThan(0);
  });
});
