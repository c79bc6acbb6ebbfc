import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type OrderRecord, orderTableFromRecords } from '../data/order-table.js';
import { type SubscriptionRecord, subscriptionTableFromRecords } from '../data/subscription-table.js';
import { seededRandom, shuffled } from '../math/random.js';
import { addLocalDays, type Granularity, PeriodGrid } from '../time/periods.js';
import { type PeriodRetention, periodRetention, subscriptionPeriodRetention } from './period-retention.js';
import {
  retentionSeries,
  retentionSeriesByCustomer,
  subscriptionRetentionSeries,
} from './retention-series.js';

const utc = (iso: string) => Date.parse(`${iso}Z`);
const DAY = 86_400_000;

function order(customerId: string, iso: string, amountCents = 1000): OrderRecord {
  return { customerId, orderedAt: utc(iso), amountCents };
}

function subscription(customerId: string, from: string, to: string | null): SubscriptionRecord {
  return {
    customerId,
    subscriptionId: `${customerId}-${from}`,
    startedAt: utc(from),
    endedAt: to === null ? null : utc(to),
    amountCents: 1000,
    interval: 'month',
  };
}

/** [label, S, E, N, retained, churned, reactivated, newActiveAtEnd, crr, retentionRate, churnRate]. */
function row(period: PeriodRetention): (string | number | null)[] {
  return [
    period.label,
    period.S,
    period.E,
    period.N,
    period.retained,
    period.churned,
    period.reactivated,
    period.newActiveAtEnd,
    period.crr,
    period.retentionRate,
    period.churnRate,
  ];
}

describe('retentionSeries: hand-worked months of 2024 (UTC, window 30 days)', () => {
  it('gives S, E, N and the decomposition of every month', () => {
    // Boundaries b0…b4 = 01-01, 02-01, 03-01, 04-01, 05-01; their 30-day window starts are
    // 2023-12-02, 01-02, 01-31 (2024 is a leap year), 03-02, 04-01.
    const orders = orderTableFromRecords([
      order('a', '2023-12-15T10:00:00'), // active at b0
      order('a', '2024-01-20T10:00:00'), // b1
      order('a', '2024-02-10T10:00:00'), // b2
      order('a', '2024-03-25T10:00:00'), // b3
      order('b', '2024-01-05T10:00:00'), // new in January, active at b1
      order('b', '2024-03-10T10:00:00'), // lapsed at b2, back at b3
      order('c', '2024-01-01T00:00:00'), // new in January; [01-02, 02-01) misses it: never active
      order('c', '2024-02-15T10:00:00', -1000), // a refund: ignored
      order('d', '2024-01-10T10:00:00', -500), // a refund does not acquire…
      order('d', '2024-04-20T10:00:00'), // …this order does: new in April, active at b4
    ]);
    const grid = PeriodGrid.covering(utc('2024-01-01T00:00:00'), utc('2024-05-01T00:00:00'), 'month');
    const series = retentionSeries(orders, { grid, windowDays: 30 });
    // Active at b0 {a}, b1 {a, b}, b2 {a}, b3 {a, b}, b4 {d}.
    expect(series.map(row)).toEqual([
      // Jan: S {a}, E {a, b}, N {b, c}: CRR (2 − 2) / 1 = 0 %; b is new at end.
      ['2024-01', 1, 2, 2, 1, 0, 0, 1, 0, 100, 0],
      // Feb: S {a, b}, E {a}: CRR (1 − 0) / 2 = 50 %.
      ['2024-02', 2, 1, 0, 1, 1, 0, 0, 50, 50, 50],
      // Mar: S {a}, E {a, b}: b reactivated, CRR (2 − 0) / 1 = 200 %.
      ['2024-03', 1, 2, 0, 1, 0, 1, 0, 200, 100, 0],
      // Apr: S {a, b}, E {d}, N {d}: CRR (1 − 1) / 2 = 0 %.
      ['2024-04', 2, 1, 1, 0, 2, 0, 1, 0, 0, 100],
    ]);
    expect(series.map((period) => [period.start, period.end])).toEqual(
      [0, 1, 2, 3].map((index) => [grid.start(index), grid.end(index)]),
    );
  });
});

