/**
 * When flows run: the `flows.tick` job on the durable queue runs `runFlowTick` for a workspace —
 * reads new trigger occurrences, enters customers, advances due runs — and, while the workspace
 * has active flows, asks for the next tick: when the next run is due or a schedule's time comes,
 * and at least every `FLOW_IDLE_TICK_MS` (date triggers are polled; the schedule is also the safety
 * net of the others). A tracked trigger event brings the waiting tick forward to
 * `TRIGGER_TICK_DELAY_MS` from now (throttled per process), as does activating a flow, and a
 * segment recompute that wrote `segment.entered` / `segment.exited` events of a segment an active
 * flow triggers on (`requestFlowTickAfterSegmentChange`, the segments job's hook). A workspace has at most one tick waiting (the pattern of
 * segments/segment.jobs.ts: expedite the waiting job, else enqueue one after the latest).
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/index.js';
import { listAnswerEvents } from '../feedback/index.js';
import { enqueue, expediteJob, type Job, type JobHandler, listJobs } from '../jobs/index.js';
import { listSegmentEvents, type RecomputeOutcome } from '../segments/index.js';
import { listWorkspaces } from '../workspaces/index.js';
import { listFlows } from './flow.repository.js';
import type { FlowEffects } from './flow-effects.js';
import { runFlowTick } from './flow-engine.js';
import { FLOW_LOG_RETENTION_MS, pruneFlowLogs } from './flow-log-pruning.js';

/** The job type that runs a workspace's flows. */
export const FLOW_TICK_JOB = 'flows.tick';
/** Longest pause between ticks of a workspace with active flows (5 minutes). */
export const FLOW_IDLE_TICK_MS = 300_000;
/** How soon a tracked trigger event is acted on (the events of that second share one tick). */
export const TRIGGER_TICK_DELAY_MS = 1_000;

export interface FlowTickPayload {
  readonly reason: 'schedule' | 'trigger' | 'activated' | 'segment';
}

/**
 * Asks for a tick of the workspace's flows at `now + delayMs`: the waiting one, brought forward
 * when it would run later, or a new one (idempotency key `flows.tick:after:<latest tick id>`, so
 * two racing callers get one job). Pass a transaction to commit with a change. Two to three queries.
 */
export async function requestFlowTick(
  db: Kysely<Database> | Transaction<Database>,
  workspaceId: number,
  request: FlowTickPayload & { readonly now: number; readonly delayMs?: number },
): Promise<Job<FlowTickPayload>> {
  const executor = db as Kysely<Database>;
  const runAt = request.now + Math.max(0, request.delayMs ?? 0);
  const [latest] = await listJobs(executor, workspaceId, { type: FLOW_TICK_JOB, limit: 1 });
  if (
    latest?.status === 'queued' &&
    (await expediteJob(executor, workspaceId, latest.id, runAt, { now: request.now }))
  ) {
    return { ...(latest as Job<FlowTickPayload>), runAt: Math.min(latest.runAt, runAt) };
  }
  const { job } = await enqueue<FlowTickPayload>(executor, {
    workspaceId,
    type: FLOW_TICK_JOB,
    payload: { reason: request.reason },
    runAt,
    idempotencyKey: `${FLOW_TICK_JOB}:after:${latest?.id ?? 0}`,
    maxAttempts: 5,
    now: request.now,
  });
  return job;
}

const lastRequestedByStore = new WeakMap<Kysely<Database>, Map<number, number>>();

/**
 * `requestFlowTick` for tracking's hot path: at most one look at the job table per workspace every
 * `everyMs` (default 1 s) in this process. Never throws: a failure goes to `onError` (the idle
 * tick reads the occurrence anyway, at most `FLOW_IDLE_TICK_MS` later).
 */
export async function requestFlowTickThrottled(
  db: Kysely<Database>,
  workspaceId: number,
  now: number,
  options: { readonly everyMs?: number; readonly onError?: (error: unknown) => void } = {},
): Promise<void> {
  let lastRequested = lastRequestedByStore.get(db);
  if (lastRequested === undefined) lastRequestedByStore.set(db, (lastRequested = new Map()));
  const last = lastRequested.get(workspaceId);
  if (last !== undefined && now >= last && now - last < (options.everyMs ?? 1_000)) return;
  lastRequested.set(workspaceId, now);
  if (lastRequested.size > 10_000) lastRequested.clear();
  try {
    await requestFlowTick(db, workspaceId, { reason: 'trigger', now, delayMs: TRIGGER_TICK_DELAY_MS });
  } catch (error) {
    lastRequested.delete(workspaceId);
    (options.onError ?? ((problem) => console.error('[flows] tick request failed:', problem)))(error);
  }
}

