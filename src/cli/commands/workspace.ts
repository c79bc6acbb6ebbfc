/**
 * `retain workspace create <name> [--slug s] [--json]` and `retain workspace list [--json]`, plus
 * the helpers the other administration commands share: opening the store `DATABASE_URL` names
 * (migrated first) and finding the workspace a `--workspace` option means.
 */
import Table from 'cli-table3';
import type { Command } from 'commander';
import type { Kysely } from 'kysely';
import {
  type Database,
  getWorkspace,
  getWorkspaceBySlug,
  migrateToLatest,
  openDatabase,
  type Workspace,
} from '../../db/index.js';
import { RetainError } from '../../errors/index.js';
import { createWorkspaceWithKeys, listWorkspaces } from '../../workspaces/index.js';
import { CliError } from '../cli-error.js';

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
    const workspace = (await getWorkspace(db, value)) ?? (await getWorkspaceBySlug(db, value));
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

interface CreateFlags {
  slug?: string;
  json?: boolean;
}

interface ListFlags {
  json?: boolean;
}

export function registerWorkspace(program: Command): void {
  const workspace = program.command('workspace').description('Create and list workspaces');
  workspace
    .command('create')
    .description('Create a workspace; prints its id, tracking write key and an admin API key (shown once)')
    .argument('<name>', 'the workspace name, e.g. "Acme Shop"')
    .option('--slug <slug>', 'URL name (lower-case letters, digits, hyphens); default: from the name')
    .option('--json', 'print { id, writeKey, apiKey }')
    .action(async (name: string, flags: CreateFlags) => {
      process.stdout.write(await runWorkspaceCreate(name, flags));
    });
  workspace
    .command('list')
    .description('List the workspaces of this installation')
    .option('--json', 'print a JSON array')
    .action(async (flags: ListFlags) => {
      process.stdout.write(await runWorkspaceList(flags));
    });
}

/** Runs `workspace create` and returns what it prints. */
export async function runWorkspaceCreate(name: string, flags: CreateFlags): Promise<string> {
  const created = await withStore((db) =>
    createWorkspaceWithKeys(db, {
      name,
      ...(flags.slug === undefined ? {} : { slug: flags.slug }),
      actor: { type: 'system' },
      now: Date.now(),
    }),
  );
  if (flags.json) {
    return `${JSON.stringify({ id: created.workspace.id, writeKey: created.writeKey, apiKey: created.apiKey })}\n`;
  }
  return [
    `Created workspace "${created.workspace.name}" (slug ${created.workspace.slug}).`,
    `  id          ${created.workspace.id}`,
    `  write key   ${created.writeKey}   (for tracking: POST /v1/track)`,
    `  API key     ${created.apiKey}   (role admin: Authorization: Bearer …)`,
    'Store both keys now: they are not shown again.',
    '',
  ].join('\n');
}

/** Runs `workspace list` and returns what it prints. */
export async function runWorkspaceList(flags: ListFlags): Promise<string> {
  const workspaces = await withStore((db) => listWorkspaces(db));
  if (flags.json) {
    const rows = workspaces.map((workspace) => ({
      id: workspace.id,
      name: workspace.name,
      slug: workspace.slug,
      createdAt: workspace.createdAt,
    }));
    return `${JSON.stringify(rows)}\n`;
  }
  if (workspaces.length === 0)
    return 'No workspaces yet: create one with `retain workspace create <name>`.\n';
  const table = new Table({ head: ['id', 'slug', 'name', 'created'], style: { head: [], border: [] } });
  for (const workspace of workspaces) {
    table.push([workspace.id, workspace.slug, workspace.name, new Date(workspace.createdAt).toISOString()]);
  }
  return `${table.toString()}\n`;
}
