/**
 * The Flows pages' calls: the list, one flow, create, update a draft, activate, deactivate, and
 * the report (entries, e-mail counts, conversions and the uplift over the holdout).
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiGet, apiGetAt, apiPatch, apiPost, apiPostAt, type BodyOf } from '../../api';

export function useFlows() {
  return useQuery({
    queryKey: ['flows'],
    queryFn: ({ signal }) => apiGet('/api/v1/flows', undefined, signal),
  });
}

export function useFlow(id: string | null) {
  return useQuery({
    queryKey: ['flow', id],
    queryFn: ({ signal }) => apiGetAt('/api/v1/flows/{id}', { id: id! }, signal),
    enabled: id !== null,
  });
}

export function useFlowReport(id: string) {
  return useQuery({
    queryKey: ['flow-report', id],
    queryFn: ({ signal }) => apiGetAt('/api/v1/flows/{id}/report', { id }, signal),
    refetchInterval: 30_000,
  });
}

export function useCreateFlow() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: BodyOf<'/api/v1/flows'>) => apiPost('/api/v1/flows', body),
    onSuccess: (flow) => {
      client.setQueryData(['flow', flow.id], flow);
      return client.invalidateQueries({ queryKey: ['flows'] });
    },
  });
}

export function useUpdateFlow(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: BodyOf<'/api/v1/flows/{id}', 'patch'>) => apiPatch('/api/v1/flows/{id}', { id }, body),
    onSuccess: (flow) => {
      client.setQueryData(['flow', id], flow);
      return client.invalidateQueries({ queryKey: ['flows'] });
    },
  });
}

/** Activates or deactivates a flow. */
export function useFlowSwitch(id: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (on: boolean) =>
      on
        ? apiPostAt('/api/v1/flows/{id}/activate', { id }, undefined as never)
        : apiPostAt('/api/v1/flows/{id}/deactivate', { id }, undefined as never),
    onSuccess: (flow) => {
      client.setQueryData(['flow', id], flow);
      void client.invalidateQueries({ queryKey: ['flow-report', id] });
      return client.invalidateQueries({ queryKey: ['flows'] });
    },
  });
}
