import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type SubscriptionRecord, subscriptionTableFromRecords } from '../data/subscription-table.js';
import { PeriodGrid } from '../time/periods.js';
import { type MrrMovement, mrrAt, mrrMovements } from './mrr.js';

const at = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
const monthly = (
  customerId: string,
  subscriptionId: string,
  amountCents: number,
  startedAt: string,
  endedAt?: string,
): SubscriptionRecord => ({
  customerId,
  subscriptionId,
  amountCents,
  interval: 'month',
  startedAt: at(startedAt),
  ...(endedAt ? { endedAt: at(endedAt) } : {}),
});

// Hand-made history. MRR (cents) of each customer at the boundaries Jan 1 | Feb 1 | Mar 1 | Apr 1 2024,
// with the boundary rule of docs/metrics.md §1 (a customer counts at a boundary only once acquired
// before it, so a first subscription starting exactly on a boundary shows from the next one):
//   a:    0 | 1000 | 1500 | 1500   (10.00/month from exactly Jan 1: new in January; 15.00 from Feb 10)
//   b: 2000 | 2000 |    0 | 2000   (20.00/month ends Feb 15, restarts Mar 20)
//   c: 1000 | 1000 | 1000 |  500   (120.00/year = 1000/month, downgraded to 5.00/month on Mar 5)
//   d:    0 |    0 |  500 |  500   (paid Jan 15–25 between boundaries, back on Feb 20)
//   e:    0 |    0 |  800 |  800   (starts exactly on Feb 1: new in February, not in January)
const history: SubscriptionRecord[] = [
  monthly('a', 'a1', 1000, '2024-01-01', '2024-02-10'),
  monthly('a', 'a2', 1500, '2024-02-10'),
  monthly('b', 'b1', 2000, '2023-12-01', '2024-02-15'),
  monthly('b', 'b2', 2000, '2024-03-20'),
  {
    customerId: 'c',
    subscriptionId: 'c1',
    amountCents: 12_000,
    interval: 'year',
    startedAt: at('2023-06-01'),
    endedAt: at('2024-03-05'),
  },
  monthly('c', 'c2', 500, '2024-03-05'),
  monthly('d', 'd1', 500, '2024-01-15', '2024-01-25'),
  monthly('d', 'd2', 500, '2024-02-20'),
  monthly('e', 'e1', 800, '2024-02-01'),
];
const quarter = PeriodGrid.covering(at('2024-01-01'), at('2024-04-01'), 'month');

describe('mrrAt', () => {
  it('sums the monthly amounts of the subscriptions covering the instant (hand-worked)', () => {
    // 2024-03-15: a2 1500 + c2 500 + d2 500 + e1 800 (b2 starts Mar 20, c1 ended Mar 5) = 3300.
    expect(mrrAt(subscriptionTableFromRecords(history), at('2024-03-15'))).toBe(3300);
    // A subscription covers [startedAt, endedAt): a1 ends and a2 starts at 2024-02-10 00:00.
    // There: a2 1500 + c1 1000 + b1 2000 + e1 800 = 5300.
    expect(mrrAt(subscriptionTableFromRecords(history), at('2024-02-10'))).toBe(5300);
  });

  it('divides the exact yearly sum by 12 once', () => {
    // 10.00/year + 10.00/year: 2000 / 12, not round(1000/12) × 2.
    const table = subscriptionTableFromRecords([
      { customerId: 'x', subscriptionId: '1', amountCents: 1000, interval: 'year', startedAt: 0 },
      { customerId: 'y', subscriptionId: '2', amountCents: 1000, interval: 'year', startedAt: 0 },
    ]);
    expect(mrrAt(table, 1)).toBe(2000 / 12);
  });
});

