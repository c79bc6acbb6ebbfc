/**
 * When the stored scores are computed again: the `scores.refresh` job on the durable queue, asked
 * for after an import finishes, when tracking brings order events or merges customers, and on
 * demand. Debounced: a workspace has at most one such job waiting, so a burst of requests costs one
 * run. The handler (`analytics/`, which computes the scores) is registered with the worker.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database, RowId } from '../db/index.js';
import { enqueue, type Job, listJobs } from '../jobs/index.js';
import { latestScoreRun, type ScoreRun } from './score.repository.js';

/** The job type that recomputes a workspace's `customer_score` rows. */
export const SCORE_REFRESH_JOB = 'scores.refresh';

/** What the job carries: why it was asked for (for the job list; the handler needs nothing). */
export interface ScoreRefreshPayload {
  readonly reason: 'import' | 'tracking' | 'on_demand' | 'feedback';
}

export interface ScoreRefreshRequest extends ScoreRefreshPayload {
  /** The current instant, epoch ms. */
  readonly now: number;
  /**
   * Wait this long before running (default 0): requests arriving meanwhile join the waiting job,
   * so a stream of tracked orders is scored once a minute rather than once a call.
   */
  readonly delayMs?: number;
}

/**
 * Asks for the workspace's scores to be computed again: returns the waiting `scores.refresh` job
 * when there is one, else enqueues one. Two callers racing both find no waiting job and both try
 * to enqueue under the same idempotency key — `scores.refresh:after:<the latest such job's id>` —
 * so the job table's unique key lets one in and hands the other the same job. Pass the transaction
 * of the change that calls for it, so the request commits with it.
 *
 * Two queries (+ the insert when none waits). Example:
 * `await requestScoreRefresh(db, ws, { reason: 'import', now })` → `{ job: { status: 'queued', … }, created: true }`.
 */
export async function requestScoreRefresh(
  db: Kysely<Database> | Transaction<Database>,
  workspaceId: number,
  request: ScoreRefreshRequest,
): Promise<{ job: Job<ScoreRefreshPayload>; created: boolean }> {
  const executor = db as Kysely<Database>;
  const [latest] = await listJobs(executor, workspaceId, { type: SCORE_REFRESH_JOB, limit: 1 });
  if (latest?.status === 'queued') return { job: latest as Job<ScoreRefreshPayload>, created: false };
  return enqueue<ScoreRefreshPayload>(executor, {
    workspaceId,
    type: SCORE_REFRESH_JOB,
    payload: { reason: request.reason },
    runAt: request.now + (request.delayMs ?? 0),
    idempotencyKey: `${SCORE_REFRESH_JOB}:after:${latest?.id ?? 0}`,
    // A failed run is retried a few times; the next change asks for a new one anyway.
    maxAttempts: 3,
    now: request.now,
  });
}

/** When this process last asked, per store and workspace, for `requestScoreRefreshThrottled`. */
const lastRequestedByStore = new WeakMap<Kysely<Database>, Map<string, number>>();

/**
 * `requestScoreRefresh` for hot paths (tracking): at most one look at the job table per workspace
 * every `everyMs` (default 10 s) in this process; calls in between do nothing, as the job asked
 * for by the first is still waiting (its delay is longer). Never throws: a failed request is
 * reported to `onError` (scores are refreshed by the next one).
 */
export async function requestScoreRefreshThrottled(
  db: Kysely<Database>,
  workspaceId: number,
  request: ScoreRefreshRequest & { readonly everyMs?: number; readonly onError?: (error: unknown) => void },
): Promise<void> {
  const key = String(workspaceId);
  let lastRequested = lastRequestedByStore.get(db);
  if (lastRequested === undefined) lastRequestedByStore.set(db, (lastRequested = new Map()));
  const last = lastRequested.get(key);
  if (last !== undefined && request.now - last < (request.everyMs ?? 10_000) && request.now >= last) return;
  lastRequested.set(key, request.now);
  if (lastRequested.size > 10_000) lastRequested.clear();
  try {
    await requestScoreRefresh(db, workspaceId, request);
  } catch (error) {
    lastRequested.delete(key);
    (request.onError ?? ((problem) => console.error('[scores] refresh request failed:', problem)))(error);
  }
}

/** Where the workspace's scores stand: the run they come from, and a job waiting or running. */
export interface ScoreStatus {
  /** The latest run that succeeded: the stored scores are its. */
  readonly latest: ScoreRun | null;
  /** The latest `scores.refresh` job when it is queued or running. */
  readonly pending: {
    readonly jobId: RowId;
    readonly status: 'queued' | 'running';
    readonly runAt: number;
  } | null;
}

/** The workspace's score status. Two queries. */
export async function scoreStatus(db: Kysely<Database>, workspaceId: number): Promise<ScoreStatus> {
  const latest = (await latestScoreRun(db, workspaceId)) ?? null;
  const [job] = await listJobs(db, workspaceId, { type: SCORE_REFRESH_JOB, limit: 1 });
  const pending =
    job !== undefined && (job.status === 'queued' || job.status === 'running')
      ? { jobId: job.id, status: job.status, runAt: job.runAt }
      : null;
  return { latest, pending };
}
