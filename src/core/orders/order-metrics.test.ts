import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type OrderRecord, orderTableFromRecords } from '../data/order-table.js';
import { orderMetrics } from './order-metrics.js';

const at = (iso: string) => Date.parse(iso);

// Hand-made log used by the hand-worked examples below.
const records: OrderRecord[] = [
  { customerId: 'a', orderedAt: '2024-01-05T10:00:00Z', amountCents: 1000 },
  { customerId: 'a', orderedAt: '2024-01-20T10:00:00Z', amountCents: 3000 },
  { customerId: 'b', orderedAt: '2024-01-10T10:00:00Z', amountCents: 2000 },
  { customerId: 'b', orderedAt: '2024-01-12T10:00:00Z', amountCents: -500 },
  { customerId: 'c', orderedAt: '2024-02-01T00:00:00Z', amountCents: 4000 },
  { customerId: 'd', orderedAt: '2024-01-15T00:00:00Z', amountCents: -700 },
];

describe('orderMetrics', () => {
  it('computes every figure over the whole table (hand-worked)', () => {
    // orders: a 1000 + 3000, b 2000, c 4000 → 4 orders, gross 10,000; refunds: b −500, d −700 → 1,200.
    // customers with an order: a, b, c = 3 (d only has a refund: not a customer here).
    // AOV = 10,000 / 4 = 2,500; frequency = 4 / 3; repeat = 1 of 3 (a) = 33.33… %.
    expect(orderMetrics(orderTableFromRecords(records))).toEqual({
      customers: 3,
      orders: 4,
      refunds: 2,
      grossRevenueCents: 10_000,
      refundedCents: 1_200,
      netRevenueCents: 8_800,
      averageOrderValueCents: 2_500,
      purchaseFrequency: 4 / 3,
      repeatPurchaseRate: (1 / 3) * 100,
    });
  });

  it('keeps rows in [from, to) only', () => {
    // January: a 1000, a 3000, b 2000 (orders), b −500, d −700 (refunds); c's 2024-02-01 00:00 is the
    // excluded end. AOV = 6000 / 3 = 2000; frequency 3 / 2 = 1.5; repeat = a of {a, b} = 50 %.
    const january = orderMetrics(orderTableFromRecords(records), {
      from: at('2024-01-01T00:00:00Z'),
      to: at('2024-02-01T00:00:00Z'),
    });
    expect(january).toEqual({
      customers: 2,
      orders: 3,
      refunds: 2,
      grossRevenueCents: 6_000,
      refundedCents: 1_200,
      netRevenueCents: 4_800,
      averageOrderValueCents: 2_000,
      purchaseFrequency: 1.5,
      repeatPurchaseRate: 50,
    });
    // From 2024-01-20 10:00 (inclusive): a's second order and c → 2 customers, none repeating.
    const late = orderMetrics(orderTableFromRecords(records), { from: at('2024-01-20T10:00:00Z') });
    expect(late.orders).toBe(2);
    expect(late.customers).toBe(2);
    expect(late.repeatPurchaseRate).toBe(0);
  });

  it('reports null ratios rather than 0 or NaN when nothing was ordered', () => {
    const onlyRefund = orderMetrics(orderTableFromRecords(records), {
      from: at('2024-01-15T00:00:00Z'),
      to: at('2024-01-16T00:00:00Z'),
    });
    // Only d's −700 refund falls on 2024-01-15.
    expect(onlyRefund).toEqual({
      customers: 0,
      orders: 0,
      refunds: 1,
      grossRevenueCents: 0,
      refundedCents: 700,
      netRevenueCents: -700,
      averageOrderValueCents: null,
      purchaseFrequency: null,
      repeatPurchaseRate: null,
    });
  });

  it('counts a zero-amount order as an order', () => {
    const table = orderTableFromRecords([{ customerId: 'x', orderedAt: 0, amountCents: 0 }]);
    expect(orderMetrics(table)).toMatchObject({ customers: 1, orders: 1, averageOrderValueCents: 0 });
  });

  it('does not depend on the order of the rows (property)', () => {
    const record = fc.record({
      customerId: fc.constantFrom('a', 'b', 'c', 'd'),
      orderedAt: fc.integer({ min: 0, max: 1_000 }),
      amountCents: fc.integer({ min: -5_000, max: 5_000 }),
    });
    // A log and the same rows in another order.
    const logAndShuffle = fc
      .array(record, { maxLength: 40 })
      .chain((rows) =>
        fc.tuple(
          fc.constant(rows),
          fc.shuffledSubarray(rows, { minLength: rows.length, maxLength: rows.length }),
        ),
      );
    fc.assert(
      fc.property(logAndShuffle, ([rows, shuffled]) => {
        const options = { from: 100, to: 900 };
        expect(orderMetrics(orderTableFromRecords(shuffled), options)).toEqual(
          orderMetrics(orderTableFromRecords(rows), options),
        );
      }),
    );
  });
});
