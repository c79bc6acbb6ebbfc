import { describe, expect, it } from 'vitest';
import { type OrderRecord, orderTableFromRecords } from '../data/order-table.js';
import { InvalidInputError } from '../input-error.js';
import { PeriodGrid } from '../time/periods.js';
import { orderCohorts, orderCohortsBy } from './order-cohorts.js';

const at = (iso: string) => Date.parse(iso);

/** Rows of a matrix without the start instants, for compact expectations. */
const shape = (rows: readonly { cohort: string; size: number; counts: readonly (number | null)[] }[]) =>
  rows.map(({ cohort, size, counts }) => ({ cohort, size, counts }));

describe('orderCohorts: metrics.md §3 worked example', () => {
  it('reproduces the example of docs/metrics.md §3', () => {
    // A orders in Jan and Mar, B in Jan only, C in Feb and Mar; data ends 2024-03-20.
    const orders = orderTableFromRecords([
      { customerId: 'A', orderedAt: '2024-01-10T00:00:00Z', amountCents: 100 },
      { customerId: 'A', orderedAt: '2024-03-10T00:00:00Z', amountCents: 100 },
      { customerId: 'B', orderedAt: '2024-01-12T00:00:00Z', amountCents: 100 },
      { customerId: 'C', orderedAt: '2024-02-12T00:00:00Z', amountCents: 100 },
      { customerId: 'C', orderedAt: '2024-03-12T00:00:00Z', amountCents: 100 },
    ]);
    const grid = PeriodGrid.covering(at('2024-01-01T00:00:00Z'), at('2024-03-20T00:00:00Z'), 'month');
    const matrix = orderCohorts(orders, { grid, dataEnd: at('2024-03-20T00:00:00Z') });
    // January {A, B}: 2, Feb 0, Mar null; February {C}: 1, null; March: nobody, null.
    expect(shape(matrix.rows)).toEqual([
      { cohort: '2024-01', size: 2, counts: [2, 0, null] },
      { cohort: '2024-02', size: 1, counts: [1, null] },
      { cohort: '2024-03', size: 0, counts: [null] },
    ]);
    // Average: period 0 = (2 + 1) / (2 + 1) = 100 %; period 1 = 0 / 2 = 0 % (January only).
    expect(matrix.average.rates).toEqual([100, 0, null]);
  });
});

