/** The job handlers the server and the worker run. */

import type { Kysely } from 'kysely';
import { type AnalyticsRunner, analyticsJobHandlers, scoreJobHandlers } from '../analytics/index.js';
import type { Database } from '../db/index.js';
import { emailJobHandlers } from '../email/index.js';
import { feedbackJobHandlers } from '../feedback/index.js';
import {
  afterSegmentRecompute,
  FLOW_LOG_PRUNE_JOB,
  FLOW_TICK_JOB,
  type FlowLogPruneSweeps,
  flowLogPruneJobHandler,
  flowTickJobHandler,
  productionFlowEffects,
  startFlowLogPruneSweeps,
} from '../flows/index.js';
import { importJobHandlers } from '../imports/index.js';
import { type JobHandler, Worker } from '../jobs/index.js';
import { loyaltyJobHandlers } from '../loyalty/index.js';
import { segmentJobHandlersWith } from '../segments/index.js';

/**
 * The job handlers of every capability that has some. Loaded by name so that a capability still
 * being written does not stop the server from starting. `databaseUrl`: the store, which the score
 * refresh opens again in a thread of its own; `analytics`: the runner the `analytics.refresh` job
 * computes with (the server's own, or the worker process's).
 */
export async function loadJobHandlers(options: {
  readonly databaseUrl?: string | undefined;
  readonly analytics: AnalyticsRunner;
}): Promise<Record<string, JobHandler>> {
  return {
    ...importJobHandlers,
    ...scoreJobHandlers({ databaseUrl: options.databaseUrl }),
    // Flows react to the recompute's segment.entered / exited events at once (the tick's schedule is
    // the net), and the events written schedule the prune of the log (flows.prune).
    ...segmentJobHandlersWith({ afterRecompute: afterSegmentRecompute }),
    ...loyaltyJobHandlers,
    ...analyticsJobHandlers(options.analytics),
    ...emailJobHandlers(),
    [FLOW_TICK_JOB]: flowTickJobHandler(productionFlowEffects),
    [FLOW_LOG_PRUNE_JOB]: flowLogPruneJobHandler as JobHandler,
    ...feedbackJobHandlers(),
  };
}

const sweepsOfWorkers = new WeakMap<readonly Worker[], FlowLogPruneSweeps>();

/**
 * Starts one worker loop per job type, so that jobs of one type never wait behind another's: an
 * upload is imported at once even while a score refresh of a million customers runs (each loop
 * runs its jobs one at a time). With a `flows.prune` loop, also the daily sweep that asks for the
 * prunes no write asked for (flows `startFlowLogPruneSweeps`). Stop them all with `stopJobWorkers`.
 */
export function startJobWorkers(db: Kysely<Database>, handlers: Record<string, JobHandler>): Worker[] {
  const workers = Object.entries(handlers).map(([type, handler]) => {
    const worker = new Worker({ db, handlers: { [type]: handler } });
    worker.start();
    return worker;
  });
  if (FLOW_LOG_PRUNE_JOB in handlers) sweepsOfWorkers.set(workers, startFlowLogPruneSweeps(db));
  return workers;
}

/** Stops the loops of `startJobWorkers`, each after its job in progress, and its sweep. */
export async function stopJobWorkers(workers: readonly Worker[]): Promise<void> {
  await Promise.all([...workers.map((worker) => worker.stop()), sweepsOfWorkers.get(workers)?.stop()]);
}
