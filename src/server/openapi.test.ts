/**
 * The API document says what the routes do (issue 10, "The API document"): every operation has a
 * stable camelCase operationId, and its documented error statuses are exactly those the probes
 * below get from it — each documented status is really given, and a status every route of a kind
 * gives (401 for authenticated routes, 413/415 for routes with a body, 429, 503…) is documented.
 * The probes are real requests through the real app (`app.request()`), one kind per status.
 */
import type { Kysely } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiWorkspace } from '../../test/customers/api.js';
import { describeEachDatabase } from '../../test/support/databases.js';
import { createUser, ROLES, type Role } from '../auth/index.js';
import { type Database, type DatabaseConnection, openDatabase, toJson } from '../db/index.js';
import { buildApp } from './app.js';

const NOW = Date.UTC(2026, 0, 1);
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

interface Operation {
  readonly method: (typeof METHODS)[number];
  readonly path: string;
  readonly operationId?: string;
  /** `[]` on a public route; absent: the document's (authenticated). */
  readonly security?: readonly unknown[];
  readonly requestBody?: unknown;
  readonly parameters?: readonly {
    name: string;
    in: string;
    required?: boolean;
    schema?: { example?: unknown };
  }[];
  readonly responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
}

/** The operations of the app's document. */
async function operationsOf(app: { request(path: string): Response | Promise<Response> }) {
  const document = (await (await app.request('/api/openapi.json')).json()) as {
    paths: Record<string, Partial<Record<Operation['method'], Omit<Operation, 'method' | 'path'>>>>;
  };
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => (item[method] ? [{ method, path, ...item[method] } as Operation] : [])),
  );
}

const name = (operation: Operation) => `${operation.method.toUpperCase()} ${operation.path}`;
const isTracking = (operation: Operation) => operation.path.startsWith('/v1/');
const isAuthenticated = (operation: Operation) => operation.security?.length !== 0;
const isUnsafe = (operation: Operation) => operation.method !== 'get';
/** A path to call: unknown ids in every path parameter. */
const pathOf = (operation: Operation) => operation.path.replaceAll(/\{[^}]+\}/g, '999999999');
/** `pathOf` with each required query parameter set to its documented example: valid up to the store. */
const validPathOf = (operation: Operation) => {
  const query = new URLSearchParams();
  for (const parameter of operation.parameters ?? []) {
    if (parameter.in === 'query' && parameter.required)
      query.set(parameter.name, String(parameter.schema?.example));
  }
  const text = query.toString();
  return text === '' ? pathOf(operation) : `${pathOf(operation)}?${text}`;
};
const errorStatuses = (operation: Operation) =>
  Object.keys(operation.responses)
    .map(Number)
    .filter((status) => status >= 400)
    .sort();

/** A body every route reads past validation to its store: login's fields; `{}` for the others. */
function validBody(operation: Operation): RequestInit {
  if (operation.requestBody === undefined) return {};
  const body = operation.path.endsWith('/auth/login')
    ? { workspace: 'shop', email: 'ann@example.com', password: 'a password' }
    : {};
  return { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
}

/** A valid body for the operations whose 404 probe must get past body validation. */
const NOT_FOUND_BODIES: Readonly<Record<string, unknown>> = {
  'POST /api/v1/flows/{id}/steps/{stepId}/test': { customerId: '1', to: 'probe@example.com' },
};

/** The query of the operations whose 404 is about a query parameter (no id in the path). */
const NOT_FOUND_QUERIES: Readonly<Record<string, string>> = {
  'GET /api/v1/feedback/report': '?segmentId=999999',
};

/**
 * How to get a 409 from each operation that documents one: a conflict is about the store's
 * content, so each such operation has its own request (an operation documenting 409 without one
 * here fails the test below).
 */
const CONFLICT_PROBES: Readonly<
  Record<
    string,
    (context: {
      readonly db: Kysely<Database>;
      readonly app: { request(path: string, init?: RequestInit): Response | Promise<Response> };
      readonly workspaceId: number;
      readonly headers: Record<string, string>;
    }) => Promise<Response>
  >
> = {
  // A survey name the workspace already uses.
  'POST /api/v1/feedback/surveys': async ({ app, headers }) => {
    const create = () =>
      app.request('/api/v1/feedback/surveys', {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'Conflict probe', kind: 'csat' }),
      });
    await create();
    return create();
  },
  // A survey sent to a customer whose personal data was erased.
  'POST /api/v1/feedback/surveys/{id}/sends': async ({ db, app, workspaceId, headers }) => {
    const json = { ...headers, 'Content-Type': 'application/json' };
    const survey = (await (
      await app.request('/api/v1/feedback/surveys', {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ name: 'Send probe', kind: 'nps' }),
      })
    ).json()) as { id: string };
    const customer = await db
      .insertInto('customer')
      .values({
        workspace_id: workspaceId,
        external_id: 'conflict-probe',
        attributes: toJson({}),
        created_at: NOW,
        updated_at: NOW,
        erased_at: NOW,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return app.request(`/api/v1/feedback/surveys/${survey.id}/sends`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ customerId: String(customer.id) }),
    });
  },
};

