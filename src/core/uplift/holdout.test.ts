import { describe, expect, it } from 'vitest';
import { HOLDOUT_BUCKETS, holdoutBucket, isInHoldout } from './holdout.js';

describe('the holdout hash (metrics.md §9)', () => {
  it('is deterministic by (flow, customer) and independent across flows', () => {
    expect(holdoutBucket(7, 42)).toBe(holdoutBucket('7', '42'));
    let sameArm = 0;
    for (let customer = 1; customer <= 10_000; customer++) {
      if (isInHoldout(1, customer, 50) === isInHoldout(2, customer, 50)) sameArm++;
    }
    // Independent 50 % draws agree half the time: Binomial(10000, 0.5) has sd 50.
    expect(Math.abs(sameArm - 5_000)).toBeLessThan(250);
  });

  it('puts the asked share in the holdout: 10 % of 100,000 customers within 4 sd', () => {
    for (const flowId of [1, 2, 99]) {
      let held = 0;
      for (let customer = 1; customer <= 100_000; customer++) if (isInHoldout(flowId, customer, 10)) held++;
      // Binomial(100000, 0.1): sd = √(100000 · 0.1 · 0.9) ≈ 94.9.
      expect(Math.abs(held - 10_000)).toBeLessThan(380);
    }
  });

  it('holds nobody at 0 % and everybody at 100 %; buckets stay in range', () => {
    for (let customer = 1; customer <= 1_000; customer++) {
      expect(isInHoldout(3, customer, 0)).toBe(false);
      expect(isInHoldout(3, customer, 100)).toBe(true);
      const bucket = holdoutBucket(3, customer);
      expect(bucket).toBeGreaterThanOrEqual(0);
      expect(bucket).toBeLessThan(HOLDOUT_BUCKETS);
    }
  });
});
