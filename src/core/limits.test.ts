/**
 * The limits of core/limits.ts, with the values of the outside probe of issue 9: a day grid from
 * 0001-01-01 to 9999-12-31 (3.65 M periods, which took minutes and gigabytes to build), and a
 * cohort matrix of 120,001 monthly periods ("Invalid typed array length: 14400240001", i.e.
 * 120,001²) — each now an `InvalidInputError` naming the limit, thrown before any allocation.
 */
import { describe, expect, it } from 'vitest';
import { orderCohorts, orderCohortsBy } from './cohorts/index.js';
import { orderTableFromRecords, subscriptionTableFromRecords } from './data/index.js';
import { InvalidInputError, isInvalidInputError } from './input-error.js';
import {
  EARLIEST_INSTANT,
  isSupportedDate,
  isSupportedInstant,
  LATEST_INSTANT,
  MAX_COHORT_CELLS,
  MAX_PERIODS,
  unsupportedInstantReason,
} from './limits.js';
import { analyzeOrders, analyzeSubscriptions } from './report/index.js';
import { PeriodGrid } from './time/index.js';

/** What `action` throws (it must throw). */
function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('supported instants', () => {
  it('are 1970-01-01T00:00:00.000Z to 2100-12-31T23:59:59.999Z', () => {
    expect(EARLIEST_INSTANT).toBe(0);
    expect(new Date(LATEST_INSTANT).toISOString()).toBe('2100-12-31T23:59:59.999Z');
    for (const inside of [0, Date.UTC(2024, 1, 29), LATEST_INSTANT]) {
      expect(isSupportedInstant(inside)).toBe(true);
      expect(unsupportedInstantReason(inside)).toBeNull();
    }
    // The probe's dates, and the neighbours of the bounds.
    for (const outside of [
      Date.parse('0001-01-01T00:00:00Z'),
      Date.parse('0000-01-01T00:00:00Z'),
      Date.parse('9999-12-31T00:00:00Z'),
      -1,
      LATEST_INSTANT + 1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ]) {
      expect(isSupportedInstant(outside), String(outside)).toBe(false);
    }
    expect(unsupportedInstantReason(Date.parse('0000-01-01T00:00:00Z'))).toBe(
      '0000-01-01T00:00:00.000Z is before 1970-01-01, the first date Retain accepts (1970-01-01 to 2100-12-31 (UTC))',
    );
    expect(unsupportedInstantReason(Date.parse('9999-12-31T00:00:00Z'))).toContain('is after 2100-12-31');
  });

  it('name the calendar dates a caller may give: 1970-01-01 … 2100-12-31, real dates only', () => {
    for (const date of ['1970-01-01', '2024-02-29', '2100-12-31'])
      expect(isSupportedDate(date), date).toBe(true);
    for (const date of [
      '0000-01-01',
      '0001-01-01',
      '1969-12-31',
      '2101-01-01',
      '9999-12-31',
      '2023-02-29',
      '2024-1-01',
    ]) {
      expect(isSupportedDate(date), date).toBe(false);
    }
  });
});

describe('the period limit', () => {
  it('refuses a day grid over 0001-01-01 … 9999-12-31 with an InvalidInputError naming the limit', () => {
    const started = performance.now();
    const error = thrownBy(() =>
      PeriodGrid.covering(Date.parse('0001-01-01T00:00:00Z'), Date.parse('9999-12-31T00:00:00Z'), 'day'),
    );
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).path).toEqual(['period']);
    expect((error as Error).message).toBe(
      '0001-01-01 to 9999-12-30 holds more than 10,000 day periods, the most one analysis computes: choose a shorter range or a longer period.',
    );
    // At most MAX_PERIODS boundaries were computed, not 3.65 M (which took minutes).
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('allows exactly MAX_PERIODS periods and no more, and a caller’s own limit', () => {
    const from = Date.UTC(2000, 0, 1);
    const day = 86_400_000;
    expect(PeriodGrid.covering(from, from + MAX_PERIODS * day, 'day').count).toBe(MAX_PERIODS);
    expect(() => PeriodGrid.covering(from, from + (MAX_PERIODS + 1) * day, 'day')).toThrow(InvalidInputError);
    expect(PeriodGrid.covering(from, from + 20_000 * day, 'day', { maxPeriods: 20_000 }).count).toBe(20_000);
    expect(() => PeriodGrid.covering(from, from + 3 * day, 'day', { maxPeriods: 2 })).toThrow(
      /more than 2 day/,
    );
    expect(() => PeriodGrid.covering(from, from + day, 'day', { maxPeriods: 0 })).toThrow(InvalidInputError);
  });

  it('applies to the report’s grid: orders over the whole supported range by day', () => {
    const orders = orderTableFromRecords([
      { customerId: 'a', orderedAt: EARLIEST_INSTANT, amountCents: 100 },
      { customerId: 'b', orderedAt: LATEST_INSTANT, amountCents: 100 },
    ]);
    const error = thrownBy(() => analyzeOrders(orders, { period: 'day' }));
    expect(isInvalidInputError(error)).toBe(true);
    expect((error as Error).message).toContain('more than 10,000 day periods');
    // By month the same data is 1,572 periods: a series is fine, its cohorts too (2.47 M cells are
    // over the default 2 M, so a caller that wants them raises the limit).
    expect(() => analyzeOrders(orders, { period: 'month' })).toThrow(/cohort matrix of 1,572 month periods/);
    expect(analyzeOrders(orders, { period: 'month', maxCohortCells: 2_500_000 }).series).toHaveLength(1571);
    expect(() => analyzeOrders(orders, { period: 'week', maxPeriods: 5_000 })).toThrow(
      /more than 5,000 week/,
    );
  });
});

