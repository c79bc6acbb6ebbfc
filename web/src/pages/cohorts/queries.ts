/**
 * The Cohorts page's API calls: the cohort matrix (`GET /analytics/cohorts`) and, page by page, the
 * customers of one of its cells (`GET /analytics/cohorts/customers`, the same options plus the cell).
 */
import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { apiGet, type QueryOf, type ResponseOf } from '../../api';

export type CohortsAnswer = ResponseOf<'/api/v1/analytics/cohorts'>;
export type CohortsQuery = QueryOf<'/api/v1/analytics/cohorts'>;
export type CohortRow = CohortsAnswer['cohorts']['rows'][number];
export type CellCustomers = ResponseOf<'/api/v1/analytics/cohorts/customers'>;

/** Customers listed per page of a cell. */
export const CELL_PAGE_SIZE = 100;

/** The matrix for `query` (asked once `enabled`); the previous one stays on screen while another loads. */
export function useCohorts(query: CohortsQuery, enabled = true) {
  return useQuery({
    queryKey: ['cohorts', query],
    queryFn: ({ signal }) => apiGet('/api/v1/analytics/cohorts', query, signal),
    placeholderData: keepPreviousData,
    enabled,
  });
}

/** A cell: its cohort's label, its age k and, with a breakdown, the value whose matrix it is in. */
export interface CohortCell {
  readonly cohort: string;
  readonly age: number;
  readonly value?: string;
}

/** The customers of `cell` in the matrix of `query`, a page at a time (`fetchNextPage`). */
export function useCellCustomers(query: CohortsQuery, cell: CohortCell | null) {
  return useInfiniteQuery({
    queryKey: ['cohort-customers', query, cell],
    enabled: cell !== null,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ signal, pageParam }) =>
      apiGet(
        '/api/v1/analytics/cohorts/customers',
        {
          ...query,
          cohort: cell?.cohort ?? '',
          age: String(cell?.age ?? 0),
          ...(cell?.value === undefined ? {} : { value: cell.value }),
          limit: CELL_PAGE_SIZE,
          ...(pageParam === undefined ? {} : { cursor: pageParam }),
        },
        signal,
      ),
    getNextPageParam: (last: CellCustomers) => last.nextCursor ?? undefined,
  });
}