/**
 * The segments recompute's hook (`segmentJobHandlersWith({ afterRecompute })`): when the recompute
 * wrote entered (exited) events of a segment an active `segment_entered` (`segment_exited`) flow
 * triggers on, asks for a tick now, so the flow reacts to the events rather than at its next idle
 * tick. One read of the active flows when anything changed; none otherwise.
 */
export async function requestFlowTickAfterSegmentChange(
  db: Kysely<Database>,
  workspaceId: number,
  outcomes: readonly RecomputeOutcome[],
  now: number,
): Promise<boolean> {
  const entered = new Set<number>();
  const exited = new Set<number>();
  for (const outcome of outcomes) {
    if (outcome.entered > 0) entered.add(Number(outcome.segmentId));
    if (outcome.exited > 0) exited.add(Number(outcome.segmentId));
  }
  if (entered.size === 0 && exited.size === 0) return false;
  const active = await listFlows(db, workspaceId, 'active');
  const reacting = active.some((flow) => {
    const trigger = flow.definition.trigger;
    if (trigger.type === 'segment_entered') return entered.has(Number(trigger.segmentId));
    if (trigger.type === 'segment_exited') return exited.has(Number(trigger.segmentId));
    return false;
  });
  if (!reacting) return false;
  await requestFlowTick(db, workspaceId, { reason: 'segment', now });
  return true;
}

/**
 * Feedback's hook (`surveyPageRoutes({ afterAnswerLogged })`, wired by the server): an answer was
 * logged for flows; when an active `survey_answered` flow could take it, the waiting tick is
 * brought forward (throttled as for tracked events), so the flow reacts within a second or so.
 * One read of the active flows per logged answer (a person's click). Never throws.
 */
export async function requestFlowTickAfterSurveyAnswer(
  db: Kysely<Database>,
  workspaceId: number,
  now: number,
): Promise<void> {
  try {
    const active = await listFlows(db, workspaceId, 'active');
    if (!active.some((flow) => flow.definition.trigger.type === 'survey_answered')) return;
  } catch (error) {
    console.error('[flows] tick request failed:', error);
    return;
  }
  await requestFlowTickThrottled(db, workspaceId, now);
}

/** When the next tick should run after one at `now`: the next due run or schedule, capped by the idle period. */
async function nextTickAt(
  db: Kysely<Database>,
  workspaceId: number,
  now: number,
  nextWakeAt: number | null,
): Promise<number | null> {
  const active = await listFlows(db, workspaceId, 'active');
  if (active.length === 0 && nextWakeAt === null) return null;
  let next = now + FLOW_IDLE_TICK_MS;
  if (nextWakeAt !== null) next = Math.min(next, nextWakeAt);
  for (const flow of active) {
    const trigger = flow.definition.trigger;
    if (trigger.type === 'schedule' && flow.firedAt === null) next = Math.min(next, Date.parse(trigger.at));
  }
  return Math.max(next, now + 1_000);
}

/**
 * The worker's handler for `flows.tick`, with the effects flows use (production: e-mail's
 * `queueEmail`): one tick at the worker's clock, then the next one asked for while there is work.
 */
export function flowTickJobHandler(effects: FlowEffects): JobHandler<FlowTickPayload> {
  return async (job, context) => {
    const now = context.now();
    const outcome = await runFlowTick(context.db, job.workspaceId, now, effects);
    const next = await nextTickAt(context.db, job.workspaceId, now, outcome.nextWakeAt);
    if (next !== null) {
      await requestFlowTick(context.db, job.workspaceId, { reason: 'schedule', now, delayMs: next - now });
    }
  };
}

