/**
 * The Customers pages' calls: a page of the list or of the at-risk list (`GET /api/v1/customers`,
 * `/customers/at-risk`: keyset cursors), the score status, Customer 360
 * (`GET /api/v1/customers/{id}/overview`) and its notes (add, delete).
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiDelete, apiGet, apiGetAt, apiPostAt, type ResponseOf } from '../../api';

export type CustomerListPage = ResponseOf<'/api/v1/customers'>;
export type ListedCustomer = CustomerListPage['data'][number];
export type CustomerOverview = ResponseOf<'/api/v1/customers/{id}/overview'>;
export type CustomerNote = CustomerOverview['notes'][number];

/** Which list: every customer, or the at-risk list (ranked by score). */
export type ListView = 'all' | 'at-risk';

/** Rows a page shows. */
export const PAGE_SIZE = 25;

/**
 * One page of the list for `query` after `cursor` (the previous page stays on screen while the
 * next loads).
 */
export function useCustomerPage(view: ListView, query: Record<string, string>, cursor: string | null) {
  return useQuery({
    queryKey: ['customers', view, query, cursor],
    queryFn: ({ signal }) => {
      const parameters = { ...query, limit: PAGE_SIZE, ...(cursor === null ? {} : { cursor }) };
      return view === 'all'
        ? apiGet('/api/v1/customers', parameters, signal)
        : apiGet('/api/v1/customers/at-risk', parameters, signal);
    },
    placeholderData: keepPreviousData,
  });
}

/** When the stored scores were computed, and whether a refresh is waiting (polled while one is). */
export function useScoreStatus() {
  return useQuery({
    queryKey: ['customer-scores'],
    queryFn: ({ signal }) => apiGet('/api/v1/customers/scores', undefined, signal),
    refetchInterval: (query) => (query.state.data?.pending ? 5_000 : false),
  });
}

export function useCustomerOverview(id: string) {
  return useQuery({
    queryKey: ['customer', id],
    queryFn: ({ signal }) => apiGetAt('/api/v1/customers/{id}/overview', { id }, signal),
  });
}

/** Adds a note as the logged-in user; the customer's page then shows it. */
export function useAddNote(customerId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (text: string) => apiPostAt('/api/v1/customers/{id}/notes', { id: customerId }, { text }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['customer', customerId] }),
  });
}

export function useDeleteNote(customerId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (noteId: string) =>
      apiDelete('/api/v1/customers/{id}/notes/{noteId}', { id: customerId, noteId }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['customer', customerId] }),
  });
}
