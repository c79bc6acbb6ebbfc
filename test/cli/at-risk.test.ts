/**
 * `retain at-risk` with a time split at 1997-09-30: the score is computed from the purchases up
 * to that day only, then judged against who bought nothing afterwards — on the CDNOW sample
 * (2,357 customers) and on the full CDNOW log bundled in `samples/` (23,570 customers). Every
 * count the tests compare with is recounted here from the raw transactions.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runRetain } from '../support/cli.js';
import { dollarsToCents, loadCdnowSampleTransactions } from '../support/fixtures.js';
import { cdnowOrdersCsv } from './model-cli-support.js';

interface Purchase {
  readonly customerId: string;
  readonly date: string;
  readonly cents: number;
}

/** AUC as the share of (churned, stayed) pairs ranked right, ties ½ — by sorting, not by the core's code. */
function pairwiseAuc(scores: readonly number[], churned: readonly boolean[]): number {
  const positives = scores.filter((_, index) => churned[index]).sort((a, b) => a - b);
  const negatives = scores.filter((_, index) => !churned[index]).sort((a, b) => a - b);
  // For each churned score: stayed scores strictly below, plus half of those equal (two pointers).
  let below = 0;
  let equalEnd = 0;
  let wins = 0;
  for (const score of positives) {
    while (below < negatives.length && negatives[below]! < score) below++;
    equalEnd = Math.max(equalEnd, below);
    while (equalEnd < negatives.length && negatives[equalEnd]! === score) equalEnd++;
    wins += below + (equalEnd - below) / 2;
  }
  return wins / (positives.length * negatives.length);
}

/** Customers who bought on or before `through` and then not in (`after`, `until`]. */
function didNotBuy(purchases: readonly Purchase[], through: string, after: string, until = '9999-12-31') {
  const known = new Set(purchases.filter((p) => p.date <= through).map((p) => p.customerId));
  const bought = new Set(purchases.filter((p) => p.date > after && p.date <= until).map((p) => p.customerId));
  return new Set([...known].filter((id) => !bought.has(id)));
}

interface ListedCustomer {
  id: string;
  score: number;
  reasons: string[];
  points: Record<string, number>;
  expectedPurchases: number;
  daysSinceLastOrder: number;
  typicalGapDays: number | null;
  purchaseDays: number;
  value: number;
}

/** The number as the reasons print it (see `formatExpected` in at-risk-score.ts). */
const asWritten = (value: number) => (value >= 1 ? value.toFixed(1) : String(Number(value.toPrecision(2))));

