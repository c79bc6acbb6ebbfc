import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type OrderRecord, orderTableFromRecords } from '../data/order-table.js';
import { InvalidInputError } from '../input-error.js';
import { RFM_SEGMENT_NAMES, RFM_SEGMENT_TABLE, rfm, rfmSegment } from './rfm.js';

const utc = (iso: string) => Date.parse(`${iso}Z`);
const order = (customerId: string, iso: string, amountCents: number): OrderRecord => ({
  customerId,
  orderedAt: utc(iso),
  amountCents,
});

// Hand-worked log, analysed as of 2024-02-01 00:00 UTC.
const log: OrderRecord[] = [
  order('a', '2024-01-31T09:00:00', 1_000),
  order('a', '2024-01-30T09:00:00', 2_000),
  order('a', '2024-01-20T09:00:00', 3_000),
  order('a', '2024-02-01T00:00:00', 9_999), // at asOf: excluded (orders strictly before)
  order('b', '2024-01-31T23:59:59', 500),
  order('c', '2024-01-01T12:00:00', 10_000),
  order('c', '2024-01-10T12:00:00', -2_000), // refund: lowers monetary, not an order
  order('d', '2024-01-15T08:00:00', 700),
  order('d', '2024-01-25T08:00:00', 700),
  order('e', '2023-12-01T10:00:00', 300),
  order('e', '2023-12-02T10:00:00', 300),
  order('e', '2023-12-03T10:00:00', 300),
  order('e', '2023-12-04T10:00:00', 300),
  order('f', '2024-02-02T10:00:00', 800), // after asOf: not scored
  order('g', '2024-01-05T10:00:00', -400), // refund only: not scored
];

describe('RFM segment table', () => {
  it('is the table of metrics.md §6', () => {
    expect(RFM_SEGMENT_TABLE.map((row) => row.r)).toEqual([5, 4, 3, 2, 1]);
    expect(RFM_SEGMENT_NAMES[rfmSegment(5, 5)]).toBe('Champions');
    expect(RFM_SEGMENT_NAMES[rfmSegment(5, 1)]).toBe('New customers');
    expect(RFM_SEGMENT_NAMES[rfmSegment(4, 1)]).toBe('Promising');
    expect(RFM_SEGMENT_NAMES[rfmSegment(3, 3)]).toBe('Need attention');
    expect(RFM_SEGMENT_NAMES[rfmSegment(3, 2)]).toBe('About to sleep');
    expect(RFM_SEGMENT_NAMES[rfmSegment(2, 5)]).toBe("Can't lose them");
    expect(RFM_SEGMENT_NAMES[rfmSegment(1, 4)]).toBe('At risk');
    expect(RFM_SEGMENT_NAMES[rfmSegment(1, 2)]).toBe('Hibernating');
    expect(RFM_SEGMENT_NAMES[rfmSegment(4, 4)]).toBe('Loyal customers');
    expect(RFM_SEGMENT_NAMES[rfmSegment(5, 3)]).toBe('Potential loyalists');
    expect(() => rfmSegment(0, 3)).toThrow(InvalidInputError);
    expect(() => rfmSegment(3, 6)).toThrow(InvalidInputError);
  });

  it('uses every one of the ten names', () => {
    const used = new Set(RFM_SEGMENT_TABLE.flatMap((row) => row.byFrequency));
    expect([...used].sort()).toEqual([...RFM_SEGMENT_NAMES].sort());
  });
});

