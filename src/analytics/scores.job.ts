/**
 * The worker's handler for `scores.refresh` (customers/score-refresh.ts asks for it): computes every
 * customer's scores (`computeCustomerScores`) and stores them as one run of `customer_score` — the
 * computed rows, then an empty row for every other live customer — recording the run (started,
 * succeeded or failed, as of which day, how many). Writes go in transactions of 5,000 rows, so
 * tracking and imports interleave with a long run; a run that fails midway leaves rows of two runs,
 * each one whole, and the queue retries it.
 */
import {
  fillUnscoredCustomers,
  finishScoreRun,
  SCORE_REFRESH_JOB,
  startScoreRun,
  writeCustomerScores,
} from '../customers/index.js';
import type { JobHandler } from '../jobs/index.js';
import { computeCustomerScores } from './scores.service.js';

/** The handler, with a clock (tests pass a fixed one). */
export function scoresRefreshHandler(now: () => number = Date.now): JobHandler {
  return async (job, context) => {
    const { db } = context;
    const workspaceId = job.workspaceId;
    const runId = await startScoreRun(db, workspaceId, { jobId: job.id, now: now() });
    try {
      const computed = await computeCustomerScores(db, workspaceId);
      const computedAt = now();
      const written = await writeCustomerScores(db, workspaceId, runId, computed.rows, computedAt);
      const filled = await fillUnscoredCustomers(db, workspaceId, runId, computedAt);
      await finishScoreRun(db, workspaceId, runId, {
        status: 'succeeded',
        asOf: computed.asOf,
        customers: written + filled,
        scored: computed.scored,
        details: {
          model: computed.model,
          ...(computed.weights === null ? {} : { weights: computed.weights }),
          ...(computed.horizonDays === null ? {} : { horizonDays: computed.horizonDays }),
          notes: computed.notes,
        },
        now: now(),
      });
    } catch (error) {
      await finishScoreRun(db, workspaceId, runId, {
        status: 'failed',
        error: error instanceof Error ? error.message : String(error),
        now: now(),
      }).catch(() => undefined);
      throw error;
    }
  };
}

/** Handlers to give the server's `Worker`. */
export const scoreJobHandlers: Readonly<Record<string, JobHandler>> = {
  [SCORE_REFRESH_JOB]: scoresRefreshHandler(),
};
