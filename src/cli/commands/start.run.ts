/** The work of `retain start` (described in `start.ts`), loaded only when the command runs. */
import type { Kysely } from 'kysely';
import {
  type Database,
  DEFAULT_DATABASE_URL,
  dataDirectoryFor,
  migrateToLatest,
  openDatabase,
} from '../../db/index.js';
import type { Worker } from '../../jobs/index.js';
import {
  type AppOptions,
  analyticsRunnerOf,
  appOptionsFromEnvironment,
  buildApp,
  closeApp,
  type RunningServer,
  serveApp,
} from '../../server/index.js';
import { DEMO_WORKSPACE_SLUG, loadDemoWorkspace } from '../../workspaces/index.js';
import { getWorkspaceBySlug, listWorkspaces } from '../../workspaces/workspace.repository.js';
import { CliError } from '../cli-error.js';
import { loadJobHandlers, startJobWorkers, stopJobWorkers } from '../job-handlers.js';
import { defaultLog, type Log, parsePort, waitForShutdownSignal } from '../process.js';

/**
 * Loads the bundled demo workspace on first run (an empty store), and finishes it when an earlier
 * start was interrupted mid-import (the loader is idempotent). A store with other workspaces only
 * is left alone.
 */
async function loadDemoOnFirstRun(db: Kysely<Database>, log: Log): Promise<void> {
  const empty = (await listWorkspaces(db)).length === 0;
  if (!empty && (await getWorkspaceBySlug(db, DEMO_WORKSPACE_SLUG)) === undefined) return;
  if (empty) log('First run: loading the demo workspace (CDNOW sample)…');
  const demo = await loadDemoWorkspace(db, { now: Date.now() });
  log(
    demo.adminPassword === undefined
      ? `Demo login: ${demo.adminEmail} (its password was printed on first run; to add your own: retain user create --workspace ${DEMO_WORKSPACE_SLUG} --email you@example.com --role owner)`
      : `Demo login: ${demo.adminEmail} / ${demo.adminPassword} (workspace ${DEMO_WORKSPACE_SLUG})`,
  );
}

export interface StartOptions {
  readonly databaseUrl?: string;
  readonly port?: number;
  readonly log?: Log;
  /** Resolves when the server should stop (default: SIGINT or SIGTERM). */
  readonly stopSignal?: Promise<unknown>;
}

/** Runs the server until `stopSignal`, then shuts down gracefully. */
export async function runStart(options: StartOptions = {}): Promise<void> {
  const log = options.log ?? defaultLog;
  const stopSignal = options.stopSignal ?? waitForShutdownSignal();
  const port = options.port ?? parsePort(process.env.PORT);
  let appOptions: AppOptions;
  try {
    appOptions = appOptionsFromEnvironment(process.env);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  let connection: ReturnType<typeof openDatabase>;
  try {
    connection = openDatabase(options.databaseUrl);
  } catch (error) {
    throw new CliError(`DATABASE_URL: ${(error as Error).message}`);
  }
  try {
    const applied = await migrateToLatest(connection.db);
    log(applied.length > 0 ? `Store migrated (${applied.join(', ')}).` : 'Store schema is up to date.');
    // Bind the port before anything slow (the demo import) or lasting (the job worker), so a port
    // in use is one line and exit 1 at once, with nothing left running behind it.
    // The analytics workers open the same store for themselves (docs/architecture.md).
    const databaseUrl = options.databaseUrl ?? process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
    // Import uploads and rejects files are kept there (docs/operations.md, "Import files").
    const dataDirectory = dataDirectoryFor(process.env, databaseUrl);
    const app = buildApp(
      { db: connection.db, dialect: connection.dialect, now: Date.now, databaseUrl, dataDirectory },
      appOptions,
    );
    let server: RunningServer;
    try {
      server = await listenOn(app, port);
    } catch (error) {
      await closeApp(app);
      throw error;
    }
    let workers: Worker[] = [];
    try {
      await loadDemoOnFirstRun(connection.db, log);
      const analytics = analyticsRunnerOf(app);
      // The jobs' analytics (analytics.refresh) use the app's runner: its answers are the routes'.
      workers = startJobWorkers(connection.db, await loadJobHandlers({ databaseUrl, analytics: analytics! }));
      if (analytics?.mode === 'pool') {
        log(
          `Analytics are computed in ${analytics.workers} worker thread${analytics.workers === 1 ? '' : 's'} (at most ${analytics.timeoutMs / 1000} s a request; RETAIN_ANALYTICS_WORKERS, RETAIN_ANALYTICS_TIMEOUT_SECONDS).`,
        );
      }
      log(
        `Retain is listening on ${server.url} — open it for the dashboard (API docs: ${server.url}/api/docs)`,
      );
      const signal = await stopSignal;
      log(`${typeof signal === 'string' ? signal : 'Stop'} received: shutting down…`);
    } finally {
      await server.close();
      await closeApp(app);
      await stopJobWorkers(workers);
    }
    log('Stopped.');
  } finally {
    await connection.close();
  }
}

/** Listens on `port`; a port in use or forbidden is a one-line `CliError` (exit 1) saying what to do. */
async function listenOn(app: ReturnType<typeof buildApp>, port: number): Promise<RunningServer> {
  try {
    return await serveApp(app, { port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new CliError(
        `port ${port} is in use; set PORT to a free one (e.g. PORT=${port + 1} npm start)`,
        1,
      );
    }
    if (code === 'EACCES') {
      throw new CliError(`port ${port} needs more privileges than this user has; set PORT above 1023`, 1);
    }
    throw error;
  }
}
