import { describe, expect, it } from 'vitest';
import { type OrderRecord, orderTableFromRecords } from '../data/order-table.js';
import { type SubscriptionRecord, subscriptionTableFromRecords } from '../data/subscription-table.js';
import { InvalidInputError } from '../input-error.js';
import { instantFromLocal, PeriodGrid } from '../time/periods.js';
import { type PeriodRetention, periodRetention, subscriptionPeriodRetention } from './period-retention.js';
import { retentionSeries, subscriptionRetentionSeries } from './retention-series.js';

const utc = (iso: string) => Date.parse(`${iso}Z`);
const MARCH_START = utc('2024-03-01T00:00:00');
const APRIL_START = utc('2024-04-01T00:00:00');

/** `count` orders of 10.00 at `at`, one for each of the customers `prefix0 … prefix{count−1}`. */
function ordersFor(prefix: string, count: number, at: string, from = 0): OrderRecord[] {
  return Array.from({ length: count }, (_, index) => ({
    customerId: `${prefix}${from + index}`,
    orderedAt: utc(at),
    amountCents: 1000,
  }));
}

function order(customerId: string, at: number, amountCents = 1000): OrderRecord {
  return { customerId, orderedAt: at, amountCents };
}

function subscription(customerId: string, startedAt: number, endedAt: number | null): SubscriptionRecord {
  return {
    customerId,
    subscriptionId: `${customerId}-${startedAt}`,
    startedAt,
    endedAt,
    amountCents: 1000,
    interval: 'month',
  };
}

/** Every field of a PeriodRetention but start, end and label. */
function measures(result: PeriodRetention): Omit<PeriodRetention, 'start' | 'end' | 'label'> {
  const { start: _start, end: _end, label: _label, ...rest } = result;
  return rest;
}

describe('periodRetention: the worked examples of metrics.md §2 (window 365 days, March 2024 UTC)', () => {
  // Start window: [2023-03-02, 2024-03-01); end window: [2023-04-02, 2024-04-01).
  // An order on 2023-03-15 is in the first only: active at start, not at end unless they reorder.

  it('S = 100, E = 80, N = 0 → 80 %', () => {
    const orders = orderTableFromRecords([
      ...ordersFor('c', 100, '2023-03-15T10:00:00'),
      // 80 of them order again in March: active at end.
      ...ordersFor('c', 80, '2024-03-10T10:00:00'),
    ]);
    const result = periodRetention(orders, { start: MARCH_START, end: APRIL_START, label: '2024-03' });
    expect(result.start).toBe(MARCH_START);
    expect(result.end).toBe(APRIL_START);
    expect(result.label).toBe('2024-03');
    // CRR = (80 − 0) / 100 × 100 = 80; retained 80 of 100, churned 20: 80 % and 20 %.
    expect(measures(result)).toEqual({
      S: 100,
      E: 80,
      N: 0,
      crr: 80,
      retained: 80,
      churned: 20,
      reactivated: 0,
      newActiveAtEnd: 0,
      retentionRate: 80,
      churnRate: 20,
    });
  });

  it('S = 100, E = 110, N = 20 → 90 % (with 5 reactivated: exact retention 85 %)', () => {
    const orders = orderTableFromRecords([
      ...ordersFor('c', 100, '2023-03-15T10:00:00'),
      ...ordersFor('c', 85, '2024-03-10T10:00:00'), // 85 retained, 15 churned
      ...ordersFor('lapsed', 5, '2022-06-01T10:00:00'), // outside both windows…
      ...ordersFor('lapsed', 5, '2024-03-20T10:00:00'), // …back in March: reactivated
      ...ordersFor('new', 20, '2024-03-05T10:00:00'), // first orders in March
    ]);
    const result = periodRetention(orders, { start: MARCH_START, end: APRIL_START });
    expect(result.label).toBe('');
    // E = 85 + 5 + 20 = 110; CRR = (110 − 20) / 100 × 100 = 90; exact = 85 / 100 = 85 %.
    expect(measures(result)).toEqual({
      S: 100,
      E: 110,
      N: 20,
      crr: 90,
      retained: 85,
      churned: 15,
      reactivated: 5,
      newActiveAtEnd: 20,
      retentionRate: 85,
      churnRate: 15,
    });
  });

  it('S = 0 → crr, retentionRate and churnRate are null (metrics.md §2), never 0 or NaN', () => {
    const orders = orderTableFromRecords([order('n', utc('2024-03-05T10:00:00'))]);
    const result = periodRetention(orders, { start: MARCH_START, end: APRIL_START });
    expect(measures(result)).toEqual({
      S: 0,
      E: 1,
      N: 1,
      crr: null,
      retained: 0,
      churned: 0,
      reactivated: 0,
      newActiveAtEnd: 1,
      retentionRate: null,
      churnRate: null,
    });
    const empty = periodRetention(orderTableFromRecords([]), { start: MARCH_START, end: APRIL_START });
    expect([empty.S, empty.E, empty.N, empty.crr, empty.retentionRate, empty.churnRate]).toEqual([
      0,
      0,
      0,
      null,
      null,
      null,
    ]);
  });
});

