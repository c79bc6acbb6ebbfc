/**
 * The Subscriptions page's API calls: MRR and its monthly movements (`GET /analytics/mrr`) and the
 * survival of paying customers (`GET /analytics/survival`).
 */
import { useQuery } from '@tanstack/react-query';
import { apiGet, type ResponseOf } from '../../api';

export type MrrAnswer = ResponseOf<'/api/v1/analytics/mrr'>;
export type Movement = NonNullable<MrrAnswer['mrr']>['movements'][number];
export type SurvivalAnswer = ResponseOf<'/api/v1/analytics/survival'>;
export type SurvivalGroup = SurvivalAnswer['groups'][number];

/** `enabled`: false while the workspace is not known to have subscriptions (the API would answer 404). */
export function useMrr(enabled: boolean) {
  return useQuery({
    queryKey: ['mrr'],
    queryFn: ({ signal }) => apiGet('/api/v1/analytics/mrr', { mode: 'subscription' }, signal),
    enabled,
  });
}

export function useSurvival(enabled: boolean) {
  return useQuery({
    queryKey: ['survival'],
    queryFn: ({ signal }) => apiGet('/api/v1/analytics/survival', { unit: 'month' }, signal),
    enabled,
  });
}
