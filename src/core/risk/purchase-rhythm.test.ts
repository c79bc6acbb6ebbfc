import { describe, expect, it } from 'vitest';
import { orderTableFromRecords } from '../data/order-table.js';
import { purchaseRhythm } from './purchase-rhythm.js';

describe('purchaseRhythm', () => {
  const orders = orderTableFromRecords([
    // a (newest first, as exports often are): Jan 31, Jan 11 twice (one purchase day), Jan 1.
    { customerId: 'a', orderedAt: '2024-01-31T10:00:00Z', amountCents: 1000 },
    { customerId: 'a', orderedAt: '2024-01-11T18:00:00Z', amountCents: 500 },
    { customerId: 'a', orderedAt: '2024-01-11T09:00:00Z', amountCents: 500 },
    { customerId: 'a', orderedAt: '2024-01-01T08:00:00Z', amountCents: 1000 },
    // b: one order only.
    { customerId: 'b', orderedAt: '2024-02-03T12:00:00Z', amountCents: 700 },
    // c: a refund only (not an order, not activity).
    { customerId: 'c', orderedAt: '2024-01-05T12:00:00Z', amountCents: -700 },
    // d: Jan 20, then an order on asOf itself and one after: both ignored (strictly before asOf).
    { customerId: 'd', orderedAt: '2024-01-20T12:00:00Z', amountCents: 100 },
    { customerId: 'd', orderedAt: '2024-02-10T00:00:00Z', amountCents: 100 },
    { customerId: 'd', orderedAt: '2024-03-01T12:00:00Z', amountCents: 100 },
    // e: gaps 1, 2, 10 (Jan 1, 2, 4, 14) → odd count, median 2; a refund in between is skipped.
    { customerId: 'e', orderedAt: '2024-01-01T12:00:00Z', amountCents: 100 },
    { customerId: 'e', orderedAt: '2024-01-02T12:00:00Z', amountCents: 100 },
    { customerId: 'e', orderedAt: '2024-01-03T12:00:00Z', amountCents: -100 },
    { customerId: 'e', orderedAt: '2024-01-04T12:00:00Z', amountCents: 100 },
    { customerId: 'e', orderedAt: '2024-01-14T12:00:00Z', amountCents: 100 },
  ]);
  const asOf = Date.parse('2024-02-10T00:00:00Z');

  it('computes days since the last order and the median gap between distinct purchase days (hand-worked)', () => {
    const rhythm = purchaseRhythm(orders, { asOf });
    expect(rhythm.customerIds).toEqual(['a', 'b', 'c', 'd', 'e']);
    // a: last Jan 31 → Feb 10 = 10 days; days Jan 1, 11, 31 → gaps 10, 20 → median 15.
    // b: Feb 3 → 7 days, no gap. c: nothing. d: Jan 20 → 21 days. e: Jan 14 → 27 days, gaps 1, 2, 10 → 2.
    expect([...rhythm.daysSinceLastOrder]).toEqual([10, 7, Number.NaN, 21, 27]);
    expect([...rhythm.typicalGapDays]).toEqual([15, Number.NaN, Number.NaN, Number.NaN, 2]);
    expect([...rhythm.purchaseDays]).toEqual([3, 1, 0, 1, 4]);
  });

  it('counts local calendar days in the workspace zone', () => {
    // 2024-01-31T23:30Z is Feb 1, 00:30 in Paris (UTC+1); asOf = Feb 10 00:00 Paris = Feb 9 23:00Z.
    const paris = orderTableFromRecords([
      { customerId: 'p', orderedAt: '2024-01-30T12:00:00Z', amountCents: 100 },
      { customerId: 'p', orderedAt: '2024-01-31T23:30:00Z', amountCents: 100 },
    ]);
    const parisAsOf = Date.parse('2024-02-09T23:00:00Z');
    const local = purchaseRhythm(paris, { asOf: parisAsOf, timeZone: 'Europe/Paris' });
    // Paris dates Jan 30 and Feb 1 → gap 2; Feb 1 → Feb 10 = 9 days.
    expect(local.typicalGapDays[0]).toBe(2);
    expect(local.daysSinceLastOrder[0]).toBe(9);
    // In UTC: Jan 30 and Jan 31 → gap 1; Jan 31 → Feb 9 = 9 days.
    const utc = purchaseRhythm(paris, { asOf: parisAsOf });
    expect(utc.typicalGapDays[0]).toBe(1);
    expect(utc.daysSinceLastOrder[0]).toBe(9);
  });
});
