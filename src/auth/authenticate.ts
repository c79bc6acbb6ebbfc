/**
 * The authentication middleware every `/api/v1` route sits behind. It accepts either
 *   - `Authorization: Bearer <api key>` (machines), or
 *   - the `retain_session` cookie (people), where unsafe methods (POST, PUT, PATCH, DELETE) must
 *     also carry the session's CSRF token in `X-CSRF-Token`,
 * sets `c.get('auth')`, and otherwise throws `RetainError('unauthenticated')` (401).
 */
import { createMiddleware } from 'hono/factory';
import { RetainError } from '../errors/index.js';
import type { AppEnv } from '../http/index.js';
import { authenticateApiKey, authenticateSession } from './auth.service.js';
import { constantTimeEqual } from './secrets.js';
import { clearSessionCookie, readSessionToken, setSessionCookie } from './session-cookie.js';

/** The header a cookie-authenticated unsafe request must echo the CSRF token in. */
export const CSRF_HEADER = 'X-CSRF-Token';

/** Routes reachable without credentials (exact paths). */
export const PUBLIC_PATHS: readonly string[] = ['/api/v1/auth/login'];

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const BEARER = /^Bearer\s+(\S+)\s*$/i;

export interface AuthenticateOptions {
  /** Exact request paths let through unauthenticated (default `PUBLIC_PATHS`). */
  readonly publicPaths?: readonly string[];
}

/**
 * Hono middleware: authenticates the caller and scopes the request to their workspace.
 *
 * A Bearer header wins over a cookie (a browser never adds one on its own, so such a request
 * needs no CSRF token). A cookie request with an unsafe method and a missing or wrong
 * `X-CSRF-Token` is `forbidden` (403). Cost per request: one indexed lookup by hash, plus a
 * write at most once an hour per session / once a minute per API key.
 *
 * Example: `app.use('/api/v1/*', authenticate())`.
 */
export function authenticate(options: AuthenticateOptions = {}) {
  const publicPaths = new Set(options.publicPaths ?? PUBLIC_PATHS);
  return createMiddleware<AppEnv>(async (c, next) => {
    if (publicPaths.has(c.req.path)) {
      await next();
      return;
    }
    const { db, now } = c.get('services');
    const authorization = c.req.header('Authorization');
    if (authorization !== undefined) {
      const key = BEARER.exec(authorization)?.[1];
      const auth = key === undefined ? undefined : await authenticateApiKey(db, key, now());
      if (auth === undefined) throw new RetainError('unauthenticated', 'The API key is not valid.');
      c.set('auth', auth);
      await next();
      return;
    }
    const token = readSessionToken(c);
    if (token !== undefined) {
      const instant = now();
      const session = await authenticateSession(db, token, instant);
      if (session === undefined) {
        clearSessionCookie(c);
        throw new RetainError('unauthenticated', 'The session has ended; log in again.');
      }
      if (!SAFE_METHODS.has(c.req.method)) {
        const sent = c.req.header(CSRF_HEADER);
        if (sent === undefined || !constantTimeEqual(sent, session.auth.csrfToken ?? '')) {
          throw new RetainError('forbidden', `This request needs the session's ${CSRF_HEADER} header.`);
        }
      }
      if (session.renewedExpiresAt !== null) setSessionCookie(c, token, session.renewedExpiresAt, instant);
      c.set('auth', session.auth);
      await next();
      return;
    }
    throw new RetainError('unauthenticated', 'Log in or send an API key.');
  });
}