/** The job type that prunes a workspace's segment and answer logs (flow-log-pruning.ts). */
export const FLOW_LOG_PRUNE_JOB = 'flows.prune';
/**
 * How often a workspace's logs are pruned while they have rows (daily: retention is counted in
 * days), and how often the sweep looks for workspaces with old rows and no prune waiting.
 */
export const FLOW_LOG_PRUNE_EVERY_MS = 86_400_000;
/** The next run after one that left old rows for lack of statements: soon, but not at once. */
export const FLOW_LOG_PRUNE_BACKLOG_DELAY_MS = 60_000;

export interface FlowLogPrunePayload {
  readonly reason: 'written' | 'schedule' | 'backlog' | 'sweep';
}

/**
 * Asks for a prune of the workspace's logs at `now + delayMs`, unless one is already waiting
 * (whenever it runs, it prunes). Idempotency key `flows.prune:after:<latest prune id>`, so two
 * racing callers get one job. One to two queries.
 */
export async function requestFlowLogPruning(
  db: Kysely<Database>,
  workspaceId: number,
  request: FlowLogPrunePayload & { readonly now: number; readonly delayMs?: number },
): Promise<Job<FlowLogPrunePayload>> {
  const [latest] = await listJobs(db, workspaceId, { type: FLOW_LOG_PRUNE_JOB, limit: 1 });
  if (latest?.status === 'queued') return latest as Job<FlowLogPrunePayload>;
  const { job } = await enqueue<FlowLogPrunePayload>(db, {
    workspaceId,
    type: FLOW_LOG_PRUNE_JOB,
    payload: { reason: request.reason },
    runAt: request.now + Math.max(0, request.delayMs ?? 0),
    idempotencyKey: `${FLOW_LOG_PRUNE_JOB}:after:${latest?.id ?? 0}`,
    maxAttempts: 5,
    now: request.now,
  });
  return job;
}

const pruneRequestedByStore = new WeakMap<Kysely<Database>, Map<number, number>>();
/** A process looks at the job table for a workspace's prune at most this often (1 hour). */
const PRUNE_REQUEST_EVERY_MS = 3_600_000;

/**
 * The writers' hook (a segment recompute that wrote events, a logged answer): makes sure the
 * workspace's prune is scheduled — it then keeps itself scheduled while the logs have rows. At
 * most one look at the job table per workspace an hour in this process. Never throws.
 */
export async function requestFlowLogPruningThrottled(
  db: Kysely<Database>,
  workspaceId: number,
  now: number,
): Promise<void> {
  let lastRequested = pruneRequestedByStore.get(db);
  if (lastRequested === undefined) pruneRequestedByStore.set(db, (lastRequested = new Map()));
  const last = lastRequested.get(workspaceId);
  if (last !== undefined && now >= last && now - last < PRUNE_REQUEST_EVERY_MS) return;
  lastRequested.set(workspaceId, now);
  if (lastRequested.size > 10_000) lastRequested.clear();
  try {
    await requestFlowLogPruning(db, workspaceId, { reason: 'written', now });
  } catch (error) {
    lastRequested.delete(workspaceId);
    console.error('[flows] log prune request failed:', error);
  }
}

/**
 * The after-recompute hook the worker wires (`cli/job-handlers.ts`): flows react to the events
 * (`requestFlowTickAfterSegmentChange`), and a recompute that wrote any schedules the prune.
 */
export async function afterSegmentRecompute(
  db: Kysely<Database>,
  workspaceId: number,
  outcomes: readonly RecomputeOutcome[],
  now: number,
): Promise<void> {
  await requestFlowTickAfterSegmentChange(db, workspaceId, outcomes, now);
  if (outcomes.some((outcome) => outcome.entered > 0 || outcome.exited > 0))
    await requestFlowLogPruningThrottled(db, workspaceId, now);
}

/**
 * The after-answer hook the server wires (`server/routes.ts`): the tick brought forward
 * (`requestFlowTickAfterSurveyAnswer`) and the prune scheduled. Never throws.
 */
export async function afterSurveyAnswerLogged(
  db: Kysely<Database>,
  workspaceId: number,
  now: number,
): Promise<void> {
  await requestFlowTickAfterSurveyAnswer(db, workspaceId, now);
  await requestFlowLogPruningThrottled(db, workspaceId, now);
}

