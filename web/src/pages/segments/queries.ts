/**
 * The Segments pages' calls: the list, one segment, the rule language's fields
 * (`GET /api/v1/segments/fields`), the live count (`POST /api/v1/segments/preview`), create,
 * update, delete, and a page of members (keyset cursors).
 */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  apiDelete,
  apiGet,
  apiGetAt,
  apiPatch,
  apiPost,
  apiPostCancellable,
  type BodyOf,
  type ResponseOf,
} from '../../api';

export type Segment = ResponseOf<'/api/v1/segments/{id}'>;
export type SegmentPreview = ResponseOf<'/api/v1/segments/preview', 'post'>;
export type MembersPage = ResponseOf<'/api/v1/segments/{id}/members'>;
export type Member = MembersPage['items'][number];

/** Members a page shows. */
export const MEMBERS_PAGE_SIZE = 25;
/** Customers the live count lists beside the count. */
export const SAMPLE_SIZE = 10;

/** While a membership is being computed, the answer is asked again this often. */
const PENDING_POLL_MS = 3_000;

export function useSegments() {
  return useQuery({
    queryKey: ['segments'],
    queryFn: ({ signal }) => apiGet('/api/v1/segments', undefined, signal),
    refetchInterval: (query) =>
      query.state.data?.items.some((segment) => segment.status === 'pending') ? PENDING_POLL_MS : false,
  });
}

export function useSegment(id: string | null) {
  return useQuery({
    queryKey: ['segment', id],
    queryFn: ({ signal }) => apiGetAt('/api/v1/segments/{id}', { id: id! }, signal),
    enabled: id !== null,
    refetchInterval: (query) => (query.state.data?.status === 'pending' ? PENDING_POLL_MS : false),
  });
}

/** The catalogue never changes while the page is open. */
export function useSegmentFields() {
  return useQuery({
    queryKey: ['segment-fields'],
    queryFn: ({ signal }) => apiGet('/api/v1/segments/fields', undefined, signal),
    staleTime: Number.POSITIVE_INFINITY,
  });
}

/**
 * The count and sample for `rule` (its JSON text is the key). A request whose rule was replaced
 * before it answered is aborted (TanStack Query aborts the signal once nothing observes the key);
 * the last answer stays on screen meanwhile.
 */
export function useSegmentPreview(ruleText: string | null) {
  return useQuery({
    queryKey: ['segment-preview', ruleText],
    queryFn: ({ signal }) =>
      apiPostCancellable(
        '/api/v1/segments/preview',
        {
          rule: JSON.parse(ruleText!) as BodyOf<'/api/v1/segments/preview'>['rule'],
          sampleSize: SAMPLE_SIZE,
        },
        signal,
      ),
    enabled: ruleText !== null,
    placeholderData: keepPreviousData,
    staleTime: 30_000,
    retry: false,
  });
}

export function useCreateSegment() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: BodyOf<'/api/v1/segments'>) => apiPost('/api/v1/segments', body),
    onSuccess: (segment) => {
      client.setQueryData(['segment', segment.id], segment);
      return client.invalidateQueries({ queryKey: ['segments'] });
    },
  });
}

export function useUpdateSegment(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: BodyOf<'/api/v1/segments/{id}', 'patch'>) =>
      apiPatch('/api/v1/segments/{id}', { id }, body),
    onSuccess: (segment) => {
      client.setQueryData(['segment', id], segment);
      void client.invalidateQueries({ queryKey: ['segment-members', id] });
      return client.invalidateQueries({ queryKey: ['segments'] });
    },
  });
}

export function useDeleteSegment(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => apiDelete('/api/v1/segments/{id}', { id }),
    onSuccess: () => {
      client.removeQueries({ queryKey: ['segment', id] });
      return client.invalidateQueries({ queryKey: ['segments'] });
    },
  });
}

/** One page of members after `cursor` (the previous page stays on screen while the next loads). */
export function useSegmentMembers(id: string, cursor: string | null) {
  return useQuery({
    queryKey: ['segment-members', id, cursor],
    queryFn: ({ signal }) =>
      apiGetAt('/api/v1/segments/{id}/members', { id }, signal, {
        limit: MEMBERS_PAGE_SIZE,
        ...(cursor === null ? {} : { cursor }),
      }),
    placeholderData: keepPreviousData,
  });
}
