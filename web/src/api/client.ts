/**
 * The typed HTTP client: the only code of the dashboard that calls `fetch`. Paths, query
 * parameters, bodies and answers are typed by `openapi.gen.ts`, generated from the server's OpenAPI
 * document. The session is the HttpOnly cookie the login sets; unsafe requests carry the CSRF token
 * the login (or `GET /auth/me` after a reload) returned, as docs/api.md requires.
 */
import type { Paths } from './openapi.gen';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type PathsWith<M extends Method> = { [P in keyof Paths]: M extends keyof Paths[P] ? P : never }[keyof Paths];
type Operation<P extends keyof Paths, M extends Method> = M extends keyof Paths[P] ? Paths[P][M] : never;
export type QueryOf<P extends keyof Paths, M extends Method = 'get'> =
  Operation<P, M> extends {
    query: infer Query;
  }
    ? Query
    : never;
export type BodyOf<P extends keyof Paths, M extends Method = 'post'> =
  Operation<P, M> extends {
    body: infer Body;
  }
    ? Body
    : never;
export type ResponseOf<P extends keyof Paths, M extends Method = 'get'> =
  Operation<P, M> extends {
    response: infer Response;
  }
    ? Response
    : never;

/** An answer other than 2xx: the API's `{ error: { code, message, issues? } }`, or a network failure. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly issues: readonly { path?: readonly (string | number)[]; message: string }[];
  /** Seconds to wait before retrying (429, 503), when the server said. */
  readonly retryAfter: number | null;

  constructor(
    status: number,
    code: string,
    message: string,
    issues: ApiError['issues'] = [],
    retryAfter: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.issues = issues;
    this.retryAfter = retryAfter;
  }
}

let csrfToken: string | null = null;

/** Remembers the session's CSRF token (kept in memory only, never in storage). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** `path` with each `{name}` replaced by `params[name]`, encoded: `/users/{id}` → `/users/42`. */
export function fillPath(path: string, params: Readonly<Record<string, string>>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
}

function url(path: string, query?: Readonly<Record<string, string | number | undefined>>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined) search.set(name, String(value));
  }
  const text = search.toString();
  return text === '' ? path : `${path}?${text}`;
}

async function request(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  target: string,
  body?: unknown,
  signal?: AbortSignal,
  extraHeaders: Readonly<Record<string, string>> = {},
  received?: (headers: Headers) => void,
) {
  const headers: Record<string, string> = { ...extraHeaders, Accept: 'application/json' };
  // A FormData body is sent as multipart by the browser, files streamed from disk.
  const form = body instanceof FormData;
  if (body !== undefined && !form) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrfToken !== null) headers['X-CSRF-Token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(target, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: form ? body : JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError(0, 'network', (error as Error).message);
  }
  received?.(response.headers);
  if (response.status === 204) return null;
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    parsed = null;
  }
  if (!response.ok) {
    const error = (
      parsed as { error?: { code?: string; message?: string; issues?: ApiError['issues'] } } | null
    )?.error;
    const retryAfter = Number(response.headers.get('Retry-After'));
    throw new ApiError(
      response.status,
      error?.code ?? 'error',
      error?.message ?? response.statusText,
      error?.issues ?? [],
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
    );
  }
  return parsed;
}

/** `GET path?query`, answered with the path's success type. */
export async function apiGet<P extends PathsWith<'get'>>(
  path: P,
  query?: QueryOf<P>,
  signal?: AbortSignal,
): Promise<ResponseOf<P>> {
  return (await request(
    'GET',
    url(path, query as Record<string, string>),
    undefined,
    signal,
  )) as ResponseOf<P>;
}

/**
 * `GET path?query` with its `{name}`s filled from `params`:
 * `apiGetAt('/api/v1/imports/{id}', { id })`.
 */
export async function apiGetAt<P extends PathsWith<'get'>>(
  path: P,
  params: Readonly<Record<string, string>>,
  signal?: AbortSignal,
  query?: QueryOf<P>,
): Promise<ResponseOf<P>> {
  return (await request(
    'GET',
    url(fillPath(path, params), query as Record<string, string>),
    undefined,
    signal,
  )) as ResponseOf<P>;
}

/**
 * `GET path?query` with request `headers`, answered with the path's success type and the response's
 * headers (e.g. `Cache-Control: max-stale` asked, `Retain-Stale` read back).
 */
export async function apiGetWithHeaders<P extends PathsWith<'get'>>(
  path: P,
  query: QueryOf<P> | undefined,
  options: { readonly headers: Readonly<Record<string, string>>; readonly signal?: AbortSignal },
): Promise<{ readonly body: ResponseOf<P>; readonly headers: Headers }> {
  let headers = new Headers();
  const body = (await request(
    'GET',
    url(path, query as Record<string, string>),
    undefined,
    options.signal,
    options.headers,
    (received) => {
      headers = received;
    },
  )) as ResponseOf<P>;
  return { body, headers };
}

/** `POST path` with a JSON body (and the CSRF token), answered with the path's success type. */
export async function apiPost<P extends PathsWith<'post'>>(
  path: P,
  ...body: BodyOf<P> extends never ? [] : [BodyOf<P>]
): Promise<ResponseOf<P, 'post'>> {
  return (await request('POST', path, body[0])) as ResponseOf<P, 'post'>;
}

/**
 * `POST path` with a JSON body that `signal` may abort (a newer request replaces it: the segment
 * editor's live count).
 */
export async function apiPostCancellable<P extends PathsWith<'post'>>(
  path: P,
  body: BodyOf<P>,
  signal?: AbortSignal,
): Promise<ResponseOf<P, 'post'>> {
  return (await request('POST', path, body, signal)) as ResponseOf<P, 'post'>;
}

/** `POST path` (its `{name}`s filled from `params`) with a JSON body and the CSRF token. */
export async function apiPostAt<P extends PathsWith<'post'>>(
  path: P,
  params: Readonly<Record<string, string>>,
  body: BodyOf<P>,
): Promise<ResponseOf<P, 'post'>> {
  return (await request('POST', fillPath(path, params), body)) as ResponseOf<P, 'post'>;
}

/** `PUT path` (a whole document replaced) with a JSON body and the CSRF token. */
export async function apiPut<P extends PathsWith<'put'>>(
  path: P,
  body: BodyOf<P, 'put'>,
): Promise<ResponseOf<P, 'put'>> {
  return (await request('PUT', path, body)) as ResponseOf<P, 'put'>;
}

/** `PATCH path` (its `{name}`s filled from `params`) with a JSON body and the CSRF token. */
export async function apiPatch<P extends PathsWith<'patch'>>(
  path: P,
  params: Readonly<Record<string, string>>,
  body: BodyOf<P, 'patch'>,
): Promise<ResponseOf<P, 'patch'>> {
  return (await request('PATCH', fillPath(path, params), body)) as ResponseOf<P, 'patch'>;
}

/** `DELETE path` (its `{name}`s filled from `params`) with the CSRF token. */
export async function apiDelete<P extends PathsWith<'delete'>>(
  path: P,
  params: Readonly<Record<string, string>>,
): Promise<ResponseOf<P, 'delete'>> {
  return (await request('DELETE', fillPath(path, params))) as ResponseOf<P, 'delete'>;
}

/** `POST path` with a multipart body (files streamed by the browser, not read into memory). */
export async function apiPostForm<P extends PathsWith<'post'>>(
  path: P,
  form: FormData,
  signal?: AbortSignal,
): Promise<ResponseOf<P, 'post'>> {
  return (await request('POST', path, form, signal)) as ResponseOf<P, 'post'>;
}