/**
 * The worker's handler for `flows.prune`: one `pruneFlowLogs` run at the worker's clock, then the
 * next one asked for — a minute on when this one left old rows for lack of statements, a day on
 * while the logs have rows, none when they are empty (the next write asks again).
 */
export const flowLogPruneJobHandler: JobHandler<FlowLogPrunePayload> = async (job, context) => {
  const now = context.now();
  const outcome = await pruneFlowLogs(context.db, job.workspaceId, now);
  if (outcome.more) {
    await requestFlowLogPruning(context.db, job.workspaceId, {
      reason: 'backlog',
      now,
      delayMs: FLOW_LOG_PRUNE_BACKLOG_DELAY_MS,
    });
  } else if (outcome.rowsLeft) {
    await requestFlowLogPruning(context.db, job.workspaceId, {
      reason: 'schedule',
      now,
      delayMs: FLOW_LOG_PRUNE_EVERY_MS,
    });
  }
};

/**
 * The daily sweep's work: asks for a prune of every workspace that has none waiting (queued or
 * running) and whose logs hold a row older than the retention — the oldest row of each log, one
 * index seek each (`(workspace_id, id)`: migration 020 for SQLite's `segment_event`). It catches
 * the workspaces the writers' hooks never scheduled or whose chain of daily runs ended: a store
 * upgraded with old rows, a prune that went `dead` — their logs unchanged since, so no write asks
 * again. The run it asks for applies the rules, bounded as ever, and keeps itself scheduled while
 * rows are left. Returns the workspaces it asked for. Per workspace: one to three reads, at most
 * one write.
 */
export async function requestDueFlowLogPruning(db: Kysely<Database>, now: number): Promise<number[]> {
  const before = now - FLOW_LOG_RETENTION_MS;
  const requested: number[] = [];
  for (const workspace of await listWorkspaces(db)) {
    const [latest] = await listJobs(db, workspace.id, { type: FLOW_LOG_PRUNE_JOB, limit: 1 });
    if (latest?.status === 'queued' || latest?.status === 'running') continue;
    const [oldestSegmentEvent] = await listSegmentEvents(db, workspace.id, { limit: 1 });
    const [oldestAnswer] =
      oldestSegmentEvent !== undefined && Number(oldestSegmentEvent.at) < before
        ? []
        : await listAnswerEvents(db, workspace.id, { afterId: 0, limit: 1 });
    const old =
      (oldestSegmentEvent !== undefined && Number(oldestSegmentEvent.at) < before) ||
      (oldestAnswer !== undefined && oldestAnswer.at < before);
    if (!old) continue;
    await requestFlowLogPruning(db, workspace.id, { reason: 'sweep', now });
    requested.push(workspace.id);
  }
  return requested;
}

/** A running daily sweep (`startFlowLogPruneSweeps`). */
export interface FlowLogPruneSweeps {
  /** No further sweep; resolves when the one in progress, if any, has finished. */
  stop(): Promise<void>;
}

/**
 * Runs `requestDueFlowLogPruning` now and then every `everyMs` (default `FLOW_LOG_PRUNE_EVERY_MS`,
 * daily) in this process — what the job workers of `retain start` / `retain worker` start beside
 * the `flows.prune` loop. Several processes may sweep: a workspace's prune already asked for is
 * waiting, and the next sweep skips it. A failed sweep goes to `onError` (default console.error);
 * the next one tries again.
 */
export function startFlowLogPruneSweeps(
  db: Kysely<Database>,
  options: {
    readonly now?: () => number;
    readonly everyMs?: number;
    readonly onError?: (error: unknown) => void;
  } = {},
): FlowLogPruneSweeps {
  const now = options.now ?? Date.now;
  const onError = options.onError ?? ((error) => console.error('[flows] log prune sweep failed:', error));
  let inProgress: Promise<void> | undefined;
  const sweep = () => {
    if (inProgress !== undefined) return;
    inProgress = requestDueFlowLogPruning(db, now())
      .then(() => undefined, onError)
      .finally(() => {
        inProgress = undefined;
      });
  };
  const timer = setInterval(sweep, options.everyMs ?? FLOW_LOG_PRUNE_EVERY_MS);
  timer.unref();
  sweep();
  return {
    async stop() {
      clearInterval(timer);
      await inProgress;
    },
  };
}