describe('the cohort cell limit', () => {
  // Two customers 120,000 months apart would be the probe's 120,001² cells; within the supported
  // range a day grid of 1,415 periods (1,415² = 2,002,225 cells) is just over the default.
  const from = Date.UTC(2020, 0, 1);
  const day = 86_400_000;
  const orders = orderTableFromRecords([
    { customerId: 'a', orderedAt: from, amountCents: 100, attributes: { country: 'FR' } },
    { customerId: 'b', orderedAt: from + 1_414 * day, amountCents: 100, attributes: { country: 'DE' } },
  ]);

  it('refuses a matrix over MAX_COHORT_CELLS before allocating it, and accepts one just under', () => {
    expect(MAX_COHORT_CELLS).toBe(2_000_000);
    const over = PeriodGrid.covering(from, from + 1_415 * day, 'day');
    const error = thrownBy(() => orderCohorts(orders, { grid: over, dataEnd: from + 1_415 * day }));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).path).toEqual(['period']);
    expect((error as Error).message).toBe(
      'A cohort matrix of 1,415 day periods has 2,002,225 cells, more than the 2,000,000 one analysis computes: choose a shorter range or a longer period.',
    );
    const under = PeriodGrid.covering(from, from + 1_414 * day, 'day');
    expect(orderCohorts(orders, { grid: under, dataEnd: from + 1_414 * day }).rows).toHaveLength(1_414);
  });

  it('counts a breakdown’s matrices with the overall one', () => {
    const grid = PeriodGrid.covering(from, from + 1_000 * day, 'day'); // 1,000,000 cells a matrix
    const options = { grid, dataEnd: from + 1_000 * day };
    const twoCountries = orderTableFromRecords([
      { customerId: 'a', orderedAt: from, amountCents: 100, attributes: { country: 'FR' } },
      { customerId: 'b', orderedAt: from + 500 * day, amountCents: 100, attributes: { country: 'DE' } },
    ]);
    expect(orderCohorts(twoCountries, options).rows).toHaveLength(1_000);
    const error = thrownBy(() => orderCohortsBy(twoCountries, 'country', options)); // FR, DE + overall
    expect((error as InvalidInputError).path).toEqual(['by']);
    expect((error as Error).message).toBe(
      'Cohorts of 1,000 day periods broken down into 2 values have 3,000,000 cells (3 matrices), more than the 2,000,000 one analysis computes: choose a shorter range or a longer period, or break down by an attribute with fewer values.',
    );
    expect(orderCohortsBy(twoCountries, 'country', { ...options, maxCells: 3_000_000 })).toHaveLength(2);
  });

  it('applies to subscription reports too', () => {
    const error = thrownBy(() =>
      analyzeSubscriptions(
        subscriptionTableFromRecords([
          {
            customerId: 'a',
            subscriptionId: 's',
            startedAt: from,
            endedAt: from + 1_500 * day,
            amountCents: 1_000,
            interval: 'month',
          },
        ]),
        { period: 'day' },
      ),
    );
    expect(isInvalidInputError(error)).toBe(true);
    expect((error as Error).message).toContain('cohort matrix of 1,500 day periods');
  });
});