describe('orderCohorts: a monthly example worked by hand', () => {
  // Grid Jan–Apr 2024 (UTC); data ends 2024-04-10, so Jan, Feb and Mar are complete, April is not.
  const records: OrderRecord[] = [
    { customerId: 'A', orderedAt: '2024-01-05T10:00:00Z', amountCents: 1000 },
    { customerId: 'A', orderedAt: '2024-01-20T10:00:00Z', amountCents: 500 },
    { customerId: 'A', orderedAt: '2024-03-03T10:00:00Z', amountCents: 2000 },
    { customerId: 'B', orderedAt: '2024-01-15T10:00:00Z', amountCents: 3000 },
    { customerId: 'B', orderedAt: '2024-02-10T10:00:00Z', amountCents: -1000 }, // refund: not activity
    { customerId: 'B', orderedAt: '2024-04-02T10:00:00Z', amountCents: 700 },
    { customerId: 'C', orderedAt: '2024-02-01T00:00:00Z', amountCents: 4000 },
    { customerId: 'C', orderedAt: '2024-02-28T10:00:00Z', amountCents: 1000 },
    { customerId: 'C', orderedAt: '2024-03-15T10:00:00Z', amountCents: 2500 },
    { customerId: 'D', orderedAt: '2024-02-20T10:00:00Z', amountCents: -500 }, // a refund never acquires
    { customerId: 'D', orderedAt: '2024-03-10T10:00:00Z', amountCents: 800 },
    { customerId: 'E', orderedAt: '2023-12-20T10:00:00Z', amountCents: 900 }, // acquired before the grid
    { customerId: 'E', orderedAt: '2024-02-05T10:00:00Z', amountCents: 600 },
    { customerId: 'F', orderedAt: '2024-04-05T10:00:00Z', amountCents: 1500 },
    { customerId: 'G', orderedAt: '2024-04-20T10:00:00Z', amountCents: 1500 }, // after the data's end
  ];
  const orders = orderTableFromRecords(records);
  const grid = PeriodGrid.covering(at('2024-01-01T00:00:00Z'), at('2024-04-10T00:00:00Z'), 'month');
  const dataEnd = at('2024-04-10T00:00:00Z');

  it('counts, rates, revenue and nulls of first-time classic cohorts', () => {
    const matrix = orderCohorts(orders, { grid, dataEnd });
    expect(matrix).toMatchObject({
      granularity: 'month',
      kind: 'first-time',
      measure: 'classic',
      mode: 'transactional',
    });
    // January {A, B}: Jan both; Feb nobody (B only refunded); Mar A; Apr incomplete.
    // February {C}: Feb, Mar. March {D} (D's February refund does not acquire). April {F}: incomplete.
    // E was acquired in December, before the grid: no cohort. G ordered after the data's end: ignored.
    expect(shape(matrix.rows)).toEqual([
      { cohort: '2024-01', size: 2, counts: [2, 0, 1, null] },
      { cohort: '2024-02', size: 1, counts: [1, 1, null] },
      { cohort: '2024-03', size: 1, counts: [1, null] },
      { cohort: '2024-04', size: 1, counts: [null] },
    ]);
    expect(matrix.rows.map((row) => row.start)).toEqual([
      at('2024-01-01T00:00:00Z'),
      at('2024-02-01T00:00:00Z'),
      at('2024-03-01T00:00:00Z'),
      at('2024-04-01T00:00:00Z'),
    ]);
    // Rates: 2/2, 0/2, 1/2 → 100, 0, 50; 1/1 → 100; April unknown.
    expect(matrix.rows.map((row) => row.rates)).toEqual([
      [100, 0, 50, null],
      [100, 100, null],
      [100, null],
      [null],
    ]);
    // Revenue: Jan cohort in Jan 1000 + 500 + 3000 = 4500, Feb −1000 (B's refund), Mar 2000;
    // Feb cohort: 4000 + 1000 = 5000, then 2500; Mar cohort: 800 (the refund predates the cohort).
    expect(matrix.rows.map((row) => row.revenueCents)).toEqual([
      [4500, -1000, 2000, null],
      [5000, 2500, null],
      [800, null],
      [null],
    ]);
    // Average over complete cells, weighted by size:
    // k=0: (2 + 1 + 1) / (2 + 1 + 1) = 100 %; k=1 (Jan, Feb): (0 + 1) / (2 + 1) = 33.3 %;
    // k=2 (Jan): 1 / 2 = 50 %; k=3: no cohort has a complete period 3.
    expect(matrix.average).toEqual({
      sizes: [4, 3, 2, 0],
      counts: [4, 1, 1, 0],
      rates: [100, (1 / 3) * 100, 50, null],
    });
  });

  it('rolling cohorts count activity in the period or any later one', () => {
    const matrix = orderCohorts(orders, { grid, dataEnd, measure: 'rolling' });
    // January {A, B}: A last active in March, B in April (observed, though April is incomplete), so
    // both count in every complete period. February {C}: last active March. March {D}.
    expect(shape(matrix.rows)).toEqual([
      { cohort: '2024-01', size: 2, counts: [2, 2, 2, null] },
      { cohort: '2024-02', size: 1, counts: [1, 1, null] },
      { cohort: '2024-03', size: 1, counts: [1, null] },
      { cohort: '2024-04', size: 1, counts: [null] },
    ]);
    // k=1: (2 + 1) / (2 + 1) = 100 %; k=2: 2 / 2 = 100 %.
    expect(matrix.average.rates).toEqual([100, 100, 100, null]);
    // Revenue does not depend on the measure.
    expect(matrix.rows[0]!.revenueCents).toEqual([4500, -1000, 2000, null]);
  });

  it('recurring cohorts follow every active period (same data)', () => {
    const matrix = orderCohorts(orders, { grid, dataEnd, kind: 'recurring' });
    // Active periods: A {Jan, Mar}, B {Jan, Apr}, C {Feb, Mar}, D {Mar}, E {Feb} (December is
    // outside the grid), F {Apr}. Jan {A, B}: Feb 0, Mar 1 (A). Feb {C, E}: Mar 1 (C).
    // Mar {A, C, D}. Apr {B, F}.
    expect(shape(matrix.rows)).toEqual([
      { cohort: '2024-01', size: 2, counts: [2, 0, 1, null] },
      { cohort: '2024-02', size: 2, counts: [2, 1, null] },
      { cohort: '2024-03', size: 3, counts: [3, null] },
      { cohort: '2024-04', size: 2, counts: [null] },
    ]);
    // Revenue: Feb {C, E} in Feb 4000 + 1000 + 600 = 5600, Mar 2500; Mar {A, C, D}: 2000 + 2500 + 800.
    expect(matrix.rows.map((row) => row.revenueCents)).toEqual([
      [4500, -1000, 2000, null],
      [5600, 2500, null],
      [5300, null],
      [null],
    ]);
    // k=0: 7 / 7; k=1 (Jan, Feb): (0 + 1) / (2 + 2) = 25 %; k=2 (Jan): 1 / 2 = 50 %.
    expect(matrix.average.rates).toEqual([100, 25, 50, null]);

    const rolling = orderCohorts(orders, { grid, dataEnd, kind: 'recurring', measure: 'rolling' });
    // Last active period: A Mar, B Apr, C Mar, D Mar, E Feb, F Apr.
    // Jan {A, B}: Feb-or-later both, Mar-or-later both. Feb {C, E}: Mar-or-later C only.
    expect(shape(rolling.rows)).toEqual([
      { cohort: '2024-01', size: 2, counts: [2, 2, 2, null] },
      { cohort: '2024-02', size: 2, counts: [2, 1, null] },
      { cohort: '2024-03', size: 3, counts: [3, null] },
      { cohort: '2024-04', size: 2, counts: [null] },
    ]);
  });

  it('breaks nothing when every period is complete or none is', () => {
    const allComplete = orderCohorts(orders, { grid, dataEnd: at('2024-06-01T00:00:00Z') });
    // April complete now; G's 2024-04-20 order is within the data: April {F, G}; B active in April.
    expect(shape(allComplete.rows)).toEqual([
      { cohort: '2024-01', size: 2, counts: [2, 0, 1, 1] },
      { cohort: '2024-02', size: 1, counts: [1, 1, 0] },
      { cohort: '2024-03', size: 1, counts: [1, 0] },
      { cohort: '2024-04', size: 2, counts: [2] },
    ]);
    const noneComplete = orderCohorts(orders, { grid, dataEnd: at('2024-01-31T00:00:00Z') });
    // Only rows up to Jan 31 count: January {A, B}; nothing is complete.
    expect(shape(noneComplete.rows)).toEqual([
      { cohort: '2024-01', size: 2, counts: [null, null, null, null] },
      { cohort: '2024-02', size: 0, counts: [null, null, null] },
      { cohort: '2024-03', size: 0, counts: [null, null] },
      { cohort: '2024-04', size: 0, counts: [null] },
    ]);
    expect(noneComplete.average).toEqual({
      sizes: [0, 0, 0, 0],
      counts: [0, 0, 0, 0],
      rates: [null, null, null, null],
    });
  });
});