describe('retain at-risk on the CDNOW sample (as of 1997-09-30)', () => {
  const orders = cdnowOrdersCsv();
  const purchases: Purchase[] = loadCdnowSampleTransactions().map((transaction) => ({
    customerId: transaction.customerId,
    date: transaction.date,
    cents: dollarsToCents(transaction.dollars),
  }));

  it('ranks who did not buy again, learns its weights from the months before, and explains every customer', async () => {
    const run = await runRetain('at-risk', orders, '--as-of', '1997-09-30', '--top', '3000', '--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const output = JSON.parse(run.stdout);
    expect(output.asOf).toBe('1997-09-30');
    expect(output.customers).toBe(2357);
    expect(output.horizonDays).toBe(90);

    // The evaluation label, recounted: no purchase dated after 1997-09-30.
    const churned = didNotBuy(purchases, '1997-09-30', '1997-09-30');
    expect(output.evaluation).toMatchObject({ from: '1997-10-01', to: '1998-06-30', churned: churned.size });
    // Every customer is listed (--top 3000), so the AUC can be recomputed from the printed scores.
    const listed = output.top as ListedCustomer[];
    expect(listed).toHaveLength(2357);
    const auc = pairwiseAuc(
      listed.map((customer) => customer.score),
      listed.map((customer) => churned.has(customer.id)),
    );
    expect(output.evaluation.auc).toBeCloseTo(auc, 12);
    // The old 1 − P(alive) score ranked this split at 0.609 (docs/models.md); the rebuilt one at 0.780.
    expect(output.evaluation.auc).toBeGreaterThan(0.77);

    // Learning split: features through 1997-07-02 (as-of − 90 days), label = no purchase day in
    // 1997-07-03 … 1997-09-30; every sample customer first bought in Q1 1997, so all 2,357 are in it.
    const split = output.weights.trainingSplit;
    expect(split).toMatchObject({
      cutoff: '1997-07-02',
      from: '1997-07-03',
      to: '1997-09-30',
      customers: 2357,
    });
    expect(split.didNotBuy).toBe(didNotBuy(purchases, '1997-07-02', '1997-07-02', '1997-09-30').size);
    expect(output.weights.source).toBe('learned');
    expect(output.weights.defaultReason).toBeNull();
    expect(split.learnedAuc).toBeGreaterThanOrEqual(split.defaultAuc);
    const weightTotal = Object.values(output.weights.signals as Record<string, number>).reduce(
      (a, b) => a + b,
      0,
    );
    expect(weightTotal).toBeCloseTo(100, 10);

    // The model that ranked the split best is Pareto/NBD; refitted through 1997-09-30 it is FHL 2005
    // Table 1's fit of this very sample: r 0.5533, α 10.578, s 0.6062, β 11.667.
    expect(output.model.name).toBe('paretonbd');
    expect(output.model.chosenBy).toBe('training-split-auc');
    expect(output.model.params.r).toBeCloseTo(0.5533, 3);
    expect(output.model.params.alpha).toBeCloseTo(10.578, 2);
    expect(output.model.params.s).toBeCloseTo(0.6062, 3);
    expect(output.model.params.beta).toBeCloseTo(11.667, 2);

    for (let index = 1; index < listed.length; index++) {
      expect(listed[index]!.score).toBeLessThanOrEqual(listed[index - 1]!.score);
    }
    // The listed customers' own numbers, recomputed from the transactions (days to 1997-09-30).
    const asOfDay = Date.UTC(1997, 8, 30) / 86_400_000;
    for (const customer of listed.slice(0, 200)) {
      const own = purchases.filter((p) => p.customerId === customer.id && p.date <= '1997-09-30');
      const days = [...new Set(own.map((p) => Date.parse(p.date) / 86_400_000))].sort((a, b) => a - b);
      expect(customer.purchaseDays).toBe(days.length);
      expect(customer.daysSinceLastOrder).toBe(asOfDay - days[days.length - 1]!);
      expect(customer.value).toBeCloseTo(own.reduce((sum, p) => sum + p.cents, 0) / 100, 10);
    }
    // Reasons in words on every customer of the default list, restating their own numbers.
    const reference = output.reference;
    for (const customer of listed.slice(0, 20)) {
      expect(customer.reasons.length).toBeGreaterThan(0);
      const total = Object.values(customer.points).reduce((a, b) => a + b, 0);
      expect(total).toBeCloseTo(customer.score, 10);
      if (customer.expectedPurchases < reference.typicalExpectedPurchases) {
        expect(customer.reasons).toContain(
          `expected to buy ${asWritten(customer.expectedPurchases)} times in the next 90 days, against ${asWritten(reference.typicalExpectedPurchases)} for a typical customer`,
        );
      }
      if (customer.points.overdue! >= 1) {
        expect(customer.reasons).toContain(
          customer.typicalGapDays === null
            ? `one purchase, ${customer.daysSinceLastOrder} days ago`
            : `${Math.round(customer.daysSinceLastOrder - customer.typicalGapDays)} days past their usual ${Math.round(customer.typicalGapDays)}-day rhythm`,
        );
      }
    }
  });

  it('without data after --as-of there is nothing to check the ranking against', async () => {
    const run = await runRetain('at-risk', orders, '--top', '3');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('At risk as of 1998-06-30');
    expect(run.stdout).toContain('cannot be checked');
    expect(run.stdout).toContain('Weights (learned, points out of 100)');
    const bad = await runRetain('at-risk', orders, '--as-of', '1997-02-30');
    expect(bad.code).toBe(2);
    const badHorizon = await runRetain('at-risk', orders, '--horizon-days', '0');
    expect(badHorizon.code).toBe(2);
  });

  it('falls back to the default weights, saying why, when the history before the learning cutoff is too short', async () => {
    // As of 1997-04-30 with h = 90: the cutoff is 1997-01-30, and the data start on 1997-01-01 —
    // less than 90 days before it.
    const run = await runRetain('at-risk', orders, '--as-of', '1997-04-30', '--json', '--top', '5');
    expect(run.code).toBe(0);
    const output = JSON.parse(run.stdout);
    expect(output.weights.source).toBe('default');
    expect(output.weights.trainingSplit).toBeNull();
    expect(output.weights.defaultReason).toContain(
      'less than 90 days of orders before the learning cutoff 1997-01-30',
    );
    // Defaults 50 / 15 / 15 rescaled over the three order signals.
    expect(output.weights.signals).toMatchObject({
      expectedPurchases: 62.5,
      overdue: 18.75,
      lowValue: 18.75,
    });
    expect(output.model.chosenBy).toBe('log-likelihood');
  });
});

describe('retain at-risk on the full CDNOW log (samples/cdnow-orders.csv, as of 1997-09-30)', () => {
  const file = 'samples/cdnow-orders.csv';
  const purchases: Purchase[] = readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [customerId, , date, amount] = line.split(',');
      return { customerId: customerId!, date: date!, cents: dollarsToCents(amount!) };
    });

  it('ranks who left at AUC ≥ 0.77, recomputed from the printed scores', async () => {
    const run = await runRetain('at-risk', file, '--as-of', '1997-09-30', '--top', '30000', '--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const output = JSON.parse(run.stdout);
    const listed = output.top as ListedCustomer[];
    expect(output.customers).toBe(new Set(purchases.map((p) => p.customerId)).size); // 23,570
    expect(listed).toHaveLength(output.customers);
    const churned = didNotBuy(purchases, '1997-09-30', '1997-09-30');
    expect(output.evaluation).toMatchObject({ from: '1997-10-01', to: '1998-06-30', churned: churned.size });
    const auc = pairwiseAuc(
      listed.map((customer) => customer.score),
      listed.map((customer) => churned.has(customer.id)),
    );
    expect(output.evaluation.auc).toBeCloseTo(auc, 12);
    // Issue 8's target. Days since the last order alone rank this split at 0.759, the old score at
    // 0.607; the rebuilt one at 0.772 (docs/models.md).
    expect(auc).toBeGreaterThanOrEqual(0.77);

    const split = output.weights.trainingSplit;
    expect(output.weights.source).toBe('learned');
    expect(split.customers).toBe(
      new Set(purchases.filter((p) => p.date <= '1997-07-02').map((p) => p.customerId)).size,
    );
    expect(split.didNotBuy).toBe(didNotBuy(purchases, '1997-07-02', '1997-07-02', '1997-09-30').size);
    expect(split.learnedAuc).toBeGreaterThan(0.7);
    // Every customer of the default top 20 — and far beyond — is given reasons.
    for (const customer of listed.slice(0, 1000)) expect(customer.reasons.length).toBeGreaterThan(0);
  }, 60_000);
});