describe('subscriptionRetentionSeries: hand-worked quarters of 2024 (UTC)', () => {
  it('gives S, E, N and the decomposition of every quarter', () => {
    const subscriptions = subscriptionTableFromRecords([
      subscription('p', '2023-06-01T00:00:00', null), // ongoing: active at every boundary
      subscription('q', '2024-02-01T00:00:00', '2024-07-01T00:00:00'), // ends exactly at b2
      subscription('q', '2024-09-01T00:00:00', null),
      subscription('r', '2024-05-01T00:00:00', '2024-08-15T00:00:00'),
    ]);
    const grid = PeriodGrid.covering(utc('2024-01-01T00:00:00'), utc('2025-01-01T00:00:00'), 'quarter');
    // Active at 01-01 {p}, 04-01 {p, q}, 07-01 {p, r}, 10-01 {p, q}, 2025-01-01 {p, q}.
    expect(subscriptionRetentionSeries(subscriptions, { grid }).map(row)).toEqual([
      // Q1: N {q}: CRR (2 − 1) / 1 = 100 %.
      ['2024-Q1', 1, 2, 1, 1, 0, 0, 1, 100, 100, 0],
      // Q2: q lapses at 07-01 (half-open), r is new: CRR (2 − 1) / 2 = 50 %.
      ['2024-Q2', 2, 2, 1, 1, 1, 0, 1, 50, 50, 50],
      // Q3: r gone, q reactivated: CRR (2 − 0) / 2 = 100 %, exact 1 / 2 = 50 %.
      ['2024-Q3', 2, 2, 0, 1, 1, 1, 0, 100, 50, 50],
      ['2024-Q4', 2, 2, 0, 2, 0, 0, 0, 100, 100, 0],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Property tests: the one-pass series against the direct single-period definition.

const ZONES = ['UTC', 'Europe/Paris', 'America/New_York'] as const;
const SPANS: Record<'day' | 'week' | 'month', number> = { day: 12, week: 60, month: 200 };

/** Where an instant sits: near a grid boundary, near a window start, or anywhere in the range. */
type InstantSpec =
  | { readonly kind: 'boundary'; readonly index: number; readonly delta: number }
  | { readonly kind: 'windowStart'; readonly index: number; readonly delta: number }
  | { readonly kind: 'free'; readonly fraction: number };

const deltaArbitrary = fc.constantFrom(-3_600_000, -1, 0, 1, 1_800_000);
const instantSpecArbitrary: fc.Arbitrary<InstantSpec> = fc.oneof(
  fc.record({ kind: fc.constant('boundary' as const), index: fc.nat(40), delta: deltaArbitrary }),
  fc.record({ kind: fc.constant('windowStart' as const), index: fc.nat(40), delta: deltaArbitrary }),
  fc.record({ kind: fc.constant('free' as const), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
);

const scenarioArbitrary = fc.record({
  timeZone: fc.constantFrom(...ZONES),
  granularity: fc.constantFrom<'day' | 'week' | 'month'>('day', 'week', 'month'),
  startDayOffset: fc.nat(400),
  windowDays: fc.oneof(fc.integer({ min: 1, max: 60 }), fc.constant(365)),
  seed: fc.integer(),
});

interface Scenario {
  readonly grid: PeriodGrid;
  readonly windowStarts: number[];
  readonly from: number;
  readonly to: number;
}

function buildScenario(
  timeZone: string,
  granularity: Granularity,
  startDayOffset: number,
  spanDays: number,
  windowDays: number,
): Scenario {
  // Spans both DST changes of 2024 for some offsets.
  const gridFrom = utc('2024-01-01T00:00:00') + startDayOffset * DAY;
  const grid = PeriodGrid.covering(gridFrom, gridFrom + spanDays * DAY, granularity, { timeZone });
  const windowStarts = Array.from(grid.starts, (boundary) => addLocalDays(boundary, -windowDays, timeZone));
  const from = Math.min(windowStarts[0]!, grid.start(0)) - 20 * DAY;
  return { grid, windowStarts, from, to: grid.start(grid.count) + 10 * DAY };
}

function instantOf(spec: InstantSpec, scenario: Scenario): number {
  const { grid, windowStarts } = scenario;
  switch (spec.kind) {
    case 'boundary':
      return grid.start(spec.index % (grid.count + 1)) + spec.delta;
    case 'windowStart':
      return windowStarts[spec.index % windowStarts.length]! + spec.delta;
    case 'free':
      return Math.round(scenario.from + spec.fraction * (scenario.to - scenario.from));
  }
}

function expectConsistent(period: PeriodRetention): void {
  expect(period.E).toBe(period.retained + period.reactivated + period.newActiveAtEnd);
  expect(period.retained + period.churned).toBe(period.S);
  for (const count of [period.retained, period.churned, period.reactivated, period.newActiveAtEnd]) {
    expect(count).toBeGreaterThanOrEqual(0);
  }
  if (period.S === 0) {
    expect([period.crr, period.retentionRate, period.churnRate]).toEqual([null, null, null]);
  } else {
    expect(period.retentionRate).not.toBeNull();
    expect(period.retentionRate!).toBeGreaterThanOrEqual(0);
    expect(period.retentionRate!).toBeLessThanOrEqual(100);
    expect(period.churnRate!).toBeCloseTo(100 - period.retentionRate!, 9);
    expect(period.crr).toBe(((period.E - period.N) / period.S) * 100);
  }
}

describe('retentionSeries properties (fast-check)', () => {
  it('equals periodRetention for every period, keeps the identity, ignores row order', () => {
    fc.assert(
      fc.property(
        scenarioArbitrary,
        fc.array(
          fc.record({
            customer: fc.nat(5),
            at: instantSpecArbitrary,
            amountCents: fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: -2000, max: -1 })),
          }),
          { maxLength: 25 },
        ),
        (parameters, rows) => {
          const { timeZone, granularity, windowDays } = parameters;
          const scenario = buildScenario(
            timeZone,
            granularity,
            parameters.startDayOffset,
            SPANS[granularity],
            windowDays,
          );
          const records: OrderRecord[] = rows.map((generated) => ({
            customerId: `c${generated.customer}`,
            orderedAt: instantOf(generated.at, scenario),
            amountCents: generated.amountCents,
          }));
          const { grid } = scenario;
          const series = retentionSeries(orderTableFromRecords(records), { grid, windowDays });
          expect(series).toHaveLength(grid.count);
          series.forEach((period, index) => {
            const direct = periodRetention(orderTableFromRecords(records), {
              start: grid.start(index),
              end: grid.end(index),
              windowDays,
              timeZone,
              label: grid.label(index),
            });
            expect(period).toEqual(direct);
            expectConsistent(period);
          });
          const reordered = orderTableFromRecords(shuffled(records, seededRandom(parameters.seed)));
          expect(retentionSeries(reordered, { grid, windowDays })).toEqual(series);
          const middle = grid.count >> 1;
          expect(
            periodRetention(reordered, {
              start: grid.start(middle),
              end: grid.end(middle),
              windowDays,
              timeZone,
              label: grid.label(middle),
            }),
          ).toEqual(series[middle]);
        },
      ),
    );
  });
});

describe('retentionSeries time-order fast path (fast-check)', () => {
  it('gives exactly what the grouped path gives, oldest first and newest first', () => {
    fc.assert(
      fc.property(
        scenarioArbitrary,
        fc.array(
          fc.record({
            customer: fc.nat(8),
            at: instantSpecArbitrary,
            amountCents: fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: -2000, max: -1 })),
          }),
          { maxLength: 40 },
        ),
        fc.boolean(),
        (parameters, rows, newestFirst) => {
          const { timeZone, granularity, windowDays } = parameters;
          const scenario = buildScenario(
            timeZone,
            granularity,
            parameters.startDayOffset,
            SPANS[granularity],
            windowDays,
          );
          // Sorted by instant (ties in generated order): the fast path's precondition.
          const records: OrderRecord[] = rows
            .map((generated) => ({
              customerId: `c${generated.customer}`,
              orderedAt: instantOf(generated.at, scenario),
              amountCents: generated.amountCents,
            }))
            .sort((left, right) => (left.orderedAt as number) - (right.orderedAt as number));
          if (newestFirst) records.reverse();
          const table = orderTableFromRecords(records);
          const { grid } = scenario;
          expect(retentionSeries(table, { grid, windowDays })).toEqual(
            retentionSeriesByCustomer(table, { grid, windowDays }),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('subscriptionRetentionSeries properties (fast-check)', () => {
  it('equals subscriptionPeriodRetention for every period, keeps the identity, ignores row order', () => {
    const endArbitrary = fc.oneof(
      fc.constant({ kind: 'ongoing' as const }),
      fc.constant({ kind: 'instant' as const }), // zero-length: covers nothing
      fc.record({ kind: fc.constant('at' as const), at: instantSpecArbitrary }),
    );
    fc.assert(
      fc.property(
        scenarioArbitrary,
        fc.array(fc.record({ customer: fc.nat(5), from: instantSpecArbitrary, to: endArbitrary }), {
          maxLength: 15,
        }),
        (parameters, rows) => {
          const { timeZone, granularity } = parameters;
          const scenario = buildScenario(
            timeZone,
            granularity,
            parameters.startDayOffset,
            SPANS[granularity],
            30,
          );
          const records: SubscriptionRecord[] = rows.map((generated, index) => {
            const startedAt = instantOf(generated.from, scenario);
            const endedAt =
              generated.to.kind === 'ongoing'
                ? null
                : generated.to.kind === 'instant'
                  ? startedAt
                  : Math.max(startedAt, instantOf(generated.to.at, scenario));
            return {
              customerId: `c${generated.customer}`,
              subscriptionId: `s${index}`,
              startedAt,
              endedAt,
              amountCents: 1000,
              interval: 'month',
            };
          });
          const { grid } = scenario;
          const table = subscriptionTableFromRecords(records);
          const series = subscriptionRetentionSeries(table, { grid });
          expect(series).toHaveLength(grid.count);
          series.forEach((period, index) => {
            const direct = subscriptionPeriodRetention(table, {
              start: grid.start(index),
              end: grid.end(index),
              label: grid.label(index),
            });
            expect(period).toEqual(direct);
            expectConsistent(period);
          });
          const reordered = subscriptionTableFromRecords(shuffled(records, seededRandom(parameters.seed)));
          expect(subscriptionRetentionSeries(reordered, { grid })).toEqual(series);
        },
      ),
    );
  });
});
