/**
 * An analytics worker thread (AnalyticsRunner's pool): opens its own connection to the store named
 * by `workerData.databaseUrl` — on SQLite a second connection to the same WAL file, whose reads
 * never block the server's writes; on PostgreSQL a small pool — and computes each job it is sent
 * there, SQL aggregation and core computation alike, so neither blocks the server's event loop.
 * Each answer it computes is also stored (`analytics_answer`), for the server's next start and the
 * other processes of the installation.
 */
import { workerData } from 'node:worker_threads';
import { openDatabase } from '../db/index.js';
import { serveTasks } from '../runtime/index.js';
import { type AnalyticsJob, type AnalyticsOutcome, executeAnalyticsJob } from './analytics-jobs.js';

/** What the pool sends with each job. */
export interface AnalyticsTask {
  readonly job: AnalyticsJob;
  readonly knownVersion: string | undefined;
}

export interface AnalyticsWorkerData {
  readonly databaseUrl: string;
}

const { databaseUrl } = workerData as AnalyticsWorkerData;
// Two connections (PostgreSQL): a job's queries run one after the other; the second serves the
// next job's version check while a long query finishes.
const connection = openDatabase(databaseUrl, { maxConnections: 2, checkpointThread: false });

serveTasks(
  (task: AnalyticsTask): Promise<AnalyticsOutcome> =>
    executeAnalyticsJob(connection.db, task.job, { knownVersion: task.knownVersion, store: true }),
);
