/**
 * The Settings page's calls: the workspace's settings and write key, its members and its API keys
 * (owners and admins only, as the API checks). Each change refreshes the list it touched.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiDelete, apiGet, apiPatch, apiPost, type ResponseOf, type Workspace } from '../../api';

export type Member = ResponseOf<'/api/v1/users'>['users'][number];
export type ApiKey = ResponseOf<'/api/v1/api-keys'>['apiKeys'][number];
export type SettingsChange = Partial<Workspace['settings']>;
export type NewMember = { email: string; name: string | null; role: Member['role']; password: string };
export type MemberChange = { role?: Member['role']; disabled?: boolean };

const WORKSPACE = ['workspace'] as const;
const MEMBERS = ['users'] as const;
const API_KEYS = ['api-keys'] as const;

export function useSaveSettings() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (settings: SettingsChange) => apiPatch('/api/v1/workspace', {}, { settings }),
    onSuccess: (workspace) => {
      client.setQueryData(WORKSPACE, workspace);
      // Periods, currency and windows changed: every computed number is stale.
      client.removeQueries({
        predicate: (query) =>
          !['session', 'workspace', 'users', 'api-keys'].includes(String(query.queryKey[0])),
      });
    },
  });
}

export function useReplaceWriteKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => apiPost('/api/v1/workspace/write-key'),
    onSuccess: (answer) => client.setQueryData(WORKSPACE, answer.workspace),
  });
}

export function useMembers() {
  return useQuery({ queryKey: MEMBERS, queryFn: ({ signal }) => apiGet('/api/v1/users', undefined, signal) });
}

export function useAddMember() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (member: NewMember) => apiPost('/api/v1/users', member),
    onSuccess: () => client.invalidateQueries({ queryKey: MEMBERS }),
  });
}

export function useChangeMember() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, change }: { id: string; change: MemberChange }) =>
      apiPatch('/api/v1/users/{id}', { id }, change),
    onSettled: () => client.invalidateQueries({ queryKey: MEMBERS }),
  });
}

export function useRemoveMember() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiDelete('/api/v1/users/{id}', { id }),
    onSettled: () => client.invalidateQueries({ queryKey: MEMBERS }),
  });
}

export function useApiKeys() {
  return useQuery({
    queryKey: API_KEYS,
    queryFn: ({ signal }) => apiGet('/api/v1/api-keys', undefined, signal),
  });
}

export function useCreateApiKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (key: { name: string; role: ApiKey['role'] }) => apiPost('/api/v1/api-keys', key),
    onSuccess: () => client.invalidateQueries({ queryKey: API_KEYS }),
  });
}

export function useRevokeApiKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiDelete('/api/v1/api-keys/{id}', { id }),
    onSettled: () => client.invalidateQueries({ queryKey: API_KEYS }),
  });
}