describe('rfm', () => {
  it('computes values, scores and segments (hand-worked, n = 5)', () => {
    const result = rfm(orderTableFromRecords(log), { asOf: utc('2024-02-01T00:00:00') });
    // Scored customers a…e (indices 0…4); f ordered after asOf, g only refunded.
    expect(Array.from(result.customer)).toEqual([0, 1, 2, 3, 4]);
    // recency: a Jan 31 → 1; b Jan 31 → 1; c Jan 1 → 31; d Jan 25 → 7; e Dec 4 → 27 + 31 + 1 = 59.
    expect(Array.from(result.recencyDays)).toEqual([1, 1, 31, 7, 59]);
    expect(Array.from(result.frequency)).toEqual([3, 1, 1, 2, 4]);
    // monetary: a 6,000; b 500; c 10,000 − 2,000; d 1,400; e 1,200.
    expect(Array.from(result.monetaryCents)).toEqual([6_000, 500, 8_000, 1_400, 1_200]);
    // R: L = customers with more days: a 3 (c, d, e) → 1 + floor(15/5) = 4; b 3 → 4; c 1 (e) → 2;
    //    d 2 (c, e) → 3; e 0 → 1.
    expect(Array.from(result.r)).toEqual([4, 4, 2, 3, 1]);
    // F: L = customers with fewer orders: a 3 → 4; b 0 → 1; c 0 → 1; d 2 → 3; e 4 → 1 + floor(20/5) = 5.
    expect(Array.from(result.f)).toEqual([4, 1, 1, 3, 5]);
    // M: a 3 (b, d, e) → 4; b 0 → 1; c 4 → 5; d 2 (b, e) → 3; e 1 (b) → 2.
    expect(Array.from(result.m)).toEqual([4, 1, 5, 3, 2]);
    // (R, F): a (4, 4) Loyal; b (4, 1) Promising; c (2, 1) Hibernating; d (3, 3) Need attention;
    //         e (1, 5) Can't lose them.
    expect(Array.from(result.segment, (index) => RFM_SEGMENT_NAMES[index])).toEqual([
      'Loyal customers',
      'Promising',
      'Hibernating',
      'Need attention',
      "Can't lose them",
    ]);
    expect(result.segments.map((segment) => segment.name)).toEqual([...RFM_SEGMENT_NAMES]);
    expect(result.segments).toContainEqual({ name: 'Hibernating', customers: 1, revenueCents: 8_000 });
    expect(result.segments).toContainEqual({ name: 'Champions', customers: 0, revenueCents: 0 });
    expect(result.asOf).toBe(utc('2024-02-01T00:00:00'));
  });

  it('counts recency in local dates across a DST change', () => {
    // Europe/Paris leaves summer time on 2024-10-27 (a 25-hour day). An order on Sat 26 at 23:30
    // CEST (21:30Z) and asOf Mon 28 at 00:15 CET (27 23:15Z): 25 h 45 min elapsed, but the local
    // dates are 26 → 28, so 2 days. In UTC the dates are 26 → 27: 1 day.
    const table = orderTableFromRecords([order('x', '2024-10-26T21:30:00', 100)]);
    const asOf = utc('2024-10-27T23:15:00');
    expect(rfm(table, { asOf, timeZone: 'Europe/Paris' }).recencyDays[0]).toBe(2);
    expect(rfm(table, { asOf }).recencyDays[0]).toBe(1);
  });

  it('gives equal values equal scores', () => {
    // Three customers with identical histories and one better: nobody is worse than the three,
    // so they all score 1 + floor(5 × 0 / 4) = 1; the fourth has L = 3 → 1 + floor(15/4) = 4.
    const table = orderTableFromRecords([
      order('a', '2024-01-10T00:00:00', 100),
      order('b', '2024-01-10T00:00:00', 100),
      order('c', '2024-01-10T00:00:00', 100),
      order('d', '2024-01-10T00:00:00', 100),
      order('d', '2024-01-11T00:00:00', 100),
    ]);
    const result = rfm(table, { asOf: utc('2024-02-01T00:00:00') });
    expect(Array.from(result.f)).toEqual([1, 1, 1, 4]);
    expect(Array.from(result.m)).toEqual([1, 1, 1, 4]);
    // d's last order is one day more recent: L = 3 for d, 0 for the others.
    expect(Array.from(result.r)).toEqual([1, 1, 1, 4]);
  });

  const record = fc.record({
    customerId: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'),
    orderedAt: fc.integer({ min: 0, max: 200 * 86_400_000 }),
    amountCents: fc.integer({ min: -3_000, max: 10_000 }),
  });
  const logs = fc
    .array(record, { maxLength: 60 })
    .chain((rows) =>
      fc.tuple(
        fc.constant(rows),
        fc.shuffledSubarray(rows, { minLength: rows.length, maxLength: rows.length }),
      ),
    );
  const asOf = 150 * 86_400_000;

  it('gives each score by the literal definition 1 + floor(5 × L(v) / n) (property)', () => {
    // L(v) counted directly, O(n²): the reference the sort-and-thresholds implementation must equal.
    const literal = (values: ArrayLike<number>, worse: (other: number, value: number) => boolean) =>
      Array.from(values, (value) => {
        let below = 0;
        for (let j = 0; j < values.length; j++) if (worse(values[j]!, value)) below++;
        return 1 + Math.floor((5 * below) / values.length);
      });
    fc.assert(
      fc.property(logs, ([rows]) => {
        const result = rfm(orderTableFromRecords(rows), { asOf, timeZone: 'UTC' });
        expect(Array.from(result.r)).toEqual(literal(result.recencyDays, (other, value) => other > value));
        expect(Array.from(result.f)).toEqual(literal(result.frequency, (other, value) => other < value));
        expect(Array.from(result.m)).toEqual(literal(result.monetaryCents, (other, value) => other < value));
      }),
      { numRuns: 300 },
    );
  });

  it('scores in 1–5, equal values alike and better values at least as high (property)', () => {
    fc.assert(
      fc.property(logs, ([rows]) => {
        const result = rfm(orderTableFromRecords(rows), { asOf, timeZone: 'America/New_York' });
        for (let i = 0; i < result.length; i++) {
          for (const score of [result.r[i]!, result.f[i]!, result.m[i]!]) {
            expect(score).toBeGreaterThanOrEqual(1);
            expect(score).toBeLessThanOrEqual(5);
          }
          for (let j = 0; j < result.length; j++) {
            if (result.recencyDays[i]! <= result.recencyDays[j]!)
              expect(result.r[i]!).toBeGreaterThanOrEqual(result.r[j]!);
            if (result.frequency[i]! >= result.frequency[j]!)
              expect(result.f[i]!).toBeGreaterThanOrEqual(result.f[j]!);
            if (result.monetaryCents[i]! >= result.monetaryCents[j]!)
              expect(result.m[i]!).toBeGreaterThanOrEqual(result.m[j]!);
          }
        }
        const counted = result.segments.reduce((sum, segment) => sum + segment.customers, 0);
        expect(counted).toBe(result.length);
      }),
    );
  });

  it('does not depend on the order of the rows (property)', () => {
    const byId = (rows: OrderRecord[]) => {
      const table = orderTableFromRecords(rows);
      const result = rfm(table, { asOf });
      return Object.fromEntries(
        Array.from(result.customer, (customer, i) => [
          table.customerIds[customer],
          [
            result.recencyDays[i],
            result.frequency[i],
            result.monetaryCents[i],
            result.r[i],
            result.f[i],
            result.m[i],
            result.segment[i],
          ],
        ]),
      );
    };
    fc.assert(
      fc.property(logs, ([rows, shuffled]) => {
        expect(byId(shuffled)).toEqual(byId(rows));
      }),
    );
  });
});