describe('periodRetention: what CRR counts and what the decomposition shows', () => {
  it('counts a lapsed customer who returns in E: CRR above 100 % while exact retention is 100 %', () => {
    const orders = orderTableFromRecords([
      order('regular', utc('2023-12-01T10:00:00')), // active at both ends (365-day window)
      order('lapsed', utc('2022-01-10T10:00:00')), // more than 365 days before 2024-03-01
      order('lapsed', utc('2024-03-20T10:00:00')),
    ]);
    const result = periodRetention(orders, { start: MARCH_START, end: APRIL_START });
    // S = {regular}, E = {regular, lapsed}, N = 0: CRR = (2 − 0) / 1 × 100 = 200.
    expect(result.crr).toBe(200);
    expect([result.retained, result.reactivated, result.newActiveAtEnd]).toEqual([1, 1, 0]);
    expect(result.retentionRate).toBe(100);
  });

  it('counts a new customer who left within the period as a loss (window shorter than the period)', () => {
    const orders = orderTableFromRecords([
      // 7-day windows: at 03-01 it is [02-23, 03-01), at 04-01 it is [03-25, 04-01).
      order('loyal', utc('2024-02-27T10:00:00')),
      order('loyal', utc('2024-03-28T10:00:00')),
      order('passing', utc('2024-03-03T10:00:00')), // new, gone again by 04-01
    ]);
    const result = periodRetention(orders, { start: MARCH_START, end: APRIL_START, windowDays: 7 });
    // S = {loyal}, E = {loyal}, N = {passing}: CRR = (1 − 1) / 1 × 100 = 0, exact = 1 / 1 = 100 %.
    expect(measures(result)).toEqual({
      S: 1,
      E: 1,
      N: 1,
      crr: 0,
      retained: 1,
      churned: 0,
      reactivated: 0,
      newActiveAtEnd: 0,
      retentionRate: 100,
      churnRate: 0,
    });
  });

  it('ignores refunds: never activity, never acquisition', () => {
    const orders = orderTableFromRecords([
      order('refund-only', utc('2024-02-20T10:00:00'), -500), // would be active at start if it counted
      order('refund-first', utc('2023-06-01T10:00:00'), -500), // would make them an old customer
      order('refund-first', utc('2024-03-10T10:00:00')), // their first order: new in March
      order('leaving', utc('2023-03-20T10:00:00')), // in the start window only
      order('leaving', utc('2024-03-15T10:00:00'), -1000), // a refund in March is not activity
    ]);
    const result = periodRetention(orders, { start: MARCH_START, end: APRIL_START });
    // S = {leaving}, E = {refund-first}, N = {refund-first}: CRR = (1 − 1) / 1 × 100 = 0.
    expect(measures(result)).toEqual({
      S: 1,
      E: 1,
      N: 1,
      crr: 0,
      retained: 0,
      churned: 1,
      reactivated: 0,
      newActiveAtEnd: 1,
      retentionRate: 0,
      churnRate: 100,
    });
  });

  it('uses half-open windows: an order exactly at the end instant is not activity at the end', () => {
    const orders = orderTableFromRecords([
      order('a', utc('2024-02-25T00:00:00')), // 7-day start window [02-23, 03-01): in
      order('a', APRIL_START), // [03-25, 04-01) excludes 04-01 itself
      order('b', utc('2024-02-23T00:00:00')), // exactly the start window's first instant: in
    ]);
    const result = periodRetention(orders, { start: MARCH_START, end: APRIL_START, windowDays: 7 });
    // S = {a, b}; E = ∅; N = ∅ (a's first order is in February): CRR = 0, churned 2.
    expect([result.S, result.E, result.N, result.churned, result.crr]).toEqual([2, 0, 0, 2, 0]);
  });

  it('rejects an empty period, a non-integer window and an unknown zone', () => {
    const orders = orderTableFromRecords([]);
    expect(() => periodRetention(orders, { start: APRIL_START, end: MARCH_START })).toThrow(
      InvalidInputError,
    );
    expect(() => periodRetention(orders, { start: MARCH_START, end: APRIL_START, windowDays: 0 })).toThrow(
      InvalidInputError,
    );
    expect(() => periodRetention(orders, { start: MARCH_START, end: APRIL_START, windowDays: 1.5 })).toThrow(
      InvalidInputError,
    );
    expect(() =>
      periodRetention(orders, { start: MARCH_START, end: APRIL_START, timeZone: 'Mars/Base' }),
    ).toThrow(/Mars\/Base/);
  });
});

