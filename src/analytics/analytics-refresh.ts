/**
 * Answers ready before they are asked: after an import changes a workspace's data, the durable job
 * `analytics.refresh` recomputes the Overview's default answers (the last complete month, quarter
 * and year) through an AnalyticsRunner — in its worker threads, off the event loop — which keeps
 * them and stores them in `analytics_answer`, so the first dashboard visit after the import is
 * answered at once, by this process or any other of the installation.
 */
import type { Kysely } from 'kysely';
import { dataVersion } from '../customers/index.js';
import type { Database } from '../db/index.js';
import { enqueue, type JobHandler } from '../jobs/index.js';
import type { AnalyticsRunner } from './analytics-runner.js';
import type { OverviewPeriod } from './overview.service.js';

/** The job type. */
export const ANALYTICS_REFRESH_JOB_TYPE = 'analytics.refresh';

/** The overview answers the job computes: the dashboard's period choices with their default range. */
export const REFRESHED_OVERVIEW_PERIODS: readonly OverviewPeriod[] = ['month', 'quarter', 'year'];

/**
 * Enqueues the refresh of `workspaceId`'s default answers for its current data version: once per
 * version (the idempotency key), so a re-import that changed nothing adds no job. Pass the
 * transaction of the change to enqueue atomically with it. Two statements.
 * Example: `await requestAnalyticsRefresh(trx, ws, { now })`.
 */
export async function requestAnalyticsRefresh(
  db: Kysely<Database>,
  workspaceId: number,
  options: { readonly now: number },
): Promise<void> {
  const version = await dataVersion(db, workspaceId);
  await enqueue(db, {
    workspaceId,
    type: ANALYTICS_REFRESH_JOB_TYPE,
    payload: {},
    idempotencyKey: `${ANALYTICS_REFRESH_JOB_TYPE}:${version}`,
    maxAttempts: 3,
    now: options.now,
  });
}

/**
 * The handler of `analytics.refresh`, computing with `runner` (the server's own, so its memory is
 * warm at once, or a `retain worker`'s, sharing through the table). An answer that still holds is
 * not recomputed; an expected failure (a workspace without orders yet) is not retried.
 */
export function analyticsJobHandlers(
  runner: AnalyticsRunner,
  clock: () => number = Date.now,
): Readonly<Record<string, JobHandler>> {
  const refresh: JobHandler = async (job, context) => {
    for (const period of REFRESHED_OVERVIEW_PERIODS) {
      await runner.refresh(
        { endpoint: 'overview', workspaceId: job.workspaceId, query: { period }, now: clock() },
        context.db,
      );
    }
  };
  return { [ANALYTICS_REFRESH_JOB_TYPE]: refresh };
}
