import { describe, expect, it } from 'vitest';
import {
  addPeriods,
  LocalDayMapper,
  localDayNumber,
  PeriodGrid,
  periodLabel,
  periodStart,
} from './periods.js';

const utc = (iso: string) => Date.parse(`${iso}Z`);

describe('periodStart', () => {
  it('starts a month at local midnight of the 1st in the given zone', () => {
    // 2024-03-01 00:00 in Paris is UTC+1 (winter time): 2024-02-29T23:00Z, checked against tzdata.
    expect(periodStart(utc('2024-03-15T12:00:00'), 'month', { timeZone: 'Europe/Paris' })).toBe(
      utc('2024-02-29T23:00:00'),
    );
    expect(periodStart(utc('2024-03-15T12:00:00'), 'month')).toBe(utc('2024-03-01T00:00:00'));
  });

  it('starts weeks on Monday by default and on Sunday when asked', () => {
    // 2024-03-06 is a Wednesday; its ISO week starts Monday 2024-03-04, its Sunday week on 2024-03-03.
    expect(periodStart(utc('2024-03-06T10:00:00'), 'week')).toBe(utc('2024-03-04T00:00:00'));
    expect(periodStart(utc('2024-03-06T10:00:00'), 'week', { weekStartsOn: 'sunday' })).toBe(
      utc('2024-03-03T00:00:00'),
    );
    // A Sunday is the first day of its own Sunday-week.
    expect(periodStart(utc('2024-03-03T10:00:00'), 'week', { weekStartsOn: 'sunday' })).toBe(
      utc('2024-03-03T00:00:00'),
    );
    expect(periodStart(utc('2024-03-03T10:00:00'), 'week')).toBe(utc('2024-02-26T00:00:00'));
  });

  it('handles quarters and years', () => {
    expect(periodStart(utc('2024-08-15T00:00:00'), 'quarter')).toBe(utc('2024-07-01T00:00:00'));
    expect(periodStart(utc('2024-08-15T00:00:00'), 'year')).toBe(utc('2024-01-01T00:00:00'));
  });
});

describe('PeriodGrid', () => {
  it('has 23- and 25-hour days across the DST changes of Europe/Paris', () => {
    // DST starts 2024-03-31 (clocks 02:00 → 03:00) and ends 2024-10-27 (03:00 → 02:00).
    const spring = PeriodGrid.covering(utc('2024-03-30T12:00:00'), utc('2024-04-01T12:00:00'), 'day', {
      timeZone: 'Europe/Paris',
    });
    expect(spring.end(1) - spring.start(1)).toBe(23 * 3_600_000);
    const autumn = PeriodGrid.covering(utc('2024-10-26T12:00:00'), utc('2024-10-28T12:00:00'), 'day', {
      timeZone: 'Europe/Paris',
    });
    expect(autumn.end(1) - autumn.start(1)).toBe(25 * 3_600_000);
  });

  it('finds the period of an instant by binary search, -1 before and count after', () => {
    const grid = PeriodGrid.covering(utc('2024-01-10T00:00:00'), utc('2024-04-01T00:00:00'), 'month');
    expect(grid.count).toBe(3);
    expect(grid.labels()).toEqual(['2024-01', '2024-02', '2024-03']);
    expect(grid.indexOf(utc('2023-12-31T23:59:59'))).toBe(-1);
    expect(grid.indexOf(utc('2024-01-01T00:00:00'))).toBe(0);
    expect(grid.indexOf(utc('2024-02-29T23:59:59'))).toBe(1);
    expect(grid.indexOf(utc('2024-03-01T00:00:00'))).toBe(2);
    expect(grid.indexOf(utc('2024-04-01T00:00:00'))).toBe(3);
    expect(grid.isComplete(2, utc('2024-03-31T23:00:00'))).toBe(false);
    expect(grid.isComplete(2, utc('2024-04-01T00:00:00'))).toBe(true);
  });

  it('does not drift at month ends', () => {
    const grid = PeriodGrid.covering(utc('2024-01-31T00:00:00'), utc('2024-06-01T00:00:00'), 'month');
    expect(grid.labels()).toEqual(['2024-01', '2024-02', '2024-03', '2024-04', '2024-05']);
    expect(new Date(grid.start(2)).toISOString()).toBe('2024-03-01T00:00:00.000Z');
  });

  it('labels quarters and adds periods in the local calendar', () => {
    expect(periodLabel(utc('2024-04-01T00:00:00'), 'quarter')).toBe('2024-Q2');
    expect(addPeriods(utc('2024-01-01T00:00:00'), 'quarter', 2)).toBe(utc('2024-07-01T00:00:00'));
    // One month after 2024-03-01 00:00 Paris (UTC+1) is 2024-04-01 00:00 Paris (UTC+2).
    expect(addPeriods(utc('2024-02-29T23:00:00'), 'month', 1, { timeZone: 'Europe/Paris' })).toBe(
      utc('2024-03-31T22:00:00'),
    );
  });

  it('rejects an unknown zone with its name', () => {
    expect(() => PeriodGrid.covering(0, 1, 'day', { timeZone: 'Mars/Olympus' })).toThrow(/Mars\/Olympus/);
  });
});

describe('local day numbers', () => {
  it('agree between the cached mapper and Luxon on every hour across both DST changes', () => {
    const mapper = new LocalDayMapper('America/New_York');
    for (const from of [utc('2024-03-09T00:00:00'), utc('2024-11-02T00:00:00')]) {
      for (let hour = 0; hour < 72 * 4; hour++) {
        const instant = from + hour * 900_000;
        expect(mapper.dayNumber(instant)).toBe(localDayNumber(instant, 'America/New_York'));
      }
    }
  });

  it('counts local dates, not 24-hour spans', () => {
    // 23:30 and 00:30 the next local day in Tokyo are one day apart although one hour apart.
    const before = utc('2024-05-01T14:30:00'); // 23:30 JST
    expect(localDayNumber(before + 3_600_000, 'Asia/Tokyo') - localDayNumber(before, 'Asia/Tokyo')).toBe(1);
  });
});
