/**
 * The Cohorts page's choices, kept in its URL (`/cohorts?period=week&kind=recurring&show=counts…`)
 * so a view can be bookmarked and shared: their parsing, the API query they stand for, and what a
 * heatmap cell shows for them (its value, and how dark its colour is).
 */
import type { CohortRow, CohortsAnswer, CohortsQuery } from './queries';

export const COHORT_PERIODS = ['day', 'week', 'month', 'quarter'] as const;
export const COHORT_KINDS = ['first-time', 'recurring'] as const;
export const COHORT_MEASURES = ['classic', 'rolling'] as const;
export const COHORT_SHOWS = ['percent', 'counts', 'revenue'] as const;
/** The customer columns a matrix can be broken down by (the API also takes attribute keys). */
export const COHORT_BREAKDOWNS = ['country', 'language', 'time_zone'] as const;
export const COHORT_MODES = ['transactional', 'subscription'] as const;

export type CohortPeriod = (typeof COHORT_PERIODS)[number];
export type CohortKind = (typeof COHORT_KINDS)[number];
export type CohortMeasure = (typeof COHORT_MEASURES)[number];
export type CohortShow = (typeof COHORT_SHOWS)[number];
export type CohortBreakdown = (typeof COHORT_BREAKDOWNS)[number];
export type CohortMode = (typeof COHORT_MODES)[number];

export interface CohortSelection {
  readonly period: CohortPeriod;
  readonly kind: CohortKind;
  readonly measure: CohortMeasure;
  readonly show: CohortShow;
  readonly by: CohortBreakdown | null;
  /** With `by`: the value whose matrix is shown; null: the overall matrix. */
  readonly value: string | null;
  /** null: the page decides (orders when the workspace has any, else subscriptions). */
  readonly mode: CohortMode | null;
}

const DEFAULTS = {
  period: 'month',
  kind: 'first-time',
  measure: 'classic',
  show: 'percent',
} as const satisfies Partial<CohortSelection>;

function oneOf<T extends string>(choices: readonly T[], value: string | null, fallback: T): T;
function oneOf<T extends string>(choices: readonly T[], value: string | null, fallback: null): T | null;
function oneOf<T extends string>(choices: readonly T[], value: string | null, fallback: T | null): T | null {
  return choices.includes(value as T) ? (value as T) : fallback;
}

/** The selection in a URL's query; anything unknown falls back to its default. */
export function parseCohortSelection(search: URLSearchParams): CohortSelection {
  const by = oneOf(COHORT_BREAKDOWNS, search.get('by'), null);
  const value = search.get('value');
  return {
    period: oneOf(COHORT_PERIODS, search.get('period'), DEFAULTS.period),
    kind: oneOf(COHORT_KINDS, search.get('kind'), DEFAULTS.kind),
    measure: oneOf(COHORT_MEASURES, search.get('measure'), DEFAULTS.measure),
    show: oneOf(COHORT_SHOWS, search.get('show'), DEFAULTS.show),
    by,
    value: by !== null && value !== null && value.length <= 200 ? value : null,
    mode: oneOf(COHORT_MODES, search.get('mode'), null),
  };
}

/** The URL query of a selection, defaults left out (`''` when all are defaults). */
export function cohortSearch(selection: CohortSelection): string {
  const search = new URLSearchParams();
  for (const name of ['period', 'kind', 'measure', 'show'] as const) {
    if (selection[name] !== DEFAULTS[name]) search.set(name, selection[name]);
  }
  if (selection.by !== null) search.set('by', selection.by);
  if (selection.by !== null && selection.value !== null) search.set('value', selection.value);
  if (selection.mode !== null) search.set('mode', selection.mode);
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/** The API query of a selection, in `mode` (what to show is the page's business, not the API's). */
export function cohortsQuery(selection: CohortSelection, mode: CohortMode): CohortsQuery {
  return {
    period: selection.period,
    kind: selection.kind,
    measure: selection.measure,
    mode,
    ...(selection.by === null ? {} : { by: selection.by }),
  };
}

/** The matrix shown: the overall one, or the breakdown matrix of `value` (overall when absent). */
export function shownMatrix(
  answer: CohortsAnswer,
  value: string | null,
): { rows: readonly CohortRow[]; averageRates: readonly (number | null)[] } {
  const part = value === null ? undefined : answer.cohorts.breakdown?.find((entry) => entry.value === value);
  const source = part ?? answer.cohorts;
  return { rows: source.rows, averageRates: source.average.rates };
}

/** What cell `age` of `row` shows: a rate (0–100), a count or an amount; null while incomplete. */
export function cellValue(row: CohortRow, age: number, show: CohortShow): number | null {
  const values = show === 'percent' ? row.rates : show === 'counts' ? row.counts : row.revenue;
  return values[age] ?? null;
}

/** The colour steps of the heatmap: 0 (none) … 6 (the most). */
export const HEAT_LEVELS = 6;

/**
 * How dark a cell is, 0 … 6, from its share of the scale (`shareScale`; a share is a rate's part of
 * 100 %, a count's of its cohort's size, revenue's of the matrix's largest), in equal steps; at or
 * above the scale, 6; any positive share is at least 1, so a real small value never looks like an
 * empty cell.
 */
export function heatLevel(share: number): number {
  if (!(share > 0)) return 0;
  return Math.min(HEAT_LEVELS, Math.max(1, Math.ceil(share * HEAT_LEVELS)));
}

/** The share `heatLevel` reads for a cell, given the matrix's largest revenue. */
export function cellShare(row: CohortRow, age: number, show: CohortShow, largestRevenue: number): number {
  if (show === 'percent') return (row.rates[age] ?? 0) / 100;
  if (show === 'counts') return row.size > 0 ? (row.counts[age] ?? 0) / row.size : 0;
  return largestRevenue > 0 ? (row.revenue[age] ?? 0) / largestRevenue : 0;
}

/**
 * The share that gets the darkest colour: the largest share of any cell after the cohort's own
 * period (whose first-time retention is always 100 % and would leave every later cell pale), or of
 * any cell when there is none after it; 1 when nothing is positive.
 */
export function shareScale(rows: readonly CohortRow[], show: CohortShow, largestRevenueCell: number): number {
  let later = 0;
  let any = 0;
  for (const row of rows) {
    for (let age = 0; age < row.counts.length; age++) {
      const share = cellShare(row, age, show, largestRevenueCell);
      if (share > any) any = share;
      if (age > 0 && share > later) later = share;
    }
  }
  return later > 0 ? later : any > 0 ? any : 1;
}

/** The largest revenue cell of `rows` (0 when none is positive). */
export function largestRevenue(rows: readonly CohortRow[]): number {
  let largest = 0;
  for (const row of rows)
    for (const value of row.revenue) if (value !== null && value > largest) largest = value;
  return largest;
}

/**
 * The cohorts and ages a table of at most `limit` × `limit` cells shows: the latest cohorts (the
 * ones that matter most) and the first ages. A daily matrix of 18 months has 546 cohorts, ~150,000
 * cells: too many for a page; coarser periods show everything.
 */
export function visibleWindow(rows: readonly CohortRow[], limit: number): { firstRow: number; ages: number } {
  const firstRow = Math.max(0, rows.length - limit);
  return { firstRow, ages: Math.min(limit, rows[0]?.counts.length ?? 0) };
}
