/** The work of `retain workspace` (described in `workspace.ts`), loaded only when the command runs. */
import Table from 'cli-table3';
import { createWorkspaceWithKeys, listWorkspaces } from '../../workspaces/index.js';
import { withStore } from '../store.js';
import type { CreateFlags, ListFlags } from './workspace.js';

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
    return `${JSON.stringify({ id: String(created.workspace.id), writeKey: created.writeKey, apiKey: created.apiKey })}\n`;
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
      id: String(workspace.id),
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
    table.push([
      String(workspace.id),
      workspace.slug,
      workspace.name,
      new Date(workspace.createdAt).toISOString(),
    ]);
  }
  return `${table.toString()}\n`;
}
