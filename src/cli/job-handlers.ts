/** The job handlers the server and the worker run. */
import { type AnalyticsRunner, analyticsJobHandlers } from '../analytics/index.js';
import { importJobHandlers } from '../imports/index.js';
import type { JobHandler } from '../jobs/index.js';

/**
 * The job handlers of every capability that has some. Loaded by name so that a capability still
 * being written does not stop the server from starting. `analytics`: the runner the
 * `analytics.refresh` job computes with (the server's own, or the worker process's).
 */
export async function loadJobHandlers(options: {
  readonly analytics: AnalyticsRunner;
}): Promise<Record<string, JobHandler>> {
  return { ...importJobHandlers, ...analyticsJobHandlers(options.analytics) };
}