describe('periodRetention across DST (local calendar periods and windows)', () => {
  const newYork = 'America/New_York';
  // March 2024 in New York: 03-01 00:00 EST (UTC−5) to 04-01 00:00 EDT (UTC−4); DST began 03-10.
  const nyMarchStart = instantFromLocal({ year: 2024, month: 3, day: 1 }, newYork);
  const nyAprilStart = instantFromLocal({ year: 2024, month: 4, day: 1 }, newYork);

  it('counts an order at 23:30 local on the last day of the month in that month', () => {
    expect(nyMarchStart).toBe(utc('2024-03-01T05:00:00'));
    expect(nyAprilStart).toBe(utc('2024-04-01T04:00:00'));
    // 2024-03-31 23:30 EDT is 2024-04-01T03:30Z: already April in UTC, still March in New York.
    const lateOrder = instantFromLocal({ year: 2024, month: 3, day: 31, hour: 23, minute: 30 }, newYork);
    expect(lateOrder).toBe(utc('2024-04-01T03:30:00'));
    const orders = orderTableFromRecords([order('late', lateOrder)]);

    const local = periodRetention(orders, {
      start: nyMarchStart,
      end: nyAprilStart,
      windowDays: 7,
      timeZone: newYork,
    });
    expect([local.N, local.E, local.newActiveAtEnd]).toEqual([1, 1, 1]);

    const grid = PeriodGrid.covering(nyMarchStart, nyAprilStart + 1, 'month', { timeZone: newYork });
    const series = retentionSeries(orders, { grid, windowDays: 7 });
    expect(series.map((period) => period.label)).toEqual(['2024-03', '2024-04']);
    // March: new and active at its end; April: active at its start, gone by 05-01 (7-day window).
    expect(series.map((period) => [period.S, period.E, period.N])).toEqual([
      [0, 1, 1],
      [1, 0, 0],
    ]);

    // The same order in UTC months falls in April: March has nobody.
    const inUtc = periodRetention(orders, { start: MARCH_START, end: APRIL_START, windowDays: 7 });
    expect([inUtc.N, inUtc.E]).toEqual([0, 0]);
  });

  it('starts the window at local midnight W days earlier, not W × 24 h earlier', () => {
    // 30 local days before 2024-04-01 00:00 EDT is 2024-03-02 00:00 EST = 05:00Z, while 30 × 24 h
    // before is 04:00Z (the 23-hour day of 03-10 lies in between).
    const justBefore = instantFromLocal({ year: 2024, month: 3, day: 1, hour: 23, minute: 30 }, newYork);
    const justAfter = instantFromLocal({ year: 2024, month: 3, day: 2, hour: 0, minute: 30 }, newYork);
    expect(justBefore).toBe(utc('2024-03-02T04:30:00')); // inside a 30 × 24 h window
    const orders = orderTableFromRecords([order('before', justBefore), order('after', justAfter)]);
    const result = periodRetention(orders, {
      start: nyMarchStart,
      end: nyAprilStart,
      windowDays: 30,
      timeZone: newYork,
    });
    // Both new in March; only `after` is in [03-02 00:00, 04-01 00:00) local.
    expect([result.N, result.E, result.newActiveAtEnd, result.reactivated]).toEqual([2, 1, 1, 0]);
  });

  it('moves the window start with local midnight across the autumn change in Europe/Paris', () => {
    const paris = 'Europe/Paris';
    // November 2024 starts 11-01 00:00 CET = 10-31T23:00Z. 7 local days earlier is 10-25 00:00 CEST
    // (DST ended 10-27) = 10-24T22:00Z; 7 × 24 h earlier would be 10-24T23:00Z.
    const grid = PeriodGrid.covering(utc('2024-10-15T00:00:00'), utc('2024-11-15T00:00:00'), 'month', {
      timeZone: paris,
    });
    expect(grid.start(1)).toBe(utc('2024-10-31T23:00:00'));
    const inside = instantFromLocal({ year: 2024, month: 10, day: 25, hour: 0, minute: 30 }, paris);
    const outside = instantFromLocal({ year: 2024, month: 10, day: 24, hour: 23, minute: 30 }, paris);
    expect(inside).toBe(utc('2024-10-24T22:30:00')); // before 10-24T23:00Z: outside a 7 × 24 h window
    const orders = orderTableFromRecords([order('inside', inside), order('outside', outside)]);
    const series = retentionSeries(orders, { grid, windowDays: 7 });
    // October: both new, only `inside` active at 11-01; November: S = {inside}, churned by 12-01.
    expect(
      series.map((period) => [period.label, period.S, period.E, period.N, period.newActiveAtEnd]),
    ).toEqual([
      ['2024-10', 0, 1, 2, 1],
      ['2024-11', 1, 0, 0, 0],
    ]);
    expect(series[1]!.churnRate).toBe(100);
    const november = periodRetention(orders, {
      start: grid.start(1),
      end: grid.end(1),
      windowDays: 7,
      timeZone: paris,
    });
    expect(november.S).toBe(1);
  });
});

