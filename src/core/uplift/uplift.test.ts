import { describe, expect, it } from 'vitest';
import { seededRandom } from '../math/random.js';
import { computeUplift } from './uplift.js';

/** An arm of `customers` who each come back with probability `rate`, spending `spend` when they do. */
function simulateArm(random: () => number, customers: number, rate: number, spend: number) {
  const revenue = new Float64Array(customers);
  let retained = 0;
  for (let index = 0; index < customers; index++) {
    if (random() < rate) {
      retained++;
      revenue[index] = spend * (0.5 + random());
    }
  }
  return { customers, retained, revenue };
}

describe('computeUplift', () => {
  it('withholds both estimates below 30 customers per arm, naming the reason', () => {
    const uplift = computeUplift(
      { customers: 500, retained: 200, revenue: new Float64Array(500) },
      { customers: 29, retained: 5, revenue: new Float64Array(29) },
    );
    expect(uplift.retention).toMatchObject({
      difference: null,
      low: null,
      high: null,
      reason: 'not_enough_data',
    });
    expect(uplift.retention.treatment).toBeCloseTo(0.4, 12);
    expect(uplift.revenuePerCustomer).toMatchObject({ difference: null, reason: 'not_enough_data' });
    expect(uplift.measured).toEqual({ treatment: 500, holdout: 29 });
  });

  it('gives the worked example of its doc comment (400/160 vs 100/30, Newcombe method 10 by hand)', () => {
    const uplift = computeUplift(
      { customers: 400, retained: 160, revenue: new Float64Array(400) },
      { customers: 100, retained: 30, revenue: new Float64Array(100) },
    );
    expect(uplift.retention.difference).toBeCloseTo(0.1, 12);
    expect(uplift.retention.low).toBeCloseTo(-0.00668, 5);
    expect(uplift.retention.high).toBeCloseTo(0.19458, 5);
  });

  it('covers a known uplift ~95 % of the time over 2,000 simulated populations', () => {
    // Holdout comes back with p = 0.30, treatment with p = 0.38: the true retention uplift is 0.08;
    // spend on return is uniform on [0.5, 1.5) × 50, so the true revenue uplift is 0.08 × 50 = 4.
    const random = seededRandom(12);
    let retentionCovered = 0;
    let revenueCovered = 0;
    const rounds = 2_000;
    for (let round = 0; round < rounds; round++) {
      const uplift = computeUplift(simulateArm(random, 900, 0.38, 50), simulateArm(random, 100, 0.3, 50));
      if (uplift.retention.low! <= 0.08 && 0.08 <= uplift.retention.high!) retentionCovered++;
      if (uplift.revenuePerCustomer.low! <= 4 && 4 <= uplift.revenuePerCustomer.high!) revenueCovered++;
    }
    // Binomial(2000, 0.95): sd 0.0049; nominal ± 3 sd, with a little room for the methods' own bias.
    expect(retentionCovered / rounds).toBeGreaterThan(0.93);
    expect(retentionCovered / rounds).toBeLessThan(0.97);
    expect(revenueCovered / rounds).toBeGreaterThan(0.93);
    expect(revenueCovered / rounds).toBeLessThan(0.97);
  });
});
