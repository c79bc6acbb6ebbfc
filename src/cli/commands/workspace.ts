/**
 * `retain workspace create <name> [--slug s] [--json]` and `retain workspace list [--json]`.
 */
import type { Command } from 'commander';

export interface CreateFlags {
  slug?: string;
  json?: boolean;
}

export interface ListFlags {
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
      const { runWorkspaceCreate } = await import('./workspace.run.js');
      process.stdout.write(await runWorkspaceCreate(name, flags));
    });
  workspace
    .command('list')
    .description('List the workspaces of this installation')
    .option('--json', 'print a JSON array')
    .action(async (flags: ListFlags) => {
      const { runWorkspaceList } = await import('./workspace.run.js');
      process.stdout.write(await runWorkspaceList(flags));
    });
}
