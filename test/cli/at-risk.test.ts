/**
 * `retain at-risk` on the CDNOW sample with a time split at 1997-09-30: the score is computed from
 * the purchases up to that day only, then judged against who bought nothing afterwards.
 */
import { describe, expect, it } from 'vitest';
import { runRetain } from '../support/cli.js';
import { loadCdnowSampleTransactions } from '../support/fixtures.js';
import { cdnowOrdersCsv } from './model-cli-support.js';

describe('retain at-risk on CDNOW (as of 1997-09-30)', () => {
  const orders = cdnowOrdersCsv();

  it('reports the AUC of the score against who did not buy again, and explains the top customers', async () => {
    const run = await runRetain('at-risk', orders, '--as-of', '1997-09-30', '--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const output = JSON.parse(run.stdout);
    expect(output.asOf).toBe('1997-09-30');
    expect(output.customers).toBe(2357);

    // Independent label count: sample customers with no purchase dated after 1997-09-30.
    const all = new Set(loadCdnowSampleTransactions().map((transaction) => transaction.customerId));
    const boughtAgain = new Set(
      loadCdnowSampleTransactions()
        .filter((transaction) => transaction.date > '1997-09-30')
        .map((transaction) => transaction.customerId),
    );
    expect(output.evaluation).toMatchObject({
      from: '1997-10-01',
      to: '1998-06-30',
      churned: all.size - boughtAgain.size,
    });
    // Better than chance (docs/models.md states the number).
    expect(output.evaluation.auc).toBeGreaterThan(0.5);
    expect(output.evaluation.auc).toBeLessThanOrEqual(1);

    // Default weights: only P(alive) and the rhythm exist for orders, 40 and 30 rescaled to 100.
    expect(output.weights.inactivity).toBeCloseTo((40 / 70) * 100, 10);
    expect(output.weights.overdue).toBeCloseTo((30 / 70) * 100, 10);

    expect(output.top).toHaveLength(20);
    for (let index = 1; index < output.top.length; index++) {
      expect(output.top[index].score).toBeLessThanOrEqual(output.top[index - 1].score);
    }
    for (const customer of output.top) {
      // The reasons restate the customer's own numbers in words.
      expect(customer.reasons).toContain(`P(alive) fell to ${Math.round(customer.pAlive * 100)} %`);
      if (customer.typicalGapDays !== null && customer.daysSinceLastOrder > customer.typicalGapDays) {
        const overdue = Math.round(customer.daysSinceLastOrder - customer.typicalGapDays);
        expect(customer.reasons).toContain(
          `${overdue} days past their usual ${Math.round(customer.typicalGapDays)}-day rhythm`,
        );
      }
    }
  });

  it('without data after --as-of there is nothing to check the ranking against', async () => {
    const run = await runRetain('at-risk', orders, '--top', '3');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('At risk as of 1998-06-30');
    expect(run.stdout).toContain('cannot be checked');
    const bad = await runRetain('at-risk', orders, '--as-of', '1997-02-30');
    expect(bad.code).toBe(2);
  });
});
