/** The work of `retain worker` (described in `worker.ts`), loaded only when the command runs. */
import { AnalyticsRunner } from '../../analytics/index.js';
import { DEFAULT_DATABASE_URL, migrateToLatest, openDatabase } from '../../db/index.js';
import { appOptionsFromEnvironment } from '../../server/index.js';
import { CliError } from '../cli-error.js';
import { loadJobHandlers, startJobWorkers, stopJobWorkers } from '../job-handlers.js';
import { defaultLog, type Log, waitForShutdownSignal } from '../process.js';

export interface WorkerRunOptions {
  readonly databaseUrl?: string;
  readonly log?: Log;
  readonly stopSignal?: Promise<unknown>;
}

/** Runs the worker loop until `stopSignal` (default SIGINT/SIGTERM). */
export async function runWorker(options: WorkerRunOptions = {}): Promise<void> {
  const log = options.log ?? defaultLog;
  const stopSignal = options.stopSignal ?? waitForShutdownSignal();
  let settings: ReturnType<typeof appOptionsFromEnvironment>['analytics'];
  try {
    settings = appOptionsFromEnvironment(process.env).analytics;
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  let connection: ReturnType<typeof openDatabase>;
  try {
    connection = openDatabase(options.databaseUrl);
  } catch (error) {
    throw new CliError(`DATABASE_URL: ${(error as Error).message}`);
  }
  // Analytics jobs compute in this process's own worker threads, with the server's settings (the
  // same limits make the same keys), and store their answers where the server finds them.
  const analytics = new AnalyticsRunner({
    ...settings,
    databaseUrl: options.databaseUrl ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
  });
  try {
    await migrateToLatest(connection.db);
    const handlers = await loadJobHandlers({
      databaseUrl: options.databaseUrl ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL,
      analytics,
    });
    const workers = startJobWorkers(connection.db, handlers);
    log(
      `Worker ${workers[0]?.workerId ?? '(none)'} is running (job types: ${Object.keys(handlers).join(', ') || 'none'}; one loop each).`,
    );
    await stopSignal;
    log('Stopping: finishing the current job…');
    await stopJobWorkers(workers);
    log('Stopped.');
  } finally {
    await analytics.close();
    await connection.close();
  }
}
