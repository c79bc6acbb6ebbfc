/**
 * The worker's handler for `scores.refresh` (customers/score-refresh.ts asks for it): computes every
 * customer's scores and stores them as one run of `customer_score` (scores.service.ts), recording
 * the run — started, succeeded or failed, as of which day, how many. Given the store's URL, the
 * run goes in a thread of its own with its own connection (scores.worker.ts), so a long run never
 * holds the server's event loop; without one (an in-memory SQLite) it runs here. Writes go in
 * transactions of 1,000 rows, so tracking and imports interleave with a long run; a run that fails
 * midway leaves rows of two runs, each one whole, and the queue retries it.
 */
import { finishScoreRun, SCORE_REFRESH_JOB, startScoreRun } from '../customers/index.js';
import { parseDatabaseUrl } from '../db/index.js';
import type { JobHandler } from '../jobs/index.js';
import { startWorkerModule, WorkerPool } from '../runtime/index.js';
import { requestRecomputeAfterChange } from '../segments/segment.jobs.js';
import { type RefreshedScores, refreshCustomerScores } from './scores.service.js';
import type { ScoreRefreshTask, ScoreWorkerData } from './scores.worker.js';

/** The longest a run may take before it is stopped (and retried by the queue): 2 hours. */
const RUN_TIMEOUT_MS = 2 * 60 * 60 * 1000;

export interface ScoreJobOptions {
  /** The store's URL, which the run's thread opens; absent or in-memory: the run stays here. */
  readonly databaseUrl?: string | undefined;
  /** The clock (tests pass a fixed one); also the rows' `computed_at` when given. */
  readonly now?: () => number;
}

/** A URL a second connection can open (not an in-memory SQLite), else `undefined`. */
function shareable(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const location = parseDatabaseUrl(url);
  return location.dialect === 'sqlite' && location.path === ':memory:' ? undefined : url;
}

/** Runs one refresh in a thread of its own, which ends with it. */
async function refreshInThread(databaseUrl: string, task: ScoreRefreshTask): Promise<RefreshedScores> {
  const pool = new WorkerPool<ScoreRefreshTask, RefreshedScores>({
    size: 1,
    start: () =>
      // At the lowest CPU priority: requests (the analytics' workers among them) come first.
      startWorkerModule('./scores.worker', import.meta.url, {
        workerData: { databaseUrl } satisfies ScoreWorkerData,
        background: true,
      }),
  });
  try {
    return await pool.run(() => task, { timeoutMs: RUN_TIMEOUT_MS });
  } finally {
    await pool.close();
  }
}

/** The handler of `scores.refresh`. */
export function scoresRefreshHandler(options: ScoreJobOptions = {}): JobHandler {
  const clock = options.now ?? Date.now;
  const databaseUrl = shareable(options.databaseUrl);
  return async (job, context) => {
    const { db } = context;
    const workspaceId = job.workspaceId;
    const runId = await startScoreRun(db, workspaceId, { jobId: job.id, now: clock() });
    try {
      const fixedNow = options.now === undefined ? null : clock();
      const refreshed =
        databaseUrl === undefined
          ? await refreshCustomerScores(db, workspaceId, runId, fixedNow ?? undefined)
          : await refreshInThread(databaseUrl, { workspaceId, runId, now: fixedNow });
      await finishScoreRun(db, workspaceId, runId, {
        status: 'succeeded',
        asOf: refreshed.asOf,
        customers: refreshed.customers,
        scored: refreshed.scored,
        details: {
          model: refreshed.model,
          ...(refreshed.weights === null ? {} : { weights: refreshed.weights }),
          ...(refreshed.horizonDays === null ? {} : { horizonDays: refreshed.horizonDays }),
          notes: refreshed.notes,
        },
        now: clock(),
      });
      // Segments read the scores (at-risk score, P(alive), CLV, RFM): recomputed with the new ones.
      await requestRecomputeAfterChange(db, workspaceId, { reason: 'scores', now: clock() });
    } catch (error) {
      await finishScoreRun(db, workspaceId, runId, {
        status: 'failed',
        error: error instanceof Error ? error.message : String(error),
        now: clock(),
      }).catch(() => undefined);
      throw error;
    }
  };
}

/** The score job's handlers, to give a `Worker` (the run in its own thread when `databaseUrl` is given). */
export function scoreJobHandlers(options: ScoreJobOptions = {}): Readonly<Record<string, JobHandler>> {
  return { [SCORE_REFRESH_JOB]: scoresRefreshHandler(options) };
}
