import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../input-error.js';
import { seededRandom } from '../math/random.js';
import { auc } from './auc.js';
import { crossValidate, stratifiedFolds } from './cross-validate.js';

/**
 * 2,000 customers: churn log-odds = −0.5 + 1.2·(tickets − 2) + plan effect (basic +1, pro −1,
 * blank +0.5); `tickets` blank for 10 % of customers (true value still drives churn).
 */
function syntheticCustomers(seed: number, size = 2000) {
  const uniform = seededRandom(seed);
  const tickets: (number | null)[] = [];
  const plan: (string | null)[] = [];
  const trueEta = new Float64Array(size);
  const labels = new Uint8Array(size);
  const planEffect: Record<string, number> = { basic: 1, pro: -1, '': 0.5 };
  for (let i = 0; i < size; i++) {
    const ticketCount = Math.floor(uniform() * 5);
    const planDraw = uniform();
    const planName = planDraw < 0.45 ? 'basic' : planDraw < 0.9 ? 'pro' : '';
    tickets.push(uniform() < 0.1 ? null : ticketCount);
    plan.push(planName === '' ? null : planName);
    trueEta[i] = -0.5 + 1.2 * (ticketCount - 2) + planEffect[planName]!;
    labels[i] = uniform() < 1 / (1 + Math.exp(-trueEta[i]!)) ? 1 : 0;
  }
  return { columns: { tickets, plan }, trueEta, labels };
}

describe('stratifiedFolds', () => {
  it('keeps each fold’s class balance within one row, and is deterministic given the seed', () => {
    const labels = Uint8Array.from({ length: 103 }, (_, i) => (i % 4 === 0 ? 1 : 0)); // 26 positives, 77 negatives
    const folds = stratifiedFolds(labels, 5, 42);
    const positivesPerFold = [0, 0, 0, 0, 0];
    const sizes = [0, 0, 0, 0, 0];
    folds.forEach((fold, row) => {
      sizes[fold]!++;
      if (labels[row]) positivesPerFold[fold]!++;
    });
    // 26 positives over 5 folds → 5 or 6 each; 103 rows → 20 or 21 each.
    expect(Math.max(...positivesPerFold) - Math.min(...positivesPerFold)).toBeLessThanOrEqual(1);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect([...stratifiedFolds(labels, 5, 42)]).toEqual([...folds]);
    expect([...stratifiedFolds(labels, 5, 43)]).not.toEqual([...folds]);
    expect(() => stratifiedFolds(labels, 1)).toThrow(InvalidInputError);
  });
});

describe('crossValidate', () => {
  const { columns, labels, trueEta } = syntheticCustomers(2024);

  it('reaches the ranking quality of the true model out of sample, with categorical and blank features', () => {
    const result = crossValidate(columns, labels, { folds: 5, seed: 7 });
    if (!result.ok) throw new Error(result.error.message);
    const cv = result.value;
    expect(cv.aucFolds).toHaveLength(5);
    expect(cv.auc).toBeCloseTo(cv.aucFolds.reduce((sum, value) => sum + value, 0) / 5, 12);
    // The true η is the best possible ranking; the blank tickets cost a little.
    const bestAuc = auc(trueEta, labels)!;
    expect(cv.auc).toBeGreaterThan(bestAuc - 0.03);
    expect(cv.auc).toBeLessThanOrEqual(bestAuc + 0.01);
    expect(cv.accuracy).toBeGreaterThan(0.7);
    // tickets dominates (1.2 per ticket, sd ≈ 1.4 → ≈ 1.7 per sd); pro lowers churn, basic raises it.
    expect(cv.drivers[0]!.feature).toBe('tickets');
    const weightOf = (feature: string) => cv.drivers.find((driver) => driver.feature === feature)!.weight;
    expect(weightOf('plan = pro')).toBeLessThan(0);
    expect(weightOf('plan = basic')).toBeGreaterThan(0);
    expect(cv.drivers.map((driver) => driver.feature)).toContain('tickets (blank)');
    expect(cv.drivers.map((driver) => driver.feature)).toContain('plan = (blank)');
    expect(cv.outOfFoldScores).toHaveLength(labels.length);
  });

  it('is deterministic given the seed', () => {
    const first = crossValidate(columns, labels, { seed: 3 });
    const second = crossValidate(columns, labels, { seed: 3 });
    if (!first.ok || !second.ok) throw new Error('fit failed');
    expect(second.value.aucFolds).toEqual(first.value.aucFolds);
    expect([...second.value.outOfFoldScores]).toEqual([...first.value.outOfFoldScores]);
  });

  it('fails as a value when a class is smaller than the number of folds', () => {
    const result = crossValidate({ x: [1, 2, 3, 4, 5, 6] }, Uint8Array.of(0, 0, 0, 0, 1, 1), { folds: 3 });
    expect(result.ok ? null : result.error.code).toBe('too-few-cases');
  });
});
