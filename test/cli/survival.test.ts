/**
 * `retain survival` on a hand-worked Kaplan–Meier example with censoring (durations in days).
 */
import { describe, expect, it } from 'vitest';
import { runRetain } from '../support/cli.js';
import { scratchFile } from './model-cli-support.js';

// As of 2024-03-01 inclusive (the censoring instant is 2024-03-02 00:00 UTC):
//   a pro   2024-01-01 → 01-11  churned at 10 days
//   b pro   2024-01-01 → 01-21  churned at 20 days
//   c pro   2024-02-16 → open   censored at 15 days (Feb 2024 has 29 days: 13 + 1 + 1)
//   d basic 2024-01-01 → 01-31  churned at 30 days
//   e basic 2024-01-01 → open   censored at 61 days (31 + 29 + 1)
const SUBSCRIPTIONS = `customer_id,subscription_id,started_at,ended_at,amount,interval,plan
a,s1,2024-01-01,2024-01-11,10.00,month,pro
b,s2,2024-01-01,2024-01-21,10.00,month,pro
c,s3,2024-02-16,,10.00,month,pro
d,s4,2024-01-01,2024-01-31,5.00,month,basic
e,s5,2024-01-01,,5.00,month,basic
`;

describe('retain survival', () => {
  const file = scratchFile('km-subscriptions.csv', SUBSCRIPTIONS);

  it('matches the hand-worked Kaplan–Meier curve, Greenwood interval and median', async () => {
    const run = await runRetain('survival', file, '--unit', 'day', '--as-of', '2024-03-01', '--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const output = JSON.parse(run.stdout);
    expect(output.groups).toHaveLength(1);
    const all = output.groups[0];
    expect(all).toMatchObject({ group: 'all', customers: 5, churned: 3, censored: 2 });
    // t = 10: n 5, d 1 → S = 4/5; t = 15: censored; t = 20: n 3, d 1 → 4/5 · 2/3 = 8/15;
    // t = 30: n 2, d 1 → 8/15 · 1/2 = 4/15; t = 61: censored, n 1.
    expect(all.curve.map((point: { time: number }) => point.time)).toEqual([10, 15, 20, 30, 61]);
    expect(all.curve.map((point: { atRisk: number }) => point.atRisk)).toEqual([5, 4, 3, 2, 1]);
    const survival = all.curve.map((point: { survival: number }) => point.survival);
    const expected = [0.8, 0.8, 8 / 15, 4 / 15, 4 / 15];
    for (let index = 0; index < expected.length; index++) {
      expect(survival[index]).toBeCloseTo(expected[index]!, 12);
    }
    // Median: the first time with S ≤ 0.5 is 30 (S(20) = 0.533 is still above).
    expect(all.medianLifetime).toBe(30);
    // 95 % log-log interval at t = 10: v = ln 0.8 = −0.223144, σ = √(1/(5·4)) = 0.223607,
    // z = 1.959964: lower = exp(−exp(ln(−v) − zσ/v)) = exp(−e^{0.46414}) = 0.2038,
    // upper = exp(−exp(ln(−v) + zσ/v)) = exp(−e^{−3.46402}) = 0.9692.
    expect(all.curve[0].lower).toBeCloseTo(0.2038, 3);
    expect(all.curve[0].upper).toBeCloseTo(0.9692, 3);
  });

  it('splits by plan and fits the sBG model on monthly survival', async () => {
    const run = await runRetain('survival', file, '--by', 'plan', '--as-of', '2024-03-01', '--json');
    expect(run.code).toBe(0);
    const output = JSON.parse(run.stdout);
    expect(output.unit).toBe('month');
    expect(output.groups.map((group: { group: string }) => group.group)).toEqual(['basic', 'pro']);
    const [basic, pro] = output.groups;
    // basic: d churns (S = 1/2), e censored → median = d's lifetime, 30 days in months.
    expect(basic.medianLifetime).toBeCloseTo(30 / (365.25 / 12), 12);
    // pro: a (S = 2/3), c censored, b (S = 0) → median = b's 20 days.
    expect(pro.medianLifetime).toBeCloseTo(20 / (365.25 / 12), 12);
    // basic was observed for 61 days = 2.004 months → fitted on months 0…2, projected 24 months.
    expect(basic.sbg.fittedMonths).toBe(2);
    expect(basic.sbg.projection).toHaveLength(24);
    expect(basic.sbg.projection[0].survival).toBeLessThan(1);
    // pro: nobody was observed a whole month (longest 20 days) → no fit, and it says why.
    expect(pro.sbg.error).toContain('less than one month');

    const tables = await runRetain('survival', file, '--by', 'plan', '--as-of', '2024-03-01');
    expect(tables.stdout).toContain('Survival as of 2024-03-01 by plan');
    expect(tables.stdout).toContain('Shifted-beta-geometric');
  });

  it('rejects an unknown --by column', async () => {
    const run = await runRetain('survival', file, '--by', 'region');
    expect(run.code).toBe(2);
  });
});
