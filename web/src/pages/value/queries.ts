/**
 * The Value page's API calls: predicted CLV with its distribution and the top customers
 * (`GET /analytics/clv`), and the model's calibration/holdout diagnostics
 * (`GET /analytics/clv/diagnostics`).
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { apiGet, type QueryOf, type ResponseOf } from '../../api';

export type ClvAnswer = ResponseOf<'/api/v1/analytics/clv'>;
export type ClvDiagnostics = ResponseOf<'/api/v1/analytics/clv/diagnostics'>;
export type ClvDiagnosticsQuery = QueryOf<'/api/v1/analytics/clv/diagnostics'>;

/** How many of the most valuable customers the page lists. */
export const TOP_CUSTOMERS = 10;

export function useClv() {
  return useQuery({
    queryKey: ['clv', TOP_CUSTOMERS],
    queryFn: ({ signal }) => apiGet('/api/v1/analytics/clv', { limit: TOP_CUSTOMERS, offset: 0 }, signal),
  });
}

/** The diagnostics for `query`; the previous answer stays on screen while another loads. */
export function useClvDiagnostics(query: ClvDiagnosticsQuery) {
  return useQuery({
    queryKey: ['clv-diagnostics', query],
    queryFn: ({ signal }) => apiGet('/api/v1/analytics/clv/diagnostics', query, signal),
    placeholderData: keepPreviousData,
  });
}
