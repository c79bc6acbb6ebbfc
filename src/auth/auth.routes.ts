/**
 * `POST /auth/login`, `POST /auth/logout`, `GET /auth/me` (mounted under `/api/v1`). Thin: the
 * rules are in auth.service.ts, the cookie in session-cookie.ts.
 */
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { notFound, RetainError } from '../errors/index.js';
import {
  type AppEnv,
  AUTHENTICATED_ERRORS,
  authenticatedErrors,
  CSRF_REFUSED,
  clientAddress,
  createRouter,
  describeErrors,
  JSON_BODY_ERRORS,
} from '../http/index.js';
import { getWorkspace } from '../workspaces/workspace.repository.js';
import { getApiKey } from './api-key.repository.js';
import { login, logout, switchableWorkspaces, switchWorkspace } from './auth.service.js';
import { LoginThrottle, type LoginThrottleOptions } from './login-throttle.js';
import { ROLES } from './roles.js';
import { clearSessionCookie, readSessionToken, setSessionCookie } from './session-cookie.js';
import { getUser } from './user.repository.js';

const userSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    role: z.enum(ROLES as [string, ...string[]]),
  })
  .openapi('User');

const workspaceSummarySchema = z
  .object({ id: z.string(), name: z.string(), slug: z.string() })
  .openapi('WorkspaceSummary');

const loginRoute = createRoute({
  method: 'post',
  path: '/auth/login',
  operationId: 'login',
  tags: ['Authentication'],
  summary: 'Log in with an e-mail and a password',
  description:
    'Sets the HttpOnly `retain_session` cookie and returns the CSRF token that unsafe requests made with that cookie must send in `X-CSRF-Token`.',
  security: [],
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            workspace: z.string().min(1).max(200).openapi({ description: 'The workspace slug or id' }),
            email: z.string().min(1).max(320),
            password: z.string().min(1).max(1024),
          }),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'Logged in',
      content: {
        'application/json': {
          schema: z.object({ user: userSchema, workspace: workspaceSummarySchema, csrfToken: z.string() }),
        },
      },
    },
    ...describeErrors({
      400: AUTHENTICATED_ERRORS[400],
      401: 'Wrong workspace, e-mail or password.',
      ...JSON_BODY_ERRORS,
      429: 'Too many wrong passwords for this account or from this address, or too many requests from this address: retry after `Retry-After` seconds (docs/operations.md, "Limits").',
      503: AUTHENTICATED_ERRORS[503],
    }),
  },
});

const logoutRoute = createRoute({
  method: 'post',
  path: '/auth/logout',
  operationId: 'logout',
  tags: ['Authentication'],
  summary: 'End the current session',
  responses: {
    204: { description: 'Logged out (the cookie is cleared)' },
    ...authenticatedErrors({ 403: `Refused: ${CSRF_REFUSED}.` }),
  },
});

const switchableSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    slug: z.string(),
    role: z.enum(ROLES as [string, ...string[]]),
    current: z.boolean(),
  })
  .openapi('SwitchableWorkspace');

const switchRoute = createRoute({
  method: 'post',
  path: '/auth/switch',
  operationId: 'switchWorkspace',
  tags: ['Authentication'],
  summary: 'Move the session to another workspace of the same person, without a password',
  description:
    'Only into a workspace listed in `GET /auth/me` → `workspaces`: one where the login’s password opened an enabled account with the same e-mail. The session keeps its cookie and its login’s 90-day limit; its CSRF token changes (returned here), so a page holding the old one cannot write into the new workspace.',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.object({
            workspace: z.string().min(1).max(200).openapi({ description: 'The workspace slug or id' }),
          }),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'Switched',
      content: {
        'application/json': {
          schema: z.object({ user: userSchema, workspace: workspaceSummarySchema, csrfToken: z.string() }),
        },
      },
    },
    ...authenticatedErrors({
      403: `An API key (it has one workspace), a workspace this login did not open (unknown, another person’s, or the account there is removed), or ${CSRF_REFUSED}.`,
      ...JSON_BODY_ERRORS,
    }),
  },
});

const meRoute = createRoute({
  method: 'get',
  path: '/auth/me',
  operationId: 'getCurrentCaller',
  tags: ['Authentication'],
  summary: 'Who is calling',
  responses: {
    200: {
      description: 'The caller',
      content: {
        'application/json': {
          schema: z.object({
            via: z.enum(['session', 'api_key']),
            role: z.enum(ROLES as [string, ...string[]]),
            workspace: workspaceSummarySchema,
            user: userSchema.nullable(),
            apiKey: z.object({ id: z.string(), name: z.string(), prefix: z.string() }).nullable(),
            csrfToken: z.string().nullable(),
            workspaces: z.array(switchableSchema).openapi({
              description:
                'The workspaces this session may switch to (`POST /auth/switch`), the current one included; empty for an API key',
            }),
          }),
        },
      },
    },
    ...authenticatedErrors(),
  },
});

function clientIp(c: Context<AppEnv>): string | null {
  // Informational only (shown in a session list); never used for a security decision.
  return c.req.header('X-Forwarded-For')?.split(',')[0]?.trim().slice(0, 64) ?? null;
}