describe('the OpenAPI document', () => {
  it('names every operation with a unique camelCase operationId', async () => {
    const operations = await operationsOf(buildApp({ db: null as never, dialect: 'sqlite', now: () => NOW }));
    expect(operations.length).toBeGreaterThan(30);
    const ids = operations.map((operation) => operation.operationId);
    expect(
      operations.filter((operation) => !/^[a-z][a-zA-Z0-9]*$/.test(operation.operationId ?? '')),
    ).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    // Stable: clients generated from the document call these names.
    expect(
      Object.fromEntries(
        operations
          .filter((operation) => ['/api/v1/customers', '/api/v1/customers/{id}'].includes(operation.path))
          .map((operation) => [name(operation), operation.operationId]),
      ),
    ).toEqual({ 'GET /api/v1/customers': 'listCustomers', 'GET /api/v1/customers/{id}': 'getCustomer' });
  });
});

describeEachDatabase('each documented error status, given for real', (getDb) => {
  /** A store nothing listens for (port 1 on the loopback): every query fails to connect. */
  let unreachable: DatabaseConnection;
  beforeAll(() => {
    unreachable = openDatabase('postgres://postgres@127.0.0.1:1/test');
  });
  afterAll(() => unreachable.close());
  // The server logs each store failure; the probes make dozens on purpose.
  beforeEach(() => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('each operation answers exactly the error statuses it documents, each with the ApiError body', async () => {
    const { db, dialect } = getDb();
    const api = await apiWorkspace({ db, dialect }, NOW);
    const operations = await operationsOf(api.app);
    const bearer = (role: Role) => ({ Authorization: `Bearer ${api.keys[role]}` });
    const writeKey = { Authorization: `Basic ${Buffer.from(`${api.writeKey}:`).toString('base64')}` };
    const cookie = await sessionCookie(db, api.app, api.workspaceId);

    // Behind an unreachable store; bodies over 1 KB refused; one request a minute per caller.
    const deadStore = { db: unreachable.db, dialect: 'postgres' as const, now: () => NOW };
    const small = buildApp(deadStore, {
      rateLimit: false,
      trackingRateLimit: false,
      maxBodyBytes: 1024,
      maxUploadBytes: 1024,
    });
    const throttled = buildApp(deadStore, {
      rateLimit: { requestsPerMinute: 1, burst: 1 },
      trackingRateLimit: { requestsPerMinute: 1, burst: 1 },
    });
    await throttled.request('/api/v1/auth/me'); // takes the one token of /api/v1 (this caller: no key)
    await throttled.request('/v1/track', { method: 'POST' }); // and of /v1

    /** One probe a status: whether it applies to an operation, and the request that gets the status. */
    const probes: {
      readonly status: number;
      readonly applies: (operation: Operation) => boolean;
      readonly send: (operation: Operation, method: string) => Response | Promise<Response>;
    }[] = [
      {
        // Input no store keeps (http/hostile-input.ts) on /api/v1; a body that is no JSON on /v1.
        status: 400,
        applies: () => true,
        send: (operation, method) =>
          isTracking(operation)
            ? small.request(pathOf(operation), {
                method,
                headers: { 'Content-Type': 'application/json' },
                body: '{',
              })
            : small.request(`${pathOf(operation)}?probe=%00`, { method }),
      },
      {
        status: 401, // no credentials
        applies: isAuthenticated,
        send: (operation, method) => small.request(pathOf(operation), { method, ...validBody(operation) }),
      },
      {
        status: 401, // login: a wrong password
        applies: (operation) => operation.path.endsWith('/auth/login'),
        send: (operation, method) => api.app.request(pathOf(operation), { method, ...validBody(operation) }),
      },
      {
        // A session cookie without its CSRF token on an unsafe method.
        status: 403,
        applies: (operation) => isAuthenticated(operation) && isUnsafe(operation) && !isTracking(operation),
        send: (operation, method) =>
          api.app.request(pathOf(operation), { method, headers: { Cookie: cookie } }),
      },
      {
        // A role the route refuses: where documented, some role's key is refused.
        status: 403,
        applies: (operation) => !isUnsafe(operation) && errorStatuses(operation).includes(403),
        send: async (operation, method) => {
          let response: Response | undefined;
          for (const role of ROLES) {
            response = await api.app.request(pathOf(operation), { method, headers: bearer(role) });
            if (response.status === 403) break;
          }
          return response!;
        },
      },
      {
        // An unknown id, or analytics of a workspace with no data: where documented (with a body
        // the route accepts, where it requires one, so that only the id is wrong).
        status: 404,
        applies: (operation) => errorStatuses(operation).includes(404),
        send: (operation, method) => {
          const body = NOT_FOUND_BODIES[name(operation)];
          return api.app.request(`${validPathOf(operation)}${NOT_FOUND_QUERIES[name(operation)] ?? ''}`, {
            method,
            headers:
              body === undefined
                ? bearer('owner')
                : { ...bearer('owner'), 'Content-Type': 'application/json' },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          });
        },
      },
      {
        // A conflict with what the store holds: each operation's own request (CONFLICT_PROBES).
        status: 409,
        applies: (operation) => errorStatuses(operation).includes(409),
        send: (operation) => {
          const probe = CONFLICT_PROBES[name(operation)];
          return probe === undefined
            ? new Response(null, { status: 599 })
            : probe({ db, app: api.app, workspaceId: api.workspaceId, headers: bearer('owner') });
        },
      },
      {
        // A body over the limit, its length declared as clients do (`app.request` does not add
        // it): the upload route streams its body to disk only once the caller is authenticated,
        // so before that it can refuse a declared length, not count an undeclared one.
        status: 413,
        applies: (operation) => operation.requestBody !== undefined,
        send: (operation, method) => {
          const body = JSON.stringify({ text: 'x'.repeat(2048) });
          return small.request(pathOf(operation), {
            method,
            headers: { 'Content-Type': 'application/json', 'Content-Length': String(body.length) },
            body,
          });
        },
      },
      {
        status: 415, // a body of another type
        applies: (operation) => operation.requestBody !== undefined,
        send: (operation, method) =>
          api.app.request(pathOf(operation), {
            method,
            headers: {
              ...(isTracking(operation) ? writeKey : bearer('owner')),
              'Content-Type': 'application/xml',
            },
            body: '<probe/>',
          }),
      },
      {
        status: 429, // over the rate limit
        applies: () => true,
        send: (operation, method) =>
          throttled.request(pathOf(operation), { method, ...validBody(operation) }),
      },
      {
        status: 503, // the store cannot be reached
        applies: () => true,
        send: (operation, method) => {
          const init = validBody(operation);
          const credentials = isTracking(operation)
            ? writeKey
            : isAuthenticated(operation)
              ? bearer('owner')
              : {};
          return small.request(pathOf(operation), {
            ...init,
            method,
            headers: { ...credentials, ...(init.headers as Record<string, string> | undefined) },
          });
        },
      },
    ];

    const answered: Record<string, string[]> = {};
    const documented: Record<string, string[]> = {};
    const wrongBodies: string[] = [];
    for (const operation of operations) {
      const method = operation.method.toUpperCase();
      documented[name(operation)] = errorStatuses(operation).map(String);
      const statuses = new Set<string>();
      for (const probe of probes.filter((candidate) => candidate.applies(operation))) {
        const response = await probe.send(operation, method);
        if (response.status !== probe.status) {
          statuses.add(`${probe.status} probe got ${response.status}`);
          continue;
        }
        statuses.add(String(probe.status));
        const body = (await response.json()) as { error?: { code?: unknown; message?: unknown } };
        if (typeof body.error?.code !== 'string' || typeof body.error.message !== 'string') {
          wrongBodies.push(`${name(operation)} ${probe.status}`);
        }
      }
      answered[name(operation)] = [...statuses].sort();
      for (const status of errorStatuses(operation)) {
        const schema = operation.responses[status]?.content?.['application/json']?.schema;
        if (schema?.$ref !== '#/components/schemas/ApiError')
          wrongBodies.push(`${name(operation)} ${status} doc`);
      }
    }
    expect(answered).toEqual(documented);
    expect(wrongBodies).toEqual([]);
  });
});

/** A session cookie of a new owner of `workspaceId`, logged in through the app. */
async function sessionCookie(
  db: Kysely<Database>,
  app: { request(path: string, init: RequestInit): Response | Promise<Response> },
  workspaceId: number,
): Promise<string> {
  const email = `owner.${workspaceId}@example.com`;
  await createUser(db, {
    workspaceId,
    email,
    role: 'owner',
    password: 'correct horse battery',
    actor: { type: 'system' },
    now: NOW,
  });
  const response = await app.request('/api/v1/auth/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ workspace: String(workspaceId), email, password: 'correct horse battery' }),
  });
  const token = /retain_session=([^;]*)/.exec(response.headers.get('set-cookie') ?? '')?.[1];
  if (token === undefined) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  return `retain_session=${token}`;
}
