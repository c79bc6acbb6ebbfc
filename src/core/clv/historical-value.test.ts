import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type OrderRecord, orderTableFromRecords } from '../data/order-table.js';
import { InvalidInputError } from '../input-error.js';
import { historicalValue } from './historical-value.js';

const at = (iso: string) => Date.parse(iso);
const records: OrderRecord[] = [
  { customerId: 'a', orderedAt: '2024-01-01T00:00:00Z', amountCents: 10_000 },
  { customerId: 'b', orderedAt: '2024-01-02T00:00:00Z', amountCents: 5_000 },
  { customerId: 'a', orderedAt: '2024-01-03T00:00:00Z', amountCents: -2_000 },
  { customerId: 'c', orderedAt: '2024-01-04T00:00:00Z', amountCents: 3_000 },
  { customerId: 'c', orderedAt: '2024-01-05T00:00:00Z', amountCents: 4_000 },
  { customerId: 'd', orderedAt: '2024-01-06T00:00:00Z', amountCents: -1_000 },
];

describe('historicalValue', () => {
  it('sums net revenue per customer and summarises it (hand-worked)', () => {
    // a 10,000 − 2,000 = 8,000; b 5,000; c 3,000 + 4,000 = 7,000; d has only a refund: not counted.
    // total 20,000; mean 20,000 / 3; median of {5,000, 7,000, 8,000} = 7,000.
    const value = historicalValue(orderTableFromRecords(records));
    expect(Array.from(value.valueCents)).toEqual([8_000, 5_000, 7_000, -1_000]);
    expect(value).toMatchObject({
      customers: 3,
      totalCents: 20_000,
      meanCents: 20_000 / 3,
      medianCents: 7_000,
    });
  });

  it('applies the margin and the asOf cut-off (hand-worked)', () => {
    // Before 2024-01-04: a 10,000 − 2,000 = 8,000 and b 5,000; × 0.4 → 3,200 and 2,000.
    // total 5,200; mean 2,600; median of two values = (2,000 + 3,200) / 2 = 2,600.
    const value = historicalValue(orderTableFromRecords(records), {
      margin: 0.4,
      asOf: at('2024-01-04T00:00:00Z'),
    });
    expect(Array.from(value.valueCents)).toEqual([3_200, 2_000, 0, 0]);
    expect(value).toMatchObject({ customers: 2, totalCents: 5_200, meanCents: 2_600, medianCents: 2_600 });
  });

  it('returns null statistics when nobody has ordered yet', () => {
    const value = historicalValue(orderTableFromRecords(records), { asOf: at('2024-01-01T00:00:00Z') });
    expect(value).toMatchObject({ customers: 0, totalCents: 0, meanCents: null, medianCents: null });
  });

  it('rejects a margin outside [0, 1]', () => {
    expect(() => historicalValue(orderTableFromRecords(records), { margin: 30 })).toThrow(InvalidInputError);
  });

  it('does not depend on the order of the rows (property)', () => {
    const record = fc.record({
      customerId: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
      orderedAt: fc.integer({ min: 0, max: 1_000 }),
      amountCents: fc.integer({ min: -5_000, max: 20_000 }),
    });
    const logs = fc
      .array(record, { maxLength: 40 })
      .chain((rows) =>
        fc.tuple(
          fc.constant(rows),
          fc.shuffledSubarray(rows, { minLength: rows.length, maxLength: rows.length }),
        ),
      );
    fc.assert(
      fc.property(logs, ([rows, shuffled]) => {
        const expected = historicalValue(orderTableFromRecords(rows), { asOf: 800 });
        const actual = historicalValue(orderTableFromRecords(shuffled), { asOf: 800 });
        expect(actual.customers).toBe(expected.customers);
        expect(actual.totalCents).toBe(expected.totalCents);
        expect(actual.medianCents).toBe(expected.medianCents);
        // Customer indices follow first appearance, so compare values by customer id.
        const byId = (value: typeof expected, ids: readonly string[]) =>
          Object.fromEntries(ids.map((id, index) => [id, value.valueCents[index]]));
        expect(byId(actual, orderTableFromRecords(shuffled).customerIds)).toEqual(
          byId(expected, orderTableFromRecords(rows).customerIds),
        );
      }),
    );
  });
});
