/**
 * The report assembled from separately computed parts is the report computed in one go: the parts
 * must not depend on one another, nor on anything a structured clone (a post to another thread)
 * loses. Expected values come from `analyzeOrders` itself, whose numbers the metric tests pin.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type OrderRecord, orderTableFromRecords } from '../data/order-table.js';
import { subscriptionTableFromRecords } from '../data/subscription-table.js';
import type { Granularity } from '../time/periods.js';
import {
  analyzeOrders,
  assembleOrderReport,
  ORDER_REPORT_PARTS,
  type OrderReportPart,
  type OrderReportParts,
  orderCohortCellCustomers,
  orderReportParts,
  type ReportOptions,
  subscriptionCohortCellCustomers,
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

describe("the report's cohort options and cell customers", () => {
  const kindArbitrary = fc.record({
    cohortKind: fc.constantFrom('first-time' as const, 'recurring' as const),
    cohortMeasure: fc.constantFrom('classic' as const, 'rolling' as const),
  });

  it('every complete cell of the report (overall and by country, any kind and measure) lists as many customers as it counts', () => {
    fc.assert(
      fc.property(
        fc.array(orderArbitrary, { minLength: 1, maxLength: 40 }),
        optionsArbitrary,
        kindArbitrary,
        (records, options, kinds) => {
          fc.pre(records.some((record) => record.amountCents >= 0));
          const table = orderTableFromRecords(records);
          // Months and quarters: a weekly grid's thousands of cells, one call each, take minutes.
          const period = options.period === 'week' ? 'month' : options.period;
          const reportOptions = { ...options, ...kinds, ...(period ? { period } : {}) };
          const cohorts = analyzeOrders(table, reportOptions).cohorts;
          expect([cohorts.kind, cohorts.measure]).toEqual([kinds.cohortKind, kinds.cohortMeasure]);
          const matrices = [
            { value: undefined, rows: cohorts.rows },
            ...(cohorts.breakdown ?? []).map((part) => ({ value: part.value, rows: part.rows })),
          ];
          const mismatches: string[] = [];
          for (const { value, rows } of matrices) {
            for (const row of rows) {
              row.counts.forEach((count, age) => {
                if (count === null) return;
                const cell = { cohort: row.cohort, age, ...(value === undefined ? {} : { value }) };
                const customers = orderCohortCellCustomers(table, reportOptions, cell);
                if (customers.length !== count) mismatches.push(`${value} ${row.cohort}+${age}`);
              });
            }
          }
          expect(mismatches).toEqual([]);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('names an unknown cohort, an incomplete cell and a value without by', () => {
    const table = orderTableFromRecords([
      { customerId: 'a', orderedAt: '2024-01-05T10:00:00Z', amountCents: 1_000 },
      { customerId: 'a', orderedAt: '2024-03-05T10:00:00Z', amountCents: 2_000 },
    ]);
    // The data ends on 5 March: January and February are complete, March is not.
    expect(orderCohortCellCustomers(table, {}, { cohort: '2024-01', age: 0 })).toEqual(['a']);
    expect(() => orderCohortCellCustomers(table, {}, { cohort: '2023-12', age: 0 })).toThrow(
      /Unknown cohort "2023-12": the matrix's cohorts are 2024-01 … 2024-03/,
    );
    expect(() => orderCohortCellCustomers(table, {}, { cohort: '2024-01', age: 2 })).toThrow(/not complete/);
    expect(() => orderCohortCellCustomers(table, {}, { cohort: '2024-01', age: 0, value: 'FR' })).toThrow(
      /needs the attribute/,
    );
  });

  it('subscription cells too', () => {
    const table = subscriptionTableFromRecords([
      {
        customerId: 'a',
        subscriptionId: 's1',
        startedAt: '2024-01-10T00:00:00Z',
        amountCents: 1_000,
        interval: 'month',
      },
      {
        customerId: 'b',
        subscriptionId: 's2',
        startedAt: '2024-01-20T00:00:00Z',
        endedAt: '2024-02-20T00:00:00Z',
        amountCents: 1_000,
        interval: 'month',
      },
      {
        customerId: 'c',
        subscriptionId: 's3',
        startedAt: '2024-04-02T00:00:00Z',
        amountCents: 1_000,
        interval: 'month',
      },
    ]);
    // January's cohort {a, b}: both active in February (b until the 20th), only a in March.
    expect(subscriptionCohortCellCustomers(table, {}, { cohort: '2024-01', age: 1 })).toEqual(['a', 'b']);
    expect(subscriptionCohortCellCustomers(table, {}, { cohort: '2024-01', age: 2 })).toEqual(['a']);
  });
});
