/**
 * The loyalty calls of the dashboard: the programme's rules (read, replace), its report, the
 * promotions with their codes, and one customer's points, history and manual adjustments.
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiGet, apiGetAt, apiPost, apiPostAt, apiPut, type BodyOf, type ResponseOf } from '../../api';

export type LoyaltySettings = ResponseOf<'/api/v1/loyalty/programme'>['settings'];
export type LoyaltyReport = ResponseOf<'/api/v1/loyalty/report'>;
export type Promotion = ResponseOf<'/api/v1/loyalty/promotions'>['items'][number];
export type NewPromotion = BodyOf<'/api/v1/loyalty/promotions'>;
export type CustomerPoints = ResponseOf<'/api/v1/loyalty/customers/{customerId}'>;
export type LedgerEntry = ResponseOf<'/api/v1/loyalty/customers/{customerId}/entries'>['items'][number];

/** Entries a page of a customer's history shows. */
export const HISTORY_PAGE_SIZE = 20;

export function useProgramme() {
  return useQuery({
    queryKey: ['loyalty-programme'],
    queryFn: ({ signal }) => apiGet('/api/v1/loyalty/programme', undefined, signal),
  });
}

export function useSaveProgramme() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (settings: LoyaltySettings) => apiPut('/api/v1/loyalty/programme', settings),
    onSuccess: (saved) => {
      client.setQueryData(['loyalty-programme'], saved);
      return client.invalidateQueries({ queryKey: ['loyalty-report'] });
    },
  });
}

export function useLoyaltyReport(from: string, to: string) {
  return useQuery({
    queryKey: ['loyalty-report', from, to],
    queryFn: ({ signal }) => apiGet('/api/v1/loyalty/report', { from, to }, signal),
    placeholderData: keepPreviousData,
  });
}

export function usePromotions() {
  return useQuery({
    queryKey: ['loyalty-promotions'],
    queryFn: ({ signal }) => apiGet('/api/v1/loyalty/promotions', undefined, signal),
  });
}

export function useCreatePromotion() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (promotion: NewPromotion) => apiPost('/api/v1/loyalty/promotions', promotion),
    onSuccess: () => client.invalidateQueries({ queryKey: ['loyalty-promotions'] }),
  });
}

export function useIssueCoupons() {
  return useMutation({
    mutationFn: ({ promotionId, count }: { promotionId: string; count: number }) =>
      apiPostAt('/api/v1/loyalty/promotions/{id}/coupons', { id: promotionId }, { count }),
  });
}

export function useCustomerPoints(customerId: string) {
  return useQuery({
    queryKey: ['loyalty-customer', customerId],
    queryFn: ({ signal }) => apiGetAt('/api/v1/loyalty/customers/{customerId}', { customerId }, signal),
  });
}

export function useCustomerHistory(customerId: string, cursor: string | null) {
  return useQuery({
    queryKey: ['loyalty-history', customerId, cursor],
    queryFn: ({ signal }) =>
      apiGetAt('/api/v1/loyalty/customers/{customerId}/entries', { customerId }, signal, {
        limit: HISTORY_PAGE_SIZE,
        ...(cursor === null ? {} : { cursor }),
      }),
    placeholderData: keepPreviousData,
  });
}

export function useAdjustPoints(customerId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (adjustment: { points: number; reason: string; idempotencyKey: string }) =>
      apiPostAt('/api/v1/loyalty/customers/{customerId}/adjust', { customerId }, adjustment),
    onSuccess: () =>
      Promise.all([
        client.invalidateQueries({ queryKey: ['loyalty-customer', customerId] }),
        client.invalidateQueries({ queryKey: ['loyalty-history', customerId] }),
      ]),
  });
}
