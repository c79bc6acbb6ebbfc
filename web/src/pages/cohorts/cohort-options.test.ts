import { describe, expect, it } from 'vitest';
import {
  cellShare,
  cellValue,
  cohortSearch,
  cohortsQuery,
  heatLevel,
  parseCohortSelection,
  shareScale,
  visibleWindow,
} from './cohort-options';
import type { CohortRow } from './queries';

const row = (counts: (number | null)[], size = 10): CohortRow => ({
  cohort: '1997-01',
  size,
  counts,
  rates: counts.map((count) => (count === null ? null : (count / size) * 100)),
  revenue: counts.map((count) => (count === null ? null : count * 12.5)),
});

describe('the Cohorts page choices', () => {
  it('round-trip through the URL, defaults left out', () => {
    const selection = parseCohortSelection(
      new URLSearchParams('period=week&kind=recurring&measure=rolling&show=revenue&by=country&value=FR'),
    );
    expect(selection).toEqual({
      period: 'week',
      kind: 'recurring',
      measure: 'rolling',
      show: 'revenue',
      by: 'country',
      value: 'FR',
      mode: null,
    });
    expect(cohortSearch(selection)).toBe(
      '?period=week&kind=recurring&measure=rolling&show=revenue&by=country&value=FR',
    );
    expect(cohortSearch(parseCohortSelection(new URLSearchParams('')))).toBe('');
  });

  it('fall back to the defaults on anything unknown; a value needs its attribute', () => {
    expect(parseCohortSelection(new URLSearchParams('period=year&kind=x&show=%&value=FR'))).toEqual({
      period: 'month',
      kind: 'first-time',
      measure: 'classic',
      show: 'percent',
      by: null,
      value: null,
      mode: null,
    });
  });

  it('ask the API for the matrix, not for what to show', () => {
    const selection = parseCohortSelection(new URLSearchParams('show=counts&by=language'));
    expect(cohortsQuery(selection, 'subscription')).toEqual({
      period: 'month',
      kind: 'first-time',
      measure: 'classic',
      mode: 'subscription',
      by: 'language',
    });
  });
});

describe('heatmap cells', () => {
  it('show rates, counts or revenue; incomplete cells stay null, a real 0 stays 0', () => {
    const cohort = row([10, 0, 3, null]);
    expect([0, 1, 2, 3].map((age) => cellValue(cohort, age, 'percent'))).toEqual([100, 0, 30, null]);
    expect([0, 1, 2, 3].map((age) => cellValue(cohort, age, 'counts'))).toEqual([10, 0, 3, null]);
    expect(cellValue(cohort, 2, 'revenue')).toBe(37.5);
  });

  it('darken with the share: 0 is level 0, any positive share at least 1, the whole level 6', () => {
    expect([0, 0.001, 1 / 6, 0.5, 1, 2].map(heatLevel)).toEqual([0, 1, 1, 3, 6, 6]);
    const cohort = row([10, 5, null]);
    expect(cellShare(cohort, 1, 'percent', 0)).toBe(0.5);
    expect(cellShare(cohort, 1, 'counts', 0)).toBe(0.5);
    expect(cellShare(cohort, 1, 'revenue', 125)).toBe(0.5);
    expect(cellShare(cohort, 2, 'counts', 0)).toBe(0);
  });

  it('scale the colours to the largest cell after period 0 (first-time period 0 is always 100 %)', () => {
    const rows = [row([10, 2, 1]), row([10, 3, null])];
    expect(shareScale(rows, 'percent', 0)).toBeCloseTo(0.3, 12);
    expect(shareScale([row([10])], 'percent', 0)).toBe(1);
    expect(shareScale([row([0, 0], 0)], 'counts', 0)).toBe(1);
  });

  it('a large matrix shows its latest cohorts and first ages', () => {
    const rows = Array.from({ length: 100 }, (_, index) => row(Array.from({ length: 100 - index }, () => 1)));
    expect(visibleWindow(rows, 60)).toEqual({ firstRow: 40, ages: 60 });
    expect(visibleWindow(rows.slice(0, 18), 60)).toEqual({ firstRow: 0, ages: 60 });
    expect(visibleWindow(rows.slice(82), 60)).toEqual({ firstRow: 0, ages: 18 });
  });
});