describe('subscriptionPeriodRetention (metrics.md §1 subscription mode, March 2024 UTC)', () => {
  it('handles ongoing, ending-at-start, consecutive and within-period subscriptions', () => {
    const march15 = utc('2024-03-15T00:00:00');
    const subscriptions = subscriptionTableFromRecords([
      subscription('ongoing', utc('2024-01-01T00:00:00'), null), // active at both ends
      subscription('ended-at-start', utc('2023-06-01T00:00:00'), MARCH_START), // [.., 03-01): not at 03-01
      subscription('renewed', utc('2023-12-01T00:00:00'), march15), // two back-to-back subscriptions
      subscription('renewed', march15, null),
      subscription('short', utc('2024-03-10T00:00:00'), utc('2024-03-20T00:00:00')), // new, gone by 04-01
      subscription('joined', utc('2024-03-05T00:00:00'), null), // new, active at 04-01
    ]);
    const result = subscriptionPeriodRetention(subscriptions, { start: MARCH_START, end: APRIL_START });
    // S = {ongoing, renewed}, E = {ongoing, renewed, joined}, N = {short, joined}.
    // CRR = (3 − 2) / 2 × 100 = 50; exact = 2 / 2 = 100 %.
    expect(measures(result)).toEqual({
      S: 2,
      E: 3,
      N: 2,
      crr: 50,
      retained: 2,
      churned: 0,
      reactivated: 0,
      newActiveAtEnd: 1,
      retentionRate: 100,
      churnRate: 0,
    });
  });

  it('counts a lapsed subscriber who resubscribes as reactivated, and S = 0 as null rates', () => {
    const subscriptions = subscriptionTableFromRecords([
      subscription('lapsed', utc('2023-01-01T00:00:00'), utc('2023-06-01T00:00:00')),
      subscription('lapsed', utc('2024-03-20T00:00:00'), null),
    ]);
    const result = subscriptionPeriodRetention(subscriptions, { start: MARCH_START, end: APRIL_START });
    // S = ∅, E = {lapsed} (acquired 2023: not new) → reactivated 1, rates null.
    expect([result.S, result.E, result.N, result.reactivated, result.crr, result.retentionRate]).toEqual([
      0,
      1,
      0,
      1,
      null,
      null,
    ]);
  });

  it('makes a first subscription starting exactly at a boundary new in that period, not active at its start', () => {
    const subscriptions = subscriptionTableFromRecords([subscription('on-the-dot', MARCH_START, null)]);
    const march = subscriptionPeriodRetention(subscriptions, { start: MARCH_START, end: APRIL_START });
    // startedAt = 03-01 covers 03-01, but the customer is only acquired at 03-01, so not in S
    // (active at a boundary requires acquisition before it); new in March and active at 04-01:
    // S = 0, E = 1, N = 1 → CRR null (S = 0), newActiveAtEnd 1; identity 1 = 0 + 0 + 1.
    expect(measures(march)).toEqual({
      S: 0,
      E: 1,
      N: 1,
      crr: null,
      retained: 0,
      churned: 0,
      reactivated: 0,
      newActiveAtEnd: 1,
      retentionRate: null,
      churnRate: null,
    });
    // In February, whose end is that same instant, they are neither in E nor reactivated.
    const february = subscriptionPeriodRetention(subscriptions, {
      start: utc('2024-02-01T00:00:00'),
      end: MARCH_START,
    });
    expect([february.E, february.reactivated, february.N]).toEqual([0, 0, 0]);
    const grid = PeriodGrid.covering(utc('2024-02-01T00:00:00'), APRIL_START, 'month');
    const series = subscriptionRetentionSeries(subscriptions, { grid });
    expect(series.map(measures)).toEqual([measures(february), measures(march)]);
  });
});
