/**
 * The thread a score refresh runs in (scores.job.ts): its own connection to the store named by
 * `workerData.databaseUrl` — on SQLite a second connection to the same WAL file — so neither the
 * reads, the model fits nor the writes of a run (seconds to minutes at a million customers) hold
 * the server's event loop.
 */
import { workerData } from 'node:worker_threads';
import { openDatabase } from '../db/index.js';
import { serveTasks } from '../runtime/index.js';
import { type RefreshedScores, refreshCustomerScores } from './scores.service.js';

/** What the job sends: the run to fill, and the rows' `computed_at` (null: the worker's clock). */
export interface ScoreRefreshTask {
  readonly workspaceId: number;
  readonly runId: number;
  readonly now: number | null;
}

export interface ScoreWorkerData {
  readonly databaseUrl: string;
}

const { databaseUrl } = workerData as ScoreWorkerData;
const connection = openDatabase(databaseUrl, { maxConnections: 1, checkpointThread: false });

serveTasks(
  (task: ScoreRefreshTask): Promise<RefreshedScores> =>
    refreshCustomerScores(connection.db, task.workspaceId, task.runId, task.now ?? undefined),
);
