import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type OrderRecord, orderTableFromRecords } from '../data/order-table.js';
import { InvalidInputError } from '../input-error.js';
import { summarize, summarizeColumns } from './summarize.js';

const utc = (iso: string) => Date.parse(`${iso}Z`);
const order = (customerId: string, iso: string, amountCents: number): OrderRecord => ({
  customerId,
  orderedAt: utc(iso),
  amountCents,
});

// America/New_York moves to summer time on 2024-03-10 (02:00 EST → 03:00 EDT; UTC−5 → UTC−4).
// Local times in the comments; the instants are written in UTC.
const log: OrderRecord[] = [
  order('p', '2024-03-10T04:30:00', 1_000), // Mar 9 23:30 EST
  order('p', '2024-03-10T05:30:00', 2_000), // Mar 10 00:30 EST
  order('p', '2024-03-11T03:30:00', 500), // Mar 10 23:30 EDT
  order('p', '2024-03-12T13:00:00', 4_000), // Mar 12 09:00 EDT
  order('p', '2024-03-12T14:00:00', -500), // Mar 12 10:00 EDT, a refund: not a purchase
  order('p', '2024-03-13T00:00:00', 1_000), // Mar 12 20:00 EDT
  order('p', '2024-03-13T05:00:00', 700), // Mar 13 01:00 EDT
  order('p', '2024-03-14T02:00:00', 300), // Mar 13 22:00 EDT
  order('p', '2024-03-21T14:00:00', 999), // Mar 21 10:00 EDT: after the observation end
  order('q', '2024-03-13T16:00:00', 100), // first order after the calibration end: left out
  order('r', '2024-03-01T17:00:00', 2_500), // Mar 1 12:00 EST
];
const calibrationEnd = utc('2024-03-12T16:00:00'); // Mar 12 12:00 EDT: Mar 12 is the last day
const observationEnd = utc('2024-03-20T16:00:00'); // Mar 20 12:00 EDT

describe('summarize', () => {
  it('uses local days of the zone across a DST change (hand-worked, New York)', () => {
    // p's local purchase days: Mar 9, 10, 10, 12, 12 → 3 distinct, x = 2; t_x = 12 − 9 = 3; T = 3.
    // Repeat days' totals: Mar 10 = 2000 + 500 = 2500, Mar 12 = 4000 + 1000 = 5000 → mean 3750.
    // Holdout (Mar 12, Mar 20]: Mar 13 (twice) → 1 day. r: one order Mar 1 → x 0, T = 11.
    expect(
      summarize(orderTableFromRecords(log), {
        calibrationEnd,
        observationEnd,
        timeUnit: 'day',
        timeZone: 'America/New_York',
      }),
    ).toEqual([
      { id: 'p', frequency: 2, recency: 3, T: 3, monetary: 3_750, holdoutFrequency: 1 },
      { id: 'r', frequency: 0, recency: 0, T: 11, monetary: 0, holdoutFrequency: 0 },
    ]);
  });

  it('gives other days in UTC (hand-worked)', () => {
    // UTC days of p: Mar 10, 10, 11, 12 (calibration) → x = 2, t_x = 2, T = 2;
    // repeat totals Mar 11 = 500, Mar 12 = 4000 → mean 2250. Holdout: Mar 13, 13, 14 → 2 days.
    expect(
      summarize(orderTableFromRecords(log), { calibrationEnd, observationEnd, timeUnit: 'day' }),
    ).toEqual([
      { id: 'p', frequency: 2, recency: 2, T: 2, monetary: 2_250, holdoutFrequency: 2 },
      { id: 'r', frequency: 0, recency: 0, T: 11, monetary: 0, holdoutFrequency: 0 },
    ]);
  });

  it('divides days by 7 for weeks and omits the holdout without an observation end', () => {
    const [p, r] = summarize(orderTableFromRecords(log), {
      calibrationEnd,
      timeUnit: 'week',
      timeZone: 'America/New_York',
    });
    expect(p).toEqual({ id: 'p', frequency: 2, recency: 3 / 7, T: 3 / 7, monetary: 3_750 });
    expect(r).toEqual({ id: 'r', frequency: 0, recency: 0, T: 11 / 7, monetary: 0 });
  });

  it('returns the same numbers as columns', () => {
    const columns = summarizeColumns(orderTableFromRecords(log), { calibrationEnd, timeUnit: 'day' });
    expect(columns.ids).toEqual(['p', 'r']);
    expect(Array.from(columns.frequency)).toEqual([2, 0]);
    expect(Array.from(columns.T)).toEqual([2, 11]);
    expect(columns.holdoutFrequency).toBeUndefined();
  });

  it('rejects an observation end before the calibration end', () => {
    expect(() =>
      summarizeColumns(orderTableFromRecords(log), {
        calibrationEnd,
        observationEnd: utc('2024-03-01T00:00:00'),
        timeUnit: 'day',
      }),
    ).toThrow(InvalidInputError);
  });

  it('satisfies 0 ≤ t_x ≤ T and x ≤ t_x in days, whatever the row order (property)', () => {
    const record = fc.record({
      customerId: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
      orderedAt: fc.integer({ min: 0, max: 60 * 86_400_000 }),
      amountCents: fc.integer({ min: -1_000, max: 10_000 }),
    });
    const logs = fc
      .array(record, { maxLength: 50 })
      .chain((rows) =>
        fc.tuple(
          fc.constant(rows),
          fc.shuffledSubarray(rows, { minLength: rows.length, maxLength: rows.length }),
        ),
      );
    const options = {
      calibrationEnd: 40 * 86_400_000,
      observationEnd: 50 * 86_400_000,
      timeUnit: 'day',
      timeZone: 'Australia/Sydney',
    } as const;
    fc.assert(
      fc.property(logs, ([rows, shuffled]) => {
        const summaries = summarize(orderTableFromRecords(rows), options);
        for (const summary of summaries) {
          expect(summary.recency).toBeGreaterThanOrEqual(0);
          expect(summary.recency).toBeLessThanOrEqual(summary.T);
          // x repeat days fit in t_x days after the first.
          expect(summary.frequency).toBeLessThanOrEqual(summary.recency);
          if (summary.frequency === 0) expect(summary.monetary).toBe(0);
        }
        const sortById = (list: typeof summaries) => [...list].sort((a, b) => a.id.localeCompare(b.id));
        expect(sortById(summarize(orderTableFromRecords(shuffled), options))).toEqual(sortById(summaries));
      }),
    );
  });
});
