/**
 * The first-time fast path pinned to the general engine: on random tables in time order (either
 * direction, refunds included, refunds before a customer's first order in the same period often),
 * both must give the same matrix, cell for cell.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type OrderRecord, orderTableFromRecords } from '../data/order-table.js';
import { type Granularity, PeriodGrid, type WeekStart } from '../time/periods.js';
import { type CohortMeasure, resolveCohortOptions } from './cohort-matrix.js';
import { firstTimeOrderCohorts } from './first-time-fast-path.js';
import { orderCohorts, orderCohortsWithEngine } from './order-cohorts.js';

const HOUR = 3_600_000;
const DATA_FROM = Date.parse('2023-11-01T00:00:00Z');
const DATA_TO = Date.parse('2024-08-01T00:00:00Z');

const settingArbitrary = fc.record({
  granularity: fc.constantFrom<Granularity>('day', 'week', 'month', 'quarter', 'year'),
  timeZone: fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata'),
  weekStartsOn: fc.constantFrom<WeekStart>('monday', 'sunday'),
  gridFrom: fc.constantFrom(Date.parse('2024-01-01T00:00:00Z'), Date.parse('2024-02-15T00:00:00Z')),
  gridDays: fc.integer({ min: 1, max: 200 }),
  dataEnd: fc.integer({ min: Date.parse('2023-12-15T00:00:00Z'), max: Date.parse('2024-08-15T00:00:00Z') }),
  measure: fc.constantFrom<CohortMeasure>('classic', 'rolling'),
  descending: fc.boolean(),
});

// Whole hours, so that ties and period boundaries are hit often; a few customers, so that refunds
// before a customer's first order (and in the same period) are frequent.
const orderArbitrary: fc.Arbitrary<OrderRecord> = fc.record({
  customerId: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'),
  orderedAt: fc
    .integer({ min: 0, max: Math.floor((DATA_TO - DATA_FROM) / HOUR) })
    .map((hours) => DATA_FROM + hours * HOUR),
  amountCents: fc.oneof(fc.integer({ min: -3000, max: -1 }), fc.integer({ min: 0, max: 3000 })),
});

describe('firstTimeOrderCohorts', () => {
  it('equals the general engine on tables in time order (ascending or descending)', () => {
    fc.assert(
      fc.property(settingArbitrary, fc.array(orderArbitrary, { maxLength: 60 }), (setting, records) => {
        const sorted = [...records].sort((left, right) =>
          setting.descending
            ? Number(right.orderedAt) - Number(left.orderedAt)
            : Number(left.orderedAt) - Number(right.orderedAt),
        );
        const orders = orderTableFromRecords(sorted);
        const grid = PeriodGrid.covering(
          setting.gridFrom,
          setting.gridFrom + setting.gridDays * 24 * HOUR,
          setting.granularity,
          { timeZone: setting.timeZone, weekStartsOn: setting.weekStartsOn },
        );
        const options = {
          grid,
          dataEnd: setting.dataEnd,
          kind: 'first-time' as const,
          measure: setting.measure,
        };
        const fast = firstTimeOrderCohorts(orders, resolveCohortOptions(options));
        // Every table in time order takes the fast path (a constant one reads as ascending).
        expect(fast).not.toBeNull();
        const engine = orderCohortsWithEngine(orders, options);
        expect(fast).toEqual(engine);
        expect(orderCohorts(orders, options)).toEqual(engine);
      }),
      { numRuns: 400 },
    );
  });

  it('declines tables not in time order, and orderCohorts then uses the engine', () => {
    // Rows Feb, Jan, Mar: neither ascending nor descending.
    const orders = orderTableFromRecords([
      { customerId: 'a', orderedAt: '2024-02-10T00:00:00Z', amountCents: 100 },
      { customerId: 'b', orderedAt: '2024-01-10T00:00:00Z', amountCents: 200 },
      { customerId: 'a', orderedAt: '2024-03-10T00:00:00Z', amountCents: 300 },
    ]);
    const grid = PeriodGrid.covering(
      Date.parse('2024-01-01T00:00:00Z'),
      Date.parse('2024-04-01T00:00:00Z'),
      'month',
    );
    const options = { grid, dataEnd: Date.parse('2024-04-01T00:00:00Z') };
    expect(firstTimeOrderCohorts(orders, resolveCohortOptions(options))).toBeNull();
    // Jan cohort {b}: active in Jan only → counts [1, 0, 0]; Feb cohort {a}: Feb and Mar → [1, 1].
    const matrix = orderCohorts(orders, options);
    expect(matrix.rows[0]?.counts).toEqual([1, 0, 0]);
    expect(matrix.rows[1]?.counts).toEqual([1, 1]);
    expect(matrix.rows[1]?.revenueCents).toEqual([100, 300]);
  });
});
