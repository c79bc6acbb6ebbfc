/**
 * What the administration commands (`workspace`, `user`, `key`, `import`, `customer`) share:
 * opening the store `DATABASE_URL` names (migrated first) and finding the workspace a
 * `--workspace` option means.
 */
import type { Kysely } from 'kysely';
import { type Database, migrateToLatest, openDatabase, parseRowId } from '../db/index.js';
import { RetainError } from '../errors/index.js';
import { listWorkspaces } from '../workspaces/index.js';
import { getWorkspace, getWorkspaceBySlug, type Workspace } from '../workspaces/workspace.repository.js';
import { CliError } from './cli-error.js';

/**
 * Opens the store named by `DATABASE_URL` (default `sqlite:./data/retain.db`), brings its schema
 * up to date, runs `work`, and closes it. Domain errors become `CliError`s: bad input, unknown
 * things and conflicts exit with 2, anything else with 1.
 */
export async function withStore<T>(work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  let connection: ReturnType<typeof openDatabase>;
  try {
    connection = openDatabase();
  } catch (error) {
    throw new CliError(`DATABASE_URL: ${(error as Error).message}`);
  }
  try {
    await migrateToLatest(connection.db);
    return await work(connection.db);
  } catch (error) {
    if (error instanceof RetainError) {
      const badInput =
        error.code === 'invalid_input' || error.code === 'not_found' || error.code === 'conflict';
      throw new CliError(error.message, badInput ? 2 : 1);
    }
    throw error;
  } finally {
    await connection.close();
  }
}

/**
 * The workspace `--workspace` names (its id or slug). Left out, it is the installation's only
 * workspace; with none or several, a `CliError` says what to do.
 */
export async function resolveWorkspace(db: Kysely<Database>, value: string | undefined): Promise<Workspace> {
  if (value !== undefined) {
    const id = parseRowId(value);
    const workspace =
      (id === undefined ? undefined : await getWorkspace(db, id)) ?? (await getWorkspaceBySlug(db, value));
    if (workspace === undefined) throw new CliError(`--workspace: no workspace "${value}"`);
    return workspace;
  }
  const workspaces = await listWorkspaces(db);
  const only = workspaces[0];
  if (only === undefined)
    throw new CliError('There is no workspace yet: create one with `retain workspace create <name>`');
  if (workspaces.length > 1) {
    throw new CliError(
      `There are ${workspaces.length} workspaces: say which with --workspace <id> (see \`retain workspace list\`)`,
    );
  }
  return only;
}