describe('orderCohorts: refunds read before the orders of their period', () => {
  // Z refunds twice in February before ordering, refunds twice in March (no order then), orders in April.
  const records: OrderRecord[] = [
    { customerId: 'Z', orderedAt: '2024-02-02T00:00:00Z', amountCents: -100 },
    { customerId: 'Z', orderedAt: '2024-02-03T00:00:00Z', amountCents: -200 },
    { customerId: 'Z', orderedAt: '2024-02-10T00:00:00Z', amountCents: 1000 },
    { customerId: 'Z', orderedAt: '2024-03-05T00:00:00Z', amountCents: -50 },
    { customerId: 'Z', orderedAt: '2024-03-06T00:00:00Z', amountCents: -25 },
    { customerId: 'Z', orderedAt: '2024-04-02T00:00:00Z', amountCents: 300 },
  ];
  const dataEnd = at('2024-05-01T00:00:00Z');
  const grid = PeriodGrid.covering(at('2024-02-01T00:00:00Z'), dataEnd, 'month');
  // Oldest first (read in table order) and newest first (read grouped by customer).
  for (const [order, rows] of [
    ['oldest first', records],
    ['newest first', [...records].reverse()],
  ] as const) {
    it(`counts them in their period's revenue (${order})`, () => {
      const orders = orderTableFromRecords(rows);
      const firstTime = orderCohorts(orders, { grid, dataEnd });
      // February cohort {Z}: Feb −100 − 200 + 1000 = 700; Mar −50 − 25 = −75; Apr 300.
      expect(firstTime.rows[0]).toMatchObject({ size: 1, counts: [1, 0, 1], revenueCents: [700, -75, 300] });
      const recurring = orderCohorts(orders, { grid, dataEnd, kind: 'recurring' });
      // Cohorts Feb {Z} and Apr {Z}; nobody is active in March, so its refunds join only February's row.
      expect(recurring.rows.map((row) => ({ size: row.size, revenueCents: row.revenueCents }))).toEqual([
        { size: 1, revenueCents: [700, -75, 300] },
        { size: 0, revenueCents: [0, 0] },
        { size: 1, revenueCents: [300] },
      ]);
    });
  }
});

