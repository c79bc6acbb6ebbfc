/**
 * The customer list's state as the address bar holds it (so a filtered, sorted list can be linked,
 * reloaded and navigated back to): the search, the filters and the order, read from and written to
 * the query string, and turned into the API's query (`GET /api/v1/customers`, the at-risk list and
 * the CSV export take the same parameters).
 */

/** The RFM segments, as the API names them (customers/score.repository.ts). */
export const SEGMENTS = [
  'champions',
  'loyal_customers',
  'potential_loyalists',
  'new_customers',
  'promising',
  'need_attention',
  'about_to_sleep',
  'at_risk',
  'cant_lose_them',
  'hibernating',
] as const;
export type Segment = (typeof SEGMENTS)[number];

/** The risk bands of the API's `risk` filter: low [0, 40), medium [40, 70), high [70, 100]. */
export const RISK_BANDS = ['low', 'medium', 'high'] as const;
export type RiskBand = (typeof RISK_BANDS)[number];

/** The sortable columns (the API's `sort`); `newest` is the default order. */
export const SORTS = ['newest', 'lastOrder', 'orders', 'spent', 'risk', 'clv'] as const;
export type Sort = (typeof SORTS)[number];
export type Direction = 'asc' | 'desc';

export interface ListState {
  readonly q: string;
  /** Match the search anywhere in the text (the API's `match=contains`) rather than at the start. */
  readonly anywhere: boolean;
  readonly segment: Segment | null;
  readonly risk: RiskBand | null;
  /** Currency units, as typed (empty: no bound). */
  readonly minValue: string;
  readonly maxValue: string;
  readonly valueBy: 'spent' | 'clv';
  /** ISO 3166-1 alpha-2, upper-case (empty: any). */
  readonly country: string;
  readonly sort: Sort;
  readonly direction: Direction;
}

export const EMPTY_STATE: ListState = {
  q: '',
  anywhere: false,
  segment: null,
  risk: null,
  minValue: '',
  maxValue: '',
  valueBy: 'spent',
  country: '',
  sort: 'newest',
  direction: 'desc',
};

const MONEY = /^-?\d{1,13}(\.\d{1,2})?$/;
const COUNTRY = /^[A-Za-z]{2}$/;

const oneOf = <T extends string>(values: readonly T[], value: string | null): T | null =>
  value !== null && (values as readonly string[]).includes(value) ? (value as T) : null;

/** The state in a query string; anything unknown or malformed is left at its default. */
export function parseListState(search: URLSearchParams): ListState {
  const money = (name: string) => {
    const value = search.get(name) ?? '';
    return MONEY.test(value) ? value : '';
  };
  const country = search.get('country') ?? '';
  return {
    q: (search.get('q') ?? '').slice(0, 200),
    anywhere: search.get('match') === 'contains',
    segment: oneOf(SEGMENTS, search.get('segment')),
    risk: oneOf(RISK_BANDS, search.get('risk')),
    minValue: money('minValue'),
    maxValue: money('maxValue'),
    valueBy: search.get('valueBy') === 'clv' ? 'clv' : 'spent',
    country: COUNTRY.test(country) ? country.toUpperCase() : '',
    sort: oneOf(SORTS, search.get('sort')) ?? 'newest',
    direction: search.get('direction') === 'asc' ? 'asc' : 'desc',
  };
}

/** The API's query for `state` (only what differs from the defaults; empty bounds left out). */
export function apiQuery(state: ListState, options: { readonly withOrder?: boolean } = {}) {
  const query: Record<string, string> = {};
  const q = state.q.trim();
  if (q !== '') {
    query.q = q;
    query.match = state.anywhere ? 'contains' : 'prefix';
  }
  if (state.segment !== null) query.segment = state.segment;
  if (state.risk !== null) query.risk = state.risk;
  if (MONEY.test(state.minValue)) query.minValue = state.minValue;
  if (MONEY.test(state.maxValue)) query.maxValue = state.maxValue;
  if ((query.minValue !== undefined || query.maxValue !== undefined) && state.valueBy === 'clv') {
    query.valueBy = 'clv';
  }
  if (COUNTRY.test(state.country)) query.country = state.country.toUpperCase();
  if (options.withOrder !== false) {
    if (state.sort !== 'newest') query.sort = state.sort;
    if (state.direction !== 'desc') query.direction = state.direction;
  }
  return query;
}

/** The query string of `state` for the address bar ('' for the defaults). */
export function listSearch(state: ListState): string {
  const query = apiQuery(state);
  // The address keeps "anywhere" only with a search; the API's `match` means the same.
  const text = new URLSearchParams(query).toString();
  return text === '' ? '' : `?${text}`;
}

/** Whether any filter or search narrows the list. */
export function isFiltered(state: ListState): boolean {
  const { sort: _sort, direction: _direction, ...rest } = apiQuery(state);
  return Object.keys(rest).length > 0;
}

/**
 * The order after a click on a column's header: a new column sorts descending (largest, latest,
 * riskiest first); the same column again flips the direction.
 * Example: `nextOrder({ sort: 'risk', direction: 'desc' }, 'risk')` → `{ sort: 'risk', direction: 'asc' }`.
 */
export function nextOrder(
  current: { readonly sort: Sort; readonly direction: Direction },
  column: Sort,
): { sort: Sort; direction: Direction } {
  if (current.sort !== column) return { sort: column, direction: 'desc' };
  return { sort: column, direction: current.direction === 'desc' ? 'asc' : 'desc' };
}
