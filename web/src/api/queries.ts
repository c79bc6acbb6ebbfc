/**
 * The query hooks the pages use (TanStack Query: caching, loading and error states), over the typed
 * client. The session is a query too: `null` when logged out, so the app shows the login page.
 */
import {
  keepPreviousData,
  MutationCache,
  QueryCache,
  QueryClient,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import {
  ApiError,
  apiGet,
  apiGetWithHeaders,
  apiPost,
  type QueryOf,
  type ResponseOf,
  setCsrfToken,
} from './client';

export type Session = ResponseOf<'/api/v1/auth/me'>;
export type Role = Session['role'];
export type Overview = ResponseOf<'/api/v1/analytics/overview'>;
export type OverviewQuery = QueryOf<'/api/v1/analytics/overview'>;
export type Workspace = ResponseOf<'/api/v1/workspace'>;

const SESSION_KEY = ['session'] as const;

/**
 * Whether this browser logged in and has not logged out since. The session cookie is HttpOnly, so
 * the page cannot see it; without this hint every first visit would ask `GET /auth/me` only to be
 * answered 401 (an error in the browser's console). A stale hint costs one 401 and is then cleared.
 */
const SESSION_HINT = 'retain.session';

function hasSessionHint(): boolean {
  try {
    return localStorage.getItem(SESSION_HINT) === '1';
  } catch {
    return true; // storage disabled: ask the server
  }
}

function setSessionHint(present: boolean): void {
  try {
    if (present) localStorage.setItem(SESSION_HINT, '1');
    else localStorage.removeItem(SESSION_HINT);
  } catch {
    // storage disabled: the server is asked on each load
  }
}

/** The app's query client: a 401 anywhere means the session ended, so it is cleared (→ login). */
export function createQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError: (error) => sessionEnded(error) }),
    mutationCache: new MutationCache({ onError: (error) => sessionEnded(error) }),
    defaultOptions: {
      queries: {
        staleTime: 60_000,
        refetchOnWindowFocus: false,
        // Retry only what may pass next time (network, 5xx), not 4xx answers.
        retry: (failures, error) =>
          failures < 2 && error instanceof ApiError && (error.status === 0 || error.status >= 500),
      },
    },
  });
  function sessionEnded(error: unknown) {
    if (error instanceof ApiError && error.status === 401 && client.getQueryData(SESSION_KEY)) {
      setSessionHint(false);
      setCsrfToken(null);
      client.setQueryData(SESSION_KEY, null);
    }
  }
  return client;
}

/** Who is logged in, or `null` (a 401 from `GET /auth/me` is "logged out", not an error). */
export function useSession() {
  return useQuery({
    queryKey: SESSION_KEY,
    queryFn: async ({ signal }): Promise<Session | null> => {
      if (!hasSessionHint()) return null;
      try {
        const session = await apiGet('/api/v1/auth/me', undefined, signal);
        setCsrfToken(session.csrfToken);
        return session;
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) {
          setSessionHint(false);
          return null;
        }
        throw error;
      }
    },
    staleTime: Number.POSITIVE_INFINITY,
  });
}

export function useLogin() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (credentials: { workspace: string; email: string; password: string }) =>
      apiPost('/api/v1/auth/login', credentials),
    onSuccess: async (answer) => {
      setSessionHint(true);
      setCsrfToken(answer.csrfToken);
      client.removeQueries({ predicate: (query) => query.queryKey[0] !== SESSION_KEY[0] });
      await client.invalidateQueries({ queryKey: SESSION_KEY });
    },
  });
}

export function useLogout() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () => apiPost('/api/v1/auth/logout'),
    onSettled: () => {
      setSessionHint(false);
      setCsrfToken(null);
      client.removeQueries({ predicate: (query) => query.queryKey[0] !== SESSION_KEY[0] });
      client.setQueryData(SESSION_KEY, null);
    },
  });
}

/**
 * Moves the session to another of the person's workspaces (`POST /auth/switch`, no password): the
 * answer carries the new session's CSRF token, and every cached answer of the old workspace is
 * dropped before the session is read again.
 */
export function useSwitchWorkspace() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (workspace: string) => apiPost('/api/v1/auth/switch', { workspace }),
    onSuccess: async (answer) => {
      setCsrfToken(answer.csrfToken);
      client.removeQueries({ predicate: (query) => query.queryKey[0] !== SESSION_KEY[0] });
      await client.invalidateQueries({ queryKey: SESSION_KEY });
    },
  });
}

export function useWorkspace(enabled = true) {
  return useQuery({
    queryKey: ['workspace'],
    queryFn: ({ signal }) => apiGet('/api/v1/workspace', undefined, signal),
    enabled,
  });
}

/**
 * Whether the workspace holds any subscription (the header's Subscriptions link): one row of the
 * subscription list, not the whole overview, so a page other than the Overview costs nothing more.
 */
export function useHasSubscriptions(enabled = true) {
  return useQuery({
    queryKey: ['has-subscriptions'],
    queryFn: async ({ signal }) =>
      (await apiGet('/api/v1/subscriptions', { limit: 1 }, signal)).data.length > 0,
    enabled,
  });
}

/** The queries that do not read the workspace's customer data: an import leaves them be. */
const NOT_CUSTOMER_DATA = new Set<unknown>([SESSION_KEY[0], 'workspace', 'import-preview', 'import-run']);

/**
 * After the workspace's data changed (an import landed): every query that reads it is asked again
 * — at once by the pages on screen (the header's Subscriptions link among them), the
 * others when next shown — instead of keeping the answers from before for their `staleTime`.
 */
export function invalidateCustomerData(client: QueryClient): Promise<void> {
  return client.invalidateQueries({ predicate: (query) => !NOT_CUSTOMER_DATA.has(query.queryKey[0]) });
}

/** How soon to ask again for an overview the server answered stale (it is recomputing it). */
const STALE_OVERVIEW_REFETCH_MS = 10_000;

/**
 * The overview of a period; the previous answer stays on screen while another period loads. It
 * accepts the server's last answer even when the data changed since (`Cache-Control: max-stale`:
 * at once, with its "as of", rather than waiting for a recomputation), and asks again every few
 * seconds while the server says it is stale (`Retain-Stale`), until the fresh one is ready.
 * `enabled` false: not asked (a role without analytics).
 */
export function useOverview(query: OverviewQuery, enabled = true) {
  return useQuery({
    queryKey: ['overview', query],
    queryFn: async ({ signal }) => {
      const { body, headers } = await apiGetWithHeaders('/api/v1/analytics/overview', query, {
        headers: { 'Cache-Control': 'max-stale' },
        signal,
      });
      return { overview: body, stale: headers.get('Retain-Stale') === 'true' };
    },
    select: (answer) => answer.overview,
    placeholderData: keepPreviousData,
    enabled,
    refetchInterval: (current) => (current.state.data?.stale ? STALE_OVERVIEW_REFETCH_MS : false),
  });
}
