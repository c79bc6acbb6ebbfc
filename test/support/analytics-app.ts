/**
 * The analytics and overview routes as `buildApp` mounts them (behind the real error mapping), for
 * a fixed caller of one workspace of a test database — computed, as `retain start` computes them,
 * by an AnalyticsRunner whose worker opens the test database's URL.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { afterAll } from 'vitest';
import { AnalyticsRunner, analyticsRoutes, overviewRoutes } from '../../src/analytics/index.js';
import type { Role } from '../../src/auth/index.js';
import { type AppEnv, createRouter } from '../../src/http/index.js';
import { handleError } from '../../src/server/index.js';
import type { TestDatabase } from './databases.js';

const runners = new Map<string, AnalyticsRunner>();
afterAll(async () => {
  for (const runner of runners.values()) await runner.close();
  runners.clear();
});

/**
 * The pool-backed runner of `database` (one worker: tests share two cores), made on first use and
 * closed after the test file.
 */
export function analyticsRunnerFor(database: TestDatabase): AnalyticsRunner {
  let runner = runners.get(database.url);
  if (runner === undefined) {
    runner = new AnalyticsRunner({ databaseUrl: database.url, workers: 1 });
    runners.set(database.url, runner);
  }
  return runner;
}

export interface AnalyticsTestAppOptions {
  readonly role?: Role;
  readonly now?: () => number;
  /** Default the database's pool-backed runner; `new AnalyticsRunner()` computes on this thread. */
  readonly runner?: AnalyticsRunner;
}

export function analyticsTestApp(
  database: TestDatabase,
  workspaceId: number,
  options: AnalyticsTestAppOptions = {},
): OpenAPIHono<AppEnv> {
  const runner = options.runner ?? analyticsRunnerFor(database);
  const app = createRouter();
  app.onError(handleError);
  app.use('*', async (c, next) => {
    c.set('services', { db: database.db, dialect: database.dialect, now: options.now ?? Date.now });
    c.set('auth', {
      workspaceId,
      role: options.role ?? 'analyst',
      via: 'api_key',
      userId: null,
      apiKeyId: 1,
    });
    await next();
  });
  app.route('/api/v1', analyticsRoutes(runner));
  app.route('/api/v1', overviewRoutes(runner));
  return app;
}
