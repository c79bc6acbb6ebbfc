/** The work of `retain start` (described in `start.ts`), loaded only when the command runs. */
import type { Kysely } from 'kysely';
import { type Database, migrateToLatest, openDatabase } from '../../db/index.js';
import { Worker } from '../../jobs/index.js';
import { type AppOptions, appOptionsFromEnvironment, buildApp, serveApp } from '../../server/index.js';
import { DEMO_WORKSPACE_SLUG, loadDemoWorkspace } from '../../workspaces/index.js';
import { getWorkspaceBySlug, listWorkspaces } from '../../workspaces/workspace.repository.js';
import { CliError } from '../cli-error.js';
import { loadJobHandlers } from '../job-handlers.js';
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
      : `Demo login: ${demo.adminEmail} / ${demo.adminPassword}`,
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
    await loadDemoOnFirstRun(connection.db, log);
    const worker = new Worker({ db: connection.db, handlers: await loadJobHandlers() });
    worker.start();
    const app = buildApp({ db: connection.db, dialect: connection.dialect, now: Date.now }, appOptions);
    const server = await serveApp(app, { port });
    log(`Retain is listening on ${server.url} (API docs: ${server.url}/api/docs)`);
    const signal = await stopSignal;
    log(`${typeof signal === 'string' ? signal : 'Stop'} received: shutting down…`);
    await server.close();
    await worker.stop();
    log('Stopped.');
  } finally {
    await connection.close();
  }
}