export interface AuthRoutesOptions {
  /** Limits on wrong passwords per account and per address (`login-throttle.ts`); `false` turns them off. */
  readonly loginThrottle?: LoginThrottleOptions | false;
  /** Trust `X-Forwarded-For` for the client's address (only behind your own proxy). */
  readonly trustProxy?: boolean;
}

/** The authentication routes; mount under `/api/v1`. */
export function authRoutes(options: AuthRoutesOptions = {}) {
  const router = createRouter();
  const throttle = options.loginThrottle === false ? null : new LoginThrottle(options.loginThrottle);

  router.openapi(loginRoute, async (c) => {
    const body = c.req.valid('json');
    const now = c.get('services').now();
    const attempt = {
      workspace: body.workspace,
      email: body.email,
      address: clientAddress(c, options.trustProxy ?? false),
    };
    const waitMs = throttle?.waitBefore(attempt, now) ?? 0;
    if (waitMs > 0) {
      c.header('Retry-After', String(Math.max(1, Math.ceil(waitMs / 1000))));
      throw new RetainError(
        'rate_limited',
        'Too many wrong passwords for this account or from this address; retry after the time in Retry-After.',
      );
    }
    let result: Awaited<ReturnType<typeof login>>;
    try {
      result = await login(c.get('services').db, {
        ...body,
        now,
        ip: clientIp(c),
        userAgent: c.req.header('User-Agent') ?? null,
      });
    } catch (error) {
      if (error instanceof RetainError && error.code === 'unauthenticated')
        throttle?.recordFailure(attempt, now);
      throw error;
    }
    throttle?.recordSuccess(attempt, now);
    setSessionCookie(c, result.token, result.expiresAt, now);
    return c.json(
      {
        user: {
          id: String(result.user.id),
          email: result.user.email,
          name: result.user.name,
          role: result.user.role,
        },
        workspace: {
          id: String(result.workspace.id),
          name: result.workspace.name,
          slug: result.workspace.slug,
        },
        csrfToken: result.csrfToken,
      },
      200,
    );
  });

  router.openapi(logoutRoute, async (c) => {
    const auth = c.get('auth');
    const token = readSessionToken(c);
    if (auth.via === 'session' && token !== undefined) {
      await logout(c.get('services').db, auth.workspaceId, token);
      clearSessionCookie(c);
    }
    return c.body(null, 204);
  });

  router.openapi(switchRoute, async (c) => {
    const auth = c.get('auth');
    const token = readSessionToken(c);
    if (auth.via !== 'session' || token === undefined) {
      throw new RetainError('forbidden', 'Only a logged-in person switches workspaces; an API key has one.');
    }
    const now = c.get('services').now();
    const result = await switchWorkspace(c.get('services').db, {
      token,
      workspace: c.req.valid('json').workspace,
      now,
      ip: clientIp(c),
      userAgent: c.req.header('User-Agent') ?? null,
    });
    // The same token, with the expiry of the session in its new workspace.
    c.header('Set-Cookie', undefined);
    setSessionCookie(c, result.token, result.expiresAt, now);
    return c.json(
      {
        user: {
          id: String(result.user.id),
          email: result.user.email,
          name: result.user.name,
          role: result.user.role,
        },
        workspace: {
          id: String(result.workspace.id),
          name: result.workspace.name,
          slug: result.workspace.slug,
        },
        csrfToken: result.csrfToken,
      },
      200,
    );
  });

  router.openapi(meRoute, async (c) => {
    const auth = c.get('auth');
    const { db } = c.get('services');
    const token = auth.via === 'session' ? readSessionToken(c) : undefined;
    const grants = token === undefined ? [] : await switchableWorkspaces(db, token, c.get('services').now());
    const workspace = await getWorkspace(db, auth.workspaceId);
    if (workspace === undefined) throw notFound('Workspace');
    const user = auth.userId === null ? undefined : await getUser(db, auth.workspaceId, auth.userId);
    const apiKey = auth.apiKeyId === null ? undefined : await getApiKey(db, auth.workspaceId, auth.apiKeyId);
    return c.json(
      {
        via: auth.via,
        role: auth.role,
        workspace: { id: String(workspace.id), name: workspace.name, slug: workspace.slug },
        user:
          user === undefined
            ? null
            : { id: String(user.id), email: user.email, name: user.name, role: user.role },
        apiKey:
          apiKey === undefined ? null : { id: String(apiKey.id), name: apiKey.name, prefix: apiKey.prefix },
        csrfToken: auth.csrfToken ?? null,
        // A session opened before migration 005 has no grants: it still lists its own workspace.
        workspaces: (grants.some((grant) => grant.workspaceId === auth.workspaceId) || auth.via !== 'session'
          ? grants
          : [
              {
                workspaceId: workspace.id,
                workspaceName: workspace.name,
                workspaceSlug: workspace.slug,
                role: auth.role,
              },
              ...grants,
            ]
        ).map((grant) => ({
          id: String(grant.workspaceId),
          name: grant.workspaceName,
          slug: grant.workspaceSlug,
          role: grant.role,
          current: grant.workspaceId === auth.workspaceId,
        })),
      },
      200,
    );
  });

  return router;
}