describe('orderCohorts: calendars', () => {
  // 2024-03-03 is a Sunday, 2024-03-04 a Monday.
  const orders = orderTableFromRecords([
    { customerId: 'X', orderedAt: '2024-03-03T10:00:00Z', amountCents: 100 },
    { customerId: 'X', orderedAt: '2024-03-04T10:00:00Z', amountCents: 100 },
    { customerId: 'Y', orderedAt: '2024-03-10T10:00:00Z', amountCents: 100 },
  ]);
  const dataEnd = at('2024-03-18T00:00:00Z');

  it('week cohorts starting on Monday', () => {
    const grid = PeriodGrid.covering(at('2024-02-26T00:00:00Z'), dataEnd, 'week');
    // Weeks [Feb 26, Mar 4), [Mar 4, 11), [Mar 11, 18), all complete. X: Sunday Mar 3 in the first
    // week, Monday Mar 4 in the second. Y: Sunday Mar 10 in the second.
    expect(shape(orderCohorts(orders, { grid, dataEnd }).rows)).toEqual([
      { cohort: '2024-02-26', size: 1, counts: [1, 1, 0] },
      { cohort: '2024-03-04', size: 1, counts: [1, 0] },
      { cohort: '2024-03-11', size: 0, counts: [0] },
    ]);
  });

  it('week cohorts starting on Sunday', () => {
    const grid = PeriodGrid.covering(at('2024-02-26T00:00:00Z'), dataEnd, 'week', { weekStartsOn: 'sunday' });
    // Weeks [Feb 25, Mar 3), [Mar 3, 10), [Mar 10, 17), [Mar 17, 24) — the last is incomplete on
    // Mar 18. X's Sunday and Monday orders now share the week of Mar 3; Y is in the week of Mar 10.
    const matrix = orderCohorts(orders, { grid, dataEnd });
    expect(shape(matrix.rows)).toEqual([
      { cohort: '2024-02-25', size: 0, counts: [0, 0, 0, null] },
      { cohort: '2024-03-03', size: 1, counts: [1, 0, null] },
      { cohort: '2024-03-10', size: 1, counts: [1, null] },
      { cohort: '2024-03-17', size: 0, counts: [null] },
    ]);
    // An empty cohort has no rates (0 / 0 is unknown, not 0 %).
    expect(matrix.rows[0]!.rates).toEqual([null, null, null, null]);
  });

  it('day cohorts follow local midnights across the spring DST change in Europe/Paris', () => {
    // Paris is UTC+1 until 2024-03-31 02:00 local, UTC+2 after: March 31 lasts 23 hours.
    const paris = orderTableFromRecords([
      { customerId: 'Q', orderedAt: '2024-03-30T12:00:00Z', amountCents: 100 }, // Mar 30, 13:00 local
      { customerId: 'Q', orderedAt: '2024-03-31T21:59:00Z', amountCents: 100 }, // Mar 31, 23:59 local (UTC+2)
      { customerId: 'P', orderedAt: '2024-03-30T23:30:00Z', amountCents: 100 }, // Mar 31, 00:30 local (UTC+1)
      { customerId: 'P', orderedAt: '2024-03-31T22:30:00Z', amountCents: 100 }, // Apr 1, 00:30 local (UTC+2)
    ]);
    // Local days Mar 30 [29 23:00Z, 30 23:00Z), Mar 31 [30 23:00Z, 31 22:00Z), Apr 1 [31 22:00Z, Apr 1 22:00Z).
    const parisEnd = at('2024-04-01T22:00:00Z');
    const grid = PeriodGrid.covering(at('2024-03-29T23:00:00Z'), parisEnd, 'day', {
      timeZone: 'Europe/Paris',
    });
    // In UTC both of P's orders would fall on Mar 30 and Mar 31; in Paris they are Mar 31 and Apr 1.
    expect(shape(orderCohorts(paris, { grid, dataEnd: parisEnd }).rows)).toEqual([
      { cohort: '2024-03-30', size: 1, counts: [1, 1, 0] },
      { cohort: '2024-03-31', size: 1, counts: [1, 1] },
      { cohort: '2024-04-01', size: 0, counts: [0] },
    ]);
  });

  it('quarter cohorts', () => {
    const quarterly = orderTableFromRecords([
      { customerId: 'R', orderedAt: '2024-02-10T00:00:00Z', amountCents: 100 },
      { customerId: 'R', orderedAt: '2024-05-05T00:00:00Z', amountCents: 100 },
      { customerId: 'R', orderedAt: '2024-11-01T00:00:00Z', amountCents: 100 },
      { customerId: 'S', orderedAt: '2024-03-31T23:00:00Z', amountCents: 100 },
      { customerId: 'S', orderedAt: '2024-08-01T00:00:00Z', amountCents: 100 },
      { customerId: 'T', orderedAt: '2024-07-04T00:00:00Z', amountCents: 100 },
    ]);
    const end = at('2024-11-15T00:00:00Z');
    const grid = PeriodGrid.covering(at('2024-01-01T00:00:00Z'), end, 'quarter');
    // Q1 {R, S}: Q2 R, Q3 S, Q4 incomplete. Q2 nobody. Q3 {T}.
    const classic = orderCohorts(quarterly, { grid, dataEnd: end });
    expect(shape(classic.rows)).toEqual([
      { cohort: '2024-Q1', size: 2, counts: [2, 1, 1, null] },
      { cohort: '2024-Q2', size: 0, counts: [0, 0, null] },
      { cohort: '2024-Q3', size: 1, counts: [1, null] },
      { cohort: '2024-Q4', size: 0, counts: [null] },
    ]);
    // k=0: (2 + 0 + 1) / (2 + 0 + 1) = 100 %; k=1 (Q1, Q2): 1 / 2 = 50 %; k=2 (Q1): 1 / 2 = 50 %.
    expect(classic.average.rates).toEqual([100, 50, 50, null]);
    // Rolling: R last active Q4, S Q3 → both in Q2-or-later and Q3-or-later.
    expect(shape(orderCohorts(quarterly, { grid, dataEnd: end, measure: 'rolling' }).rows)[0]).toEqual({
      cohort: '2024-Q1',
      size: 2,
      counts: [2, 2, 2, null],
    });
  });
});