describe('mrrMovements', () => {
  const [january, february, march] = mrrMovements(subscriptionTableFromRecords(history), quarter) as [
    MrrMovement,
    MrrMovement,
    MrrMovement,
  ];

  it('classifies each customer by comparing MRR at the period start and end (hand-worked)', () => {
    // January: start b+c = 3000, end a 1000 + b 2000 + c 1000 = 4000; a is new (acquired Jan 1).
    expect(january).toEqual({
      label: '2024-01',
      start: at('2024-01-01'),
      end: at('2024-02-01'),
      mrrStartCents: 3000,
      mrrEndCents: 4000,
      newCents: 1000,
      expansionCents: 0,
      contractionCents: 0,
      churnCents: 0,
      reactivationCents: 0,
      customers: { new: 1, expansion: 0, contraction: 0, churned: 0, reactivated: 0 },
      nrr: 100,
      grr: 100,
    });
    // February: start 4000, end 1500 + 0 + 1000 + 500 + 800 = 3800; a expands 500, b churns 2000,
    // d reactivates 500 (its January subscription counts as having paid before), e is new 800.
    // NRR = (4000 + 500 − 2000) / 4000 = 62.5 %; GRR = (4000 − 2000) / 4000 = 50 %.
    expect(february).toMatchObject({
      mrrStartCents: 4000,
      mrrEndCents: 3800,
      newCents: 800,
      expansionCents: 500,
      contractionCents: 0,
      churnCents: 2000,
      reactivationCents: 500,
      customers: { new: 1, expansion: 1, contraction: 0, churned: 1, reactivated: 1 },
      nrr: 62.5,
      grr: 50,
    });
    // March: start 3800, end 1500 + 2000 + 500 + 500 + 800 = 5300; b reactivates 2000, c contracts 500.
    // NRR = GRR = (3800 − 500) / 3800.
    expect(march).toMatchObject({
      mrrStartCents: 3800,
      mrrEndCents: 5300,
      reactivationCents: 2000,
      contractionCents: 500,
      customers: { new: 0, expansion: 0, contraction: 1, churned: 0, reactivated: 1 },
      nrr: (3300 / 3800) * 100,
      grr: (3300 / 3800) * 100,
    });
  });

  it('reports null NRR and GRR when nobody paid at the start', () => {
    const table = subscriptionTableFromRecords([monthly('x', '1', 900, '2024-01-10')]);
    const [only] = mrrMovements(table, PeriodGrid.covering(at('2024-01-01'), at('2024-02-01'), 'month'));
    expect(only).toMatchObject({ mrrStartCents: 0, newCents: 900, nrr: null, grr: null });
  });

  it('counts the end of non-integer yearly amounts as churn, not a rounding contraction', () => {
    // 10.00 and 7.00 every 3 weeks: 1000 × 52 / 3 and 700 × 52 / 3 yearly cents, both ending Jan 20.
    const every3Weeks = (subscriptionId: string, amountCents: number): SubscriptionRecord => ({
      customerId: 'x',
      subscriptionId,
      amountCents,
      interval: 'week',
      intervalCount: 3,
      startedAt: at('2023-12-01'),
      endedAt: at('2024-01-20'),
    });
    const table = subscriptionTableFromRecords([every3Weeks('1', 1000), every3Weeks('2', 700)]);
    const [only] = mrrMovements(table, PeriodGrid.covering(at('2024-01-01'), at('2024-02-01'), 'month'));
    expect(only?.mrrEndCents).toBe(0);
    expect(only?.customers).toEqual({ new: 0, expansion: 0, contraction: 0, churned: 1, reactivated: 0 });
    expect(only?.churnCents).toBeCloseTo(((1000 + 700) * 52) / 3 / 12, 9);
  });

  // Random histories: customers × monthly subscriptions over 2023–2024, some open-ended.
  const day = 86_400_000;
  const subscription = fc
    .record({
      customerId: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
      startDay: fc.integer({ min: 0, max: 700 }),
      lengthDays: fc.option(fc.integer({ min: 0, max: 400 })),
      amountCents: fc.integer({ min: 0, max: 10_000 }),
    })
    .map(
      (draw): SubscriptionRecord => ({
        customerId: draw.customerId,
        subscriptionId: `${draw.customerId}-${draw.startDay}`,
        amountCents: draw.amountCents,
        interval: 'month',
        startedAt: at('2023-01-01') + draw.startDay * day,
        endedAt: draw.lengthDays === null ? null : at('2023-01-01') + (draw.startDay + draw.lengthDays) * day,
      }),
    );
  const histories = fc
    .array(subscription, { maxLength: 30 })
    .chain((rows) =>
      fc.tuple(
        fc.constant(rows),
        fc.shuffledSubarray(rows, { minLength: rows.length, maxLength: rows.length }),
      ),
    );
  const grid = PeriodGrid.covering(at('2023-03-01'), at('2024-09-01'), 'month', { timeZone: 'Europe/Paris' });

  it('satisfies mrrEnd = mrrStart + new + reactivation + expansion − contraction − churn (property)', () => {
    fc.assert(
      fc.property(histories, ([rows]) => {
        const table = subscriptionTableFromRecords(rows);
        for (const period of mrrMovements(table, grid)) {
          const bridged =
            period.mrrStartCents +
            period.newCents +
            period.reactivationCents +
            period.expansionCents -
            period.contractionCents -
            period.churnCents;
          expect(period.mrrEndCents).toBeCloseTo(bridged, 6);
          // Independent check of the difference arrays against the direct definition.
          expect(period.mrrStartCents).toBeCloseTo(mrrAt(table, period.start), 6);
          expect(period.mrrEndCents).toBeCloseTo(mrrAt(table, period.end), 6);
        }
      }),
    );
  });

  it('has NRR ≥ GRR and GRR ≤ 100 (property)', () => {
    fc.assert(
      fc.property(histories, ([rows]) => {
        for (const period of mrrMovements(subscriptionTableFromRecords(rows), grid)) {
          if (period.nrr === null || period.grr === null) {
            expect(period.mrrStartCents).toBe(0);
            continue;
          }
          expect(period.nrr).toBeGreaterThanOrEqual(period.grr);
          expect(period.grr).toBeLessThanOrEqual(100);
        }
      }),
    );
  });

  it('does not depend on the order of the rows (property)', () => {
    fc.assert(
      fc.property(histories, ([rows, shuffled]) => {
        expect(mrrMovements(subscriptionTableFromRecords(shuffled), grid)).toEqual(
          mrrMovements(subscriptionTableFromRecords(rows), grid),
        );
      }),
    );
  });
});
