/**
 * When segments are recomputed: the `segments.recompute` job on the durable queue recomputes every
 * segment of a workspace (segment-recompute.ts). It is asked for
 * - when data changes: an import finishes (in its transaction), tracking stores calls (a minute
 *   later, throttled per process), a segment's rule change moves its membership (its dependents);
 * - on a schedule: each run asks for the next one `RECOMPUTE_EVERY_MS` later while the workspace
 *   has segments, so rules over time (`within_last`, `more_than_ago`, `last` windows) stay true.
 * After a run, the hook the handlers were built with sees what changed (flows react to the
 * `segment.entered` / `segment.exited` events at once: `segmentJobHandlersWith`).
 * Debounced: a workspace has at most one such job waiting. A request finds the waiting job and, if
 * it would run later than asked, brings it forward; with none waiting (or one already running) it
 * enqueues one.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/index.js';
import { enqueue, expediteJob, type Job, type JobHandler, listJobs } from '../jobs/index.js';
import { countSegments } from './segment.repository.js';
import { type RecomputeOutcome, recomputeWorkspaceSegments } from './segment-recompute.js';

/** The job type that recomputes a workspace's segments. */
export const SEGMENT_RECOMPUTE_JOB = 'segments.recompute';
/** How often a workspace with segments is recomputed when nothing asks sooner (1 hour). */
export const RECOMPUTE_EVERY_MS = 3_600_000;
/** How long tracking's request waits, so the calls of that minute share one run. */
export const TRACKING_RECOMPUTE_DELAY_MS = 60_000;

/** Why a recompute was asked for (shown in the job list; the handler needs nothing else). */
export interface SegmentRecomputePayload {
  readonly reason: 'import' | 'tracking' | 'segment_changed' | 'schedule' | 'scores' | 'erasure';
}

export interface SegmentRecomputeRequest extends SegmentRecomputePayload {
  /** The current instant, epoch ms. */
  readonly now: number;
  /** Run no earlier than this long after `now` (default 0). */
  readonly delayMs?: number;
}

/**
 * Asks for the workspace's segments to be recomputed at `now + delayMs`: the waiting job, brought
 * forward when it would run later, or a new one. Two callers racing to enqueue use the same
 * idempotency key — `segments.recompute:after:<the latest such job's id>` — so the job table's
 * unique key lets one in and hands the other the same job. Pass the transaction of the change that
 * calls for it, so the request commits with the change.
 *
 * Two to three queries. Example:
 * `await requestSegmentRecompute(trx, ws, { reason: 'import', now })` → `{ job: { status: 'queued', … }, created: true }`.
 */
export async function requestSegmentRecompute(
  db: Kysely<Database> | Transaction<Database>,
  workspaceId: number,
  request: SegmentRecomputeRequest,
): Promise<{ job: Job<SegmentRecomputePayload>; created: boolean }> {
  const executor = db as Kysely<Database>;
  const runAt = request.now + (request.delayMs ?? 0);
  const [latest] = await listJobs(executor, workspaceId, { type: SEGMENT_RECOMPUTE_JOB, limit: 1 });
  if (
    latest?.status === 'queued' &&
    (await expediteJob(executor, workspaceId, latest.id, runAt, { now: request.now }))
  ) {
    return {
      job: { ...(latest as Job<SegmentRecomputePayload>), runAt: Math.min(latest.runAt, runAt) },
      created: false,
    };
  }
  return enqueue<SegmentRecomputePayload>(executor, {
    workspaceId,
    type: SEGMENT_RECOMPUTE_JOB,
    payload: { reason: request.reason },
    runAt,
    idempotencyKey: `${SEGMENT_RECOMPUTE_JOB}:after:${latest?.id ?? 0}`,
    // A failed run is retried a few times; the schedule and the next change ask for more anyway.
    maxAttempts: 3,
    now: request.now,
  });
}

/**
 * What a writer of customer data calls when it has changed some (an import, tracking): asks for a
 * recompute (`requestSegmentRecompute`) when the workspace has segments, else does nothing — a
 * workspace without segments gets no jobs. Pass the change's transaction. One count (+ the request).
 */
