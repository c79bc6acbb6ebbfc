/** The overview's period choice: the calendar periods offered and the URL round trip. */
import { describe, expect, it } from 'vitest';
import { calendarPeriods, overviewQuery, parseSelection, selectionSearch } from './periods';

describe('calendarPeriods', () => {
  it('lists the months holding data, latest first, the last one incomplete until its last day has passed', () => {
    // The API counts a period complete when it ends before the data's last day (overview.service.ts).
    expect(calendarPeriods('month', '1997-11-15', '1998-01-10')).toEqual([
      { label: '1998-01', from: '1998-01-01', to: '1998-01-31', complete: false },
      { label: '1997-12', from: '1997-12-01', to: '1997-12-31', complete: true },
      { label: '1997-11', from: '1997-11-01', to: '1997-11-30', complete: true },
    ]);
    // CDNOW: data through 1998-06-30, so June 1998 is not complete (its end is after the last order).
    expect(calendarPeriods('month', '1997-01-01', '1998-06-30')[0]).toMatchObject({
      label: '1998-06',
      complete: false,
    });
    expect(calendarPeriods('month', '1997-01-01', '1998-06-30')).toHaveLength(18);
  });

  it('aligns quarters and years on the calendar, with leap years', () => {
    expect(
      calendarPeriods('quarter', '1997-02-10', '1997-07-01').map((period) => [
        period.label,
        period.from,
        period.to,
      ]),
    ).toEqual([
      ['1997-Q3', '1997-07-01', '1997-09-30'],
      ['1997-Q2', '1997-04-01', '1997-06-30'],
      ['1997-Q1', '1997-01-01', '1997-03-31'],
    ]);
    expect(calendarPeriods('year', '2023-05-01', '2024-02-29')).toEqual([
      { label: '2024', from: '2024-01-01', to: '2024-12-31', complete: false },
      { label: '2023', from: '2023-01-01', to: '2023-12-31', complete: true },
    ]);
    expect(calendarPeriods('month', '2024-02-01', '2024-02-29')[0]!.to).toBe('2024-02-29');
  });
});

describe('the selection in the URL', () => {
  it('round-trips, and anything invalid falls back to the default month', () => {
    const chosen = { kind: 'quarter', from: '1998-01-01', to: '1998-03-31' } as const;
    expect(parseSelection(new URLSearchParams(selectionSearch(chosen)))).toEqual(chosen);
    expect(selectionSearch({ kind: 'month' })).toBe('');
    expect(selectionSearch({ kind: 'year' })).toBe('?period=year');
    expect(parseSelection(new URLSearchParams('period=week'))).toEqual({ kind: 'month' });
    expect(parseSelection(new URLSearchParams('period=custom&from=1998-02-30&to=1998-03-01'))).toEqual({
      kind: 'month',
    });
    expect(parseSelection(new URLSearchParams('period=month&from=1998-03-01&to=1998-02-01'))).toEqual({
      kind: 'month',
    });
  });

  it('asks the API for a custom range with monthly trends', () => {
    expect(overviewQuery({ kind: 'custom', from: '1998-01-15', to: '1998-02-20' })).toEqual({
      period: 'month',
      from: '1998-01-15',
      to: '1998-02-20',
    });
    expect(overviewQuery({ kind: 'year' })).toEqual({ period: 'year' });
  });
});
