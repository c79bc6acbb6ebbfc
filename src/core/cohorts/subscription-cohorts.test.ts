import { describe, expect, it } from 'vitest';
import { type SubscriptionRecord, subscriptionTableFromRecords } from '../data/subscription-table.js';
import { PeriodGrid } from '../time/periods.js';
import { subscriptionCohorts, subscriptionCohortsBy } from './subscription-cohorts.js';

const at = (iso: string) => Date.parse(iso);

const shape = (rows: readonly { cohort: string; size: number; counts: readonly (number | null)[] }[]) =>
  rows.map(({ cohort, size, counts }) => ({ cohort, size, counts }));

// Grid Jan–Apr 2024 (UTC); data ends 2024-04-10: Jan, Feb, Mar complete, April incomplete.
const records: SubscriptionRecord[] = [
  // U: monthly 1200 (annual 14,400) ending exactly at March 1, then yearly 12,000 from March 20, ongoing.
  {
    customerId: 'U',
    subscriptionId: 'u1',
    startedAt: '2024-01-10T00:00:00Z',
    endedAt: '2024-03-01T00:00:00Z',
    amountCents: 1200,
    interval: 'month',
    attributes: { plan: 'basic' },
  },
  {
    customerId: 'U',
    subscriptionId: 'u2',
    startedAt: '2024-03-20T00:00:00Z',
    amountCents: 12_000,
    interval: 'year',
    attributes: { plan: 'pro' },
  },
  // V: a few days in February, monthly 3000.
  {
    customerId: 'V',
    subscriptionId: 'v1',
    startedAt: '2024-02-15T00:00:00Z',
    endedAt: '2024-02-20T00:00:00Z',
    amountCents: 3000,
    interval: 'month',
    attributes: { plan: 'pro' },
  },
  // W: weekly 700 from January 31, ongoing (annual 700 × 52 = 36,400).
  {
    customerId: 'W',
    subscriptionId: 'w1',
    startedAt: '2024-01-31T12:00:00Z',
    endedAt: null,
    amountCents: 700,
    interval: 'week',
    attributes: { plan: 'pro' },
  },
  // X: monthly 500 (annual 6000) since December 2023, ongoing: acquired before the grid.
  {
    customerId: 'X',
    subscriptionId: 'x1',
    startedAt: '2023-12-01T00:00:00Z',
    amountCents: 500,
    interval: 'month',
    attributes: { plan: 'basic' },
  },
  // Y: starts after the data's end: ignored.
  {
    customerId: 'Y',
    subscriptionId: 'y1',
    startedAt: '2024-04-15T00:00:00Z',
    amountCents: 500,
    interval: 'month',
    attributes: { plan: 'basic' },
  },
];
const subscriptions = subscriptionTableFromRecords(records);
const dataEnd = at('2024-04-10T00:00:00Z');
const grid = PeriodGrid.covering(at('2024-01-01T00:00:00Z'), dataEnd, 'month');

describe('subscriptionCohorts', () => {
  it('first-time classic cohorts with an ongoing subscription and MRR revenue (hand-worked)', () => {
    const matrix = subscriptionCohorts(subscriptions, { grid, dataEnd });
    expect(matrix).toMatchObject({ kind: 'first-time', measure: 'classic', mode: 'subscription' });
    // U covers Jan–Feb (u1 ends at March 1 00:00, so it does not touch March) and Mar–Apr (u2);
    // W covers Jan 31 onwards. January {U, W}: active Jan, Feb, Mar; April incomplete.
    // February {V}: active in February only. X (December) is in no first-time cohort.
    expect(shape(matrix.rows)).toEqual([
      { cohort: '2024-01', size: 2, counts: [2, 2, 2, null] },
      { cohort: '2024-02', size: 1, counts: [1, 0, null] },
      { cohort: '2024-03', size: 0, counts: [0, null] },
      { cohort: '2024-04', size: 0, counts: [null] },
    ]);
    // MRR at each period's last instant (startedAt < end ≤ endedAt), annual cents ÷ 12:
    // Jan (end Feb 1): u1 14,400 + w1 36,400; Feb (end Mar 1): u1 still (it ends exactly then)
    // + w1; Mar (end Apr 1): u2 12,000 + w1 36,400. V ended before February's end: 0.
    expect(matrix.rows.map((row) => row.revenueCents)).toEqual([
      [(14_400 + 36_400) / 12, (14_400 + 36_400) / 12, (12_000 + 36_400) / 12, null],
      [0, 0, null],
      [0, null],
      [null],
    ]);
    // k=0: (2 + 1 + 0) / 3 = 100 %; k=1 (Jan, Feb): (2 + 0) / 3 = 66.7 %; k=2 (Jan): 2 / 2.
    expect(matrix.average.rates).toEqual([100, (2 / 3) * 100, 100, null]);
  });

  it('rolling and recurring cohorts on the same data', () => {
    const rolling = subscriptionCohorts(subscriptions, { grid, dataEnd, measure: 'rolling' });
    // V's last active period is February: 0 from March on; U and W stay active to April.
    expect(shape(rolling.rows).slice(0, 2)).toEqual([
      { cohort: '2024-01', size: 2, counts: [2, 2, 2, null] },
      { cohort: '2024-02', size: 1, counts: [1, 0, null] },
    ]);
    const recurring = subscriptionCohorts(subscriptions, { grid, dataEnd, kind: 'recurring' });
    // Active: U Jan–Apr, V Feb, W Jan–Apr, X Jan–Apr (since December). Y starts after the data's end.
    expect(shape(recurring.rows)).toEqual([
      { cohort: '2024-01', size: 3, counts: [3, 3, 3, null] },
      { cohort: '2024-02', size: 4, counts: [4, 3, null] },
      { cohort: '2024-03', size: 3, counts: [3, null] },
      { cohort: '2024-04', size: 3, counts: [null] },
    ]);
    // January {U, W, X} MRR at January's end: (14,400 + 36,400 + 6000) / 12.
    expect(recurring.rows[0]!.revenueCents[0]).toBe((14_400 + 36_400 + 6000) / 12);
  });

  it('breaks down by the plan of the first subscription', () => {
    const parts = subscriptionCohortsBy(subscriptions, 'plan', { grid, dataEnd });
    // First subscriptions: U basic, V pro, W pro, X basic (before the grid: no cohort), Y ignored.
    // pro {V, W} has 2 customers in a cohort, basic {U} 1.
    expect(parts.map((part) => part.value)).toEqual(['pro', 'basic']);
    expect(shape(parts[0]!.matrix.rows).slice(0, 2)).toEqual([
      { cohort: '2024-01', size: 1, counts: [1, 1, 1, null] },
      { cohort: '2024-02', size: 1, counts: [1, 0, null] },
    ]);
    // U's later switch to "pro" does not move U: the basic matrix holds U in January.
    expect(shape(parts[1]!.matrix.rows)[0]).toEqual({ cohort: '2024-01', size: 1, counts: [1, 1, 1, null] });
    expect(() => subscriptionCohortsBy(subscriptions, 'country', { grid, dataEnd })).toThrow(
      'Unknown attribute "country": available attributes are "plan".',
    );
  });
});