export async function requestRecomputeAfterChange(
  db: Kysely<Database> | Transaction<Database>,
  workspaceId: number,
  request: SegmentRecomputeRequest,
): Promise<Job<SegmentRecomputePayload> | null> {
  if ((await countSegments(db, workspaceId)) === 0) return null;
  return (await requestSegmentRecompute(db, workspaceId, request)).job;
}

/** When this process last asked, per store and workspace, for `requestSegmentRecomputeThrottled`. */
const lastRequestedByStore = new WeakMap<Kysely<Database>, Map<number, number>>();

/**
 * `requestRecomputeAfterChange` for hot paths (tracking): at most one look at the job table per
 * workspace every `everyMs` (default 10 s) in this process; calls in between do nothing, as the job
 * asked for by the first one still waits (its delay is longer). Never throws: a failed request is
 * reported to `onError` (the schedule recomputes anyway).
 */
export async function requestSegmentRecomputeThrottled(
  db: Kysely<Database>,
  workspaceId: number,
  request: SegmentRecomputeRequest & {
    readonly everyMs?: number;
    readonly onError?: (error: unknown) => void;
  },
): Promise<void> {
  let lastRequested = lastRequestedByStore.get(db);
  if (lastRequested === undefined) lastRequestedByStore.set(db, (lastRequested = new Map()));
  const last = lastRequested.get(workspaceId);
  if (last !== undefined && request.now >= last && request.now - last < (request.everyMs ?? 10_000)) return;
  lastRequested.set(workspaceId, request.now);
  if (lastRequested.size > 10_000) lastRequested.clear();
  try {
    await requestRecomputeAfterChange(db, workspaceId, request);
  } catch (error) {
    lastRequested.delete(workspaceId);
    (request.onError ?? ((problem) => console.error('[segments] recompute request failed:', problem)))(error);
  }
}

/**
 * What runs after a workspace's recompute with its outcomes (e.g. flows asking for a tick when
 * customers entered or left segments their flows trigger on). Segments know nothing of flows: the
 * process that builds the handlers wires it (`cli/job-handlers.ts`).
 */
export type AfterRecompute = (
  db: Kysely<Database>,
  workspaceId: number,
  outcomes: readonly RecomputeOutcome[],
  now: number,
) => Promise<unknown>;

/**
 * The worker's handler for `segments.recompute`: recomputes every segment of the workspace in
 * dependency order at the worker's clock, hands the outcomes to `afterRecompute` (a failure there is
 * logged, never fails the recompute), then, while the workspace has segments, asks for the next
 * scheduled run. A thrown error of the recompute fails the attempt (retried with backoff).
 */
export function segmentRecomputeJobHandlerWith(
  options: { readonly afterRecompute?: AfterRecompute } = {},
): JobHandler<SegmentRecomputePayload> {
  return async (job, context) => {
    const now = context.now();
    const outcomes = await recomputeWorkspaceSegments(context.db, { workspaceId: job.workspaceId, now });
    if (options.afterRecompute !== undefined) {
      try {
        await options.afterRecompute(context.db, job.workspaceId, outcomes, now);
      } catch (error) {
        console.error('[segments] after-recompute hook failed:', error);
      }
    }
    if ((await countSegments(context.db, job.workspaceId)) > 0) {
      await requestSegmentRecompute(context.db, job.workspaceId, {
        reason: 'schedule',
        now,
        delayMs: RECOMPUTE_EVERY_MS,
      });
    }
  };
}

/** The handler without a hook. */
export const segmentRecomputeJobHandler: JobHandler<SegmentRecomputePayload> =
  segmentRecomputeJobHandlerWith();

/** Handlers to give the `Worker`, with an after-recompute hook (`cli/job-handlers.ts`). */
export function segmentJobHandlersWith(
  options: { readonly afterRecompute?: AfterRecompute } = {},
): Readonly<Record<string, JobHandler>> {
  return { [SEGMENT_RECOMPUTE_JOB]: segmentRecomputeJobHandlerWith(options) };
}

/** Handlers to give the `Worker` (no hook). */
export const segmentJobHandlers: Readonly<Record<string, JobHandler>> = segmentJobHandlersWith();
