/**
 * The report assembled from separately computed parts is the report computed in one go: the parts
 * must not depend on one another, nor on anything a structured clone (a post to another thread)
 * loses. Expected values come from `analyzeOrders` itself, whose numbers the metric tests pin.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type OrderRecord, orderTableFromRecords } from '../data/order-table.js';
import type { Granularity } from '../time/periods.js';
import {
  analyzeOrders,
  assembleOrderReport,
  ORDER_REPORT_PARTS,
  type OrderReportPart,
  type OrderReportParts,
  orderReportParts,
  type ReportOptions,
} from './retention-report.js';

const DATA_FROM = Date.parse('2023-01-01T00:00:00Z');
const HOURS = 24 * 500;

const orderArbitrary: fc.Arbitrary<OrderRecord> = fc.record({
  customerId: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'),
  orderedAt: fc.integer({ min: 0, max: HOURS }).map((hours) => DATA_FROM + hours * 3_600_000),
  amountCents: fc.integer({ min: -500, max: 9_000 }),
  attributes: fc.record({ country: fc.constantFrom('FR', 'DE', 'US', '') }),
});

const optionsArbitrary: fc.Arbitrary<ReportOptions> = fc.record(
  {
    period: fc.constantFrom<Granularity>('week', 'month', 'quarter'),
    timeZone: fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York'),
    windowDays: fc.integer({ min: 1, max: 120 }),
    by: fc.constant('country'),
    margin: fc.double({ min: 0.1, max: 1, noNaN: true }),
  },
  { requiredKeys: [] },
);

/** Splits the parts between two "threads" by a bit mask, each part structured-cloned. */
function partsSplit(mask: number): [OrderReportPart[], OrderReportPart[]] {
  const here = ORDER_REPORT_PARTS.filter((_, index) => (mask >> index) & 1);
  const there = ORDER_REPORT_PARTS.filter((_, index) => !((mask >> index) & 1));
  return [here, there];
}

describe('orderReportParts + assembleOrderReport', () => {
  it('equal analyzeOrders however the parts are split and cloned', () => {
    fc.assert(
      fc.property(
        fc.array(orderArbitrary, { minLength: 1, maxLength: 60 }),
        optionsArbitrary,
        fc.integer({ min: 0, max: 2 ** ORDER_REPORT_PARTS.length - 1 }),
        (records, options, mask) => {
          fc.pre(records.some((record) => record.amountCents >= 0));
          const table = orderTableFromRecords(records);
          const [here, there] = partsSplit(mask);
          const parts: OrderReportParts = {
            ...orderReportParts(table, options, here),
            ...structuredClone(orderReportParts(table, options, there)),
          };
          expect(assembleOrderReport(table, options, parts)).toEqual(analyzeOrders(table, options));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('computes only the parts asked for', () => {
    const table = orderTableFromRecords([
      { customerId: 'a', orderedAt: '2024-01-05T10:00:00Z', amountCents: 1_000 },
      { customerId: 'a', orderedAt: '2024-03-05T10:00:00Z', amountCents: 2_000 },
    ]);
    expect(Object.keys(orderReportParts(table, {}, ['rfm', 'orders'])).sort()).toEqual(['orders', 'rfm']);
  });

  it('names the missing parts instead of assembling half a report', () => {
    const table = orderTableFromRecords([
      { customerId: 'a', orderedAt: '2024-01-05T10:00:00Z', amountCents: 1_000 },
    ]);
    const parts = orderReportParts(table, {}, ['retention', 'cohorts', 'orders']);
    expect(() => assembleOrderReport(table, {}, parts)).toThrow(/missing its rfm, clv part/);
  });
});
