/**
 * `retain churn train|score` on the CDNOW churn table (test/fixtures/churn/README.md): features
 * from the purchases up to 1997-09-30, label = no purchase in the next 39 weeks.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auc } from '../../src/core/index.js';
import { buildCdnowChurnCsv } from '../fixtures/churn/build-cdnow-churn.js';
import { runRetain } from '../support/cli.js';
import {
  fixturePath,
  loadCdnowSampleTransactions,
  loadSummaryCsv,
  readFixture,
} from '../support/fixtures.js';
import { scratch } from './model-cli-support.js';

const table = fixturePath('churn/cdnow-churn.csv');

describe('the CDNOW churn table', () => {
  it('is exactly what its generator builds from CDNOW_sample.txt', () => {
    expect(buildCdnowChurnCsv(readFixture('CDNOW_sample.txt'))).toBe(readFixture('churn/cdnow-churn.csv'));
  });

  it('has monetary equal to the published zbar (blank where zbar is 0, the one-time buyers)', () => {
    const zbar = new Map(
      loadSummaryCsv('cdnow_customers_summary_with_transactions.csv').map((row) => [row.ID, row.zbar]),
    );
    const rows = readFixture('churn/cdnow-churn.csv').trim().split('\n').slice(1);
    expect(rows).toHaveLength(zbar.size);
    for (const line of rows) {
      const fields = line.split(',');
      const published = zbar.get(Number(fields[0]));
      if (fields[6] === '') expect(published).toBe(0);
      else expect(Number(fields[6])).toBeCloseTo(published!, 2);
    }
  });
});

describe('retain churn train', () => {
  it('cross-validates, reports blanks and drivers, and saves a model that scores another file', async () => {
    const saved = join(scratch, 'churn-model.json');
    const run = await runRetain(
      'churn',
      'train',
      table,
      '--label',
      'churned',
      '--id',
      'customer_id',
      '--positive',
      'Yes',
      '--json',
      '--save',
      saved,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const output = JSON.parse(run.stdout);
    expect(output.aucFolds).toHaveLength(5);
    const mean = output.aucFolds.reduce((sum: number, value: number) => sum + value, 0) / 5;
    expect(output.auc).toBeCloseTo(mean, 12);
    // Well above chance on a time split (docs/models.md states the value).
    expect(output.auc).toBeGreaterThan(0.7);
    expect(output.accuracy).toBeGreaterThan(0.5);

    // Independent counts from the log: 2,357 customers, of whom those without a purchase after
    // 1997-09-30 churned; monetary is blank for the 2,357 − 946 = 1,411 one-time buyers (README).
    const transactions = loadCdnowSampleTransactions();
    const customers = new Set(transactions.map((transaction) => transaction.customerId));
    const later = new Set(
      transactions
        .filter((transaction) => transaction.date > '1997-09-30')
        .map((transaction) => transaction.customerId),
    );
    expect(output).toMatchObject({ rows: 2357, labelled: 2357, churned: customers.size - later.size });
    expect(output.blanks.monetary).toBe(2357 - 946);
    expect(output.features).not.toContain('customer_id');
    expect(output.features).not.toContain('churned');
    // Drivers by decreasing |weight|; the blank indicator of monetary is a feature of its own.
    const weights = output.drivers.map((driver: { weight: number }) => Math.abs(driver.weight));
    expect([...weights].sort((a, b) => b - a)).toEqual(weights);
    expect(output.drivers.map((driver: { feature: string }) => driver.feature)).toContain('monetary (blank)');
    // More repeat purchases → less churn: the sign any reader of the data expects.
    expect(
      output.drivers.find((driver: { feature: string }) => driver.feature === 'frequency').weight,
    ).toBeLessThan(0);

    const scored = await runRetain(
      'churn',
      'score',
      table,
      '--model',
      saved,
      '--id',
      'customer_id',
      '--json',
    );
    expect(scored.code).toBe(0);
    const { rows, scores } = JSON.parse(scored.stdout);
    expect(rows).toBe(2357);
    expect(scores[0].id).toBe('0001');
    const labels = readFileSync(table, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => (line.endsWith(',Yes') ? 1 : 0));
    // In-sample AUC of the saved model: at least chance, and close to the cross-validated one.
    const inSample = auc(
      scores.map((score: { probability: number }) => score.probability),
      labels,
    );
    expect(inSample).toBeGreaterThan(output.auc - 0.05);
  });

  it('prints tables by default and refuses a missing label column or a label with no churner', async () => {
    const tables = await runRetain('churn', 'train', table, '--label', 'churned', '--id', 'customer_id');
    expect(tables.code).toBe(0);
    expect(tables.stdout).toContain('AUC per fold');
    expect(tables.stdout).toContain('Blanks found');
    const missing = await runRetain('churn', 'train', table, '--label', 'nope');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no column "nope"');
    const noPositive = await runRetain('churn', 'train', table, '--label', 'churned', '--positive', 'Maybe');
    expect(noPositive.code).toBe(2);
  });
});
