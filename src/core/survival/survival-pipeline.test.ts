import { describe, expect, it } from 'vitest';
import { type SubscriptionRecord, subscriptionTableFromRecords } from '../data/subscription-table.js';
import { InvalidInputError } from '../input-error.js';
import { kaplanMeier } from './kaplan-meier.js';
import { analyzeSurvival, shiftedBetaGeometricOnCurve } from './survival-pipeline.js';

const subscription = (
  customerId: string,
  startedAt: string,
  endedAt: string | null,
  plan: string,
): SubscriptionRecord => ({
  customerId,
  subscriptionId: `s-${customerId}`,
  startedAt: `${startedAt}T00:00:00Z`,
  endedAt: endedAt === null ? null : `${endedAt}T00:00:00Z`,
  amountCents: 1000,
  interval: 'month',
  attributes: { plan },
});

// As of 2024-03-01 inclusive (censoring at 2024-03-02 00:00 UTC), durations in days:
//   a pro   01-01 → 01-11 churned at 10;  b pro 01-01 → 01-21 churned at 20;
//   c pro   02-16 → open  censored at 15 (Feb 2024 has 29 days: 13 + 1 + 1);
//   d basic 01-01 → 01-31 churned at 30;  e basic 01-01 → open censored at 61 (31 + 29 + 1).
const table = subscriptionTableFromRecords([
  subscription('a', '2024-01-01', '2024-01-11', 'pro'),
  subscription('b', '2024-01-01', '2024-01-21', 'pro'),
  subscription('c', '2024-02-16', null, 'pro'),
  subscription('d', '2024-01-01', '2024-01-31', 'basic'),
  subscription('e', '2024-01-01', null, 'basic'),
]);

describe('analyzeSurvival', () => {
  it('gives the hand-worked Kaplan–Meier curve and median (days)', () => {
    const result = analyzeSurvival(table, { asOf: Date.UTC(2024, 2, 1, 15), unit: 'day' });
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value).toMatchObject({ asOf: '2024-03-01', unit: 'day', by: null });
    const [all] = result.value.groups;
    expect(all).toMatchObject({ group: 'all', customers: 5, churned: 3, censored: 2, medianLifetime: 30 });
    // t = 10: 5 at risk, 1 event → 4/5; 15 censored; 20: 3 at risk → 8/15; 30: 2 at risk → 4/15.
    expect(all!.curve.map((point) => point.time)).toEqual([10, 15, 20, 30, 61]);
    expect(all!.curve.map((point) => point.atRisk)).toEqual([5, 4, 3, 2, 1]);
    const expected = [0.8, 0.8, 8 / 15, 4 / 15, 4 / 15];
    for (const [index, point] of all!.curve.entries())
      expect(point.survival).toBeCloseTo(expected[index]!, 12);
  });

  it('splits by a first-subscription attribute and fits sBG per group on monthly survival', () => {
    const result = analyzeSurvival(table, { asOf: Date.UTC(2024, 2, 1), groupBy: 'plan', projectMonths: 6 });
    if (!result.ok) throw new Error(result.error.message);
    const [basic, pro] = result.value.groups;
    expect(result.value.by).toBe('plan');
    expect([basic!.group, pro!.group]).toEqual(['basic', 'pro']);
    // basic: d churns at 30 days (S = ½), so the median is 30 days in mean Gregorian months.
    expect(basic!.medianLifetime).toBeCloseTo(30 / (365.25 / 12), 12);
    // basic was observed 61 days = 2.004 months: fitted on months 0…2, projected 6 months.
    expect(basic!.sbg).toMatchObject({ fittedMonths: 2 });
    expect('projection' in basic!.sbg && basic!.sbg.projection).toHaveLength(6);
    // pro: nobody observed a whole month (longest 20 days).
    expect(pro!.sbg).toEqual({
      error: 'less than one month of history: the sBG model needs at least one month',
    });
  });

  it('defaults the as-of day to the latest start or end, and fails as a value without subscriptions', () => {
    // Latest start 2024-02-16, latest end 2024-01-31.
    const result = analyzeSurvival(table);
    expect(result.ok && result.value.asOf).toBe('2024-02-16');
    const none = analyzeSurvival(subscriptionTableFromRecords([]));
    expect(none.ok ? null : none.error.code).toBe('no-subscriptions');
    const early = analyzeSurvival(table, { asOf: Date.UTC(2023, 11, 1) });
    expect(early.ok ? null : early.error.message).toBe('no subscription started by 2023-12-01');
    expect(() => analyzeSurvival(table, { projectMonths: 0 })).toThrow(InvalidInputError);
  });
});

describe('shiftedBetaGeometricOnCurve', () => {
  it('reproduces Fader & Hardie 2007 (Regular: α 0.704, β 1.182) from a Kaplan–Meier curve of the same cohort', () => {
    // Table 1's Regular cohort as lifetimes: of 1,000, 369 leave in year 1, 163 in year 2, …,
    // 21 in year 7, and 241 are still there (censored) at 7. Without earlier censoring the curve
    // is the survivor share, so 1,000 × Ŝ(t) = 1000, 631, 468, 382, 326, 289, 262, 241.
    const survivors = [1000, 631, 468, 382, 326, 289, 262, 241];
    const durations: number[] = [];
    const observed: boolean[] = [];
    for (let year = 1; year < survivors.length; year++) {
      for (let left = survivors[year - 1]! - survivors[year]!; left > 0; left--) {
        durations.push(year);
        observed.push(true);
      }
    }
    for (let stayed = 0; stayed < survivors[7]!; stayed++) {
      durations.push(7);
      observed.push(false);
    }
    const sbg = shiftedBetaGeometricOnCurve(kaplanMeier(durations, observed), 1000, 12);
    if ('error' in sbg) throw new Error(sbg.error);
    expect(sbg.fittedMonths).toBe(7);
    expect(sbg.alpha).toBeCloseTo(0.704, 3);
    expect(sbg.beta).toBeCloseTo(1.182, 3);
    expect(sbg.expectedLifetimeMonths).toBeNull(); // α ≤ 1: E[T] is infinite
    expect(sbg.projection).toHaveLength(12);
  });
});