describe('orderCohortsBy', () => {
  const orders = orderTableFromRecords([
    { customerId: 'A', orderedAt: '2024-01-05T00:00:00Z', amountCents: 100, attributes: { country: 'FR' } },
    { customerId: 'A', orderedAt: '2024-02-05T00:00:00Z', amountCents: 100, attributes: { country: 'DE' } },
    { customerId: 'B', orderedAt: '2024-01-06T00:00:00Z', amountCents: 100, attributes: { country: 'DE' } },
    { customerId: 'C', orderedAt: '2024-02-07T00:00:00Z', amountCents: 100, attributes: { country: 'FR' } },
    { customerId: 'D', orderedAt: '2024-01-05T00:00:00Z', amountCents: -50, attributes: { country: 'US' } },
    { customerId: 'D', orderedAt: '2024-02-10T00:00:00Z', amountCents: 100, attributes: { country: 'DE' } },
    { customerId: 'E', orderedAt: '2024-03-03T00:00:00Z', amountCents: 100, attributes: { country: 'US' } },
  ]);
  const dataEnd = at('2024-04-01T00:00:00Z');
  const grid = PeriodGrid.covering(at('2024-01-01T00:00:00Z'), dataEnd, 'month');

  it('takes the attribute at acquisition and sorts values by customers', () => {
    const parts = orderCohortsBy(orders, 'country', { grid, dataEnd });
    // At acquisition: A FR (its later DE order does not move it), B DE, C FR, D DE (the US row is
    // a refund, which never acquires), E US. DE 2 and FR 2 tie → by value; then US 1.
    expect(parts.map((part) => part.value)).toEqual(['DE', 'FR', 'US']);
    expect(parts.map((part) => shape(part.matrix.rows))).toEqual([
      [
        { cohort: '2024-01', size: 1, counts: [1, 0, 0] }, // B
        { cohort: '2024-02', size: 1, counts: [1, 0] }, // D
        { cohort: '2024-03', size: 0, counts: [0] },
      ],
      [
        { cohort: '2024-01', size: 1, counts: [1, 1, 0] }, // A, active again in February
        { cohort: '2024-02', size: 1, counts: [1, 0] }, // C
        { cohort: '2024-03', size: 0, counts: [0] },
      ],
      [
        { cohort: '2024-01', size: 0, counts: [0, 0, 0] },
        { cohort: '2024-02', size: 0, counts: [0, 0] },
        { cohort: '2024-03', size: 1, counts: [1] }, // E
      ],
    ]);
    // D's January refund is before D's cohort: no cell holds it. DE Feb cohort revenue = D's 100.
    expect(parts[0]!.matrix.rows[1]!.revenueCents).toEqual([100, 0]);
  });

  it('rejects an unknown attribute, naming it and the available ones', () => {
    expect(() => orderCohortsBy(orders, 'channel', { grid, dataEnd })).toThrow(InvalidInputError);
    expect(() => orderCohortsBy(orders, 'channel', { grid, dataEnd })).toThrow(
      'Unknown attribute "channel": available attributes are "country".',
    );
  });
});

describe('orderCohorts: options', () => {
  it('rejects an unknown kind or measure and a NaN dataEnd', () => {
    const orders = orderTableFromRecords([
      { customerId: 'A', orderedAt: '2024-01-05T00:00:00Z', amountCents: 1 },
    ]);
    const grid = PeriodGrid.covering(at('2024-01-01T00:00:00Z'), at('2024-02-01T00:00:00Z'), 'month');
    const dataEnd = at('2024-02-01T00:00:00Z');
    expect(() => orderCohorts(orders, { grid, dataEnd, kind: 'weekly' as never })).toThrow(
      /cohort kind "weekly"/,
    );
    expect(() => orderCohorts(orders, { grid, dataEnd, measure: 'n-day' as never })).toThrow(
      /measure "n-day"/,
    );
    expect(() => orderCohorts(orders, { grid, dataEnd: Number.NaN })).toThrow(/dataEnd/);
  });
});
