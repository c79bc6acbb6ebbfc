/**
 * The router every capability builds its routes on: an `OpenAPIHono` whose request validation
 * failures become one `RetainError('invalid_input')` naming each bad field, so the error → HTTP
 * mapping stays in one place (server/errors.ts).
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { createMiddleware } from 'hono/factory';
import type { Role } from '../auth/roles.js';
import { RetainError } from '../errors/index.js';
import type { AppEnv, AuthContext } from './env.js';

export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new RetainError(
          'invalid_input',
          'The request is not valid.',
          result.error.issues.map((issue) => ({
            path: [
              result.target,
              ...issue.path.map((part) => (typeof part === 'symbol' ? String(part) : part)),
            ],
            message: issue.message,
            code: issue.code,
          })),
        );
      }
    },
  });
}

/**
 * Lets the request through only for callers with one of `roles`; owners and admins always pass.
 * A missing authentication is `unauthenticated` (401), a wrong role `forbidden` (403).
 */
export function requireRole(...roles: Role[]) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const auth = c.get('auth') as AuthContext | undefined;
    if (!auth) throw new RetainError('unauthenticated', 'Log in or send an API key.');
    if (auth.role !== 'owner' && auth.role !== 'admin' && !roles.includes(auth.role)) {
      throw new RetainError('forbidden', `This needs one of the roles: owner, admin, ${roles.join(', ')}.`);
    }
    await next();
  });
}
