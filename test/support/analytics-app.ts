/**
 * The analytics and overview routes as `buildApp` mounts them (behind the real error mapping), for
 * a fixed caller of one workspace of a test database.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { analyticsRoutes, overviewRoutes } from '../../src/analytics/index.js';
import type { Role } from '../../src/auth/index.js';
import { type AppEnv, createRouter } from '../../src/http/index.js';
import { handleError } from '../../src/server/index.js';
import type { TestDatabase } from './databases.js';

export function analyticsTestApp(
  database: TestDatabase,
  workspaceId: string,
  options: { readonly role?: Role; readonly now?: () => number } = {},
): OpenAPIHono<AppEnv> {
  const app = createRouter();
  app.onError(handleError);
  app.use('*', async (c, next) => {
    c.set('services', { db: database.db, dialect: database.dialect, now: options.now ?? Date.now });
    c.set('auth', {
      workspaceId,
      role: options.role ?? 'analyst',
      via: 'api_key',
      userId: null,
      apiKeyId: 'key',
    });
    await next();
  });
  app.route('/api/v1', analyticsRoutes());
  app.route('/api/v1', overviewRoutes());
  return app;
}
