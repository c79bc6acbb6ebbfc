/** The work of `retain key` (described in `key.ts`), loaded only when the command runs. */
import { createApiKey, listApiKeys, revokeApiKey } from '../../auth/index.js';
import { ROLES } from '../../auth/roles.js';
import { parseRowId } from '../../db/index.js';
import { CliError } from '../cli-error.js';
import { parseChoice } from '../options.js';
import { resolveWorkspace, withStore } from '../store.js';
import type { CreateFlags, RevokeFlags } from './key.js';

/** Runs `key create` and returns what it prints. */
export async function runKeyCreate(flags: CreateFlags): Promise<string> {
  const role = parseChoice(flags.role, '--role', ROLES);
  const { issued, workspaceId } = await withStore(async (db) => {
    const workspace = await resolveWorkspace(db, flags.workspace);
    const result = await createApiKey(db, {
      workspaceId: workspace.id,
      name: flags.name,
      role,
      grantedBy: null,
      actor: { type: 'system' },
      now: Date.now(),
    });
    return { issued: result, workspaceId: workspace.id };
  });
  if (flags.json) {
    const { apiKey } = issued;
    return `${JSON.stringify({ id: String(apiKey.id), key: issued.key, role: apiKey.role, name: apiKey.name, workspaceId: String(workspaceId) })}\n`;
  }
  return `Created API key ${issued.apiKey.id} (role ${role}):\n  ${issued.key}\nStore it now: it is not shown again.\n`;
}

/** Runs `key revoke` and returns what it prints. */
export async function runKeyRevoke(idText: string, flags: RevokeFlags): Promise<string> {
  const id = parseRowId(idText);
  if (id === undefined) throw new CliError(`No API key "${idText}" (an id is a whole number)`);
  const revoked = await withStore(async (db) => {
    const workspace = await resolveWorkspace(db, flags.workspace);
    return revokeApiKey(db, { workspaceId: workspace.id, id, actor: { type: 'system' }, now: Date.now() });
  });
  return `Revoked API key ${revoked.id} (${revoked.prefix}…, "${revoked.name}").\n`;
}

/** Runs `key list` and returns what it prints. */
export async function runKeyList(flags: RevokeFlags): Promise<string> {
  const keys = await withStore(async (db) =>
    listApiKeys(db, (await resolveWorkspace(db, flags.workspace)).id),
  );
  if (flags.json) {
    // Ids print as decimal strings, as on the API.
    const printed = keys.map((key) => ({
      ...key,
      id: String(key.id),
      workspaceId: String(key.workspaceId),
      createdBy: key.createdBy === null ? null : String(key.createdBy),
    }));
    return `${JSON.stringify(printed)}\n`;
  }
  if (keys.length === 0) return 'No API keys.\n';
  return `${keys
    .map(
      (key) =>
        `${key.id}  ${key.prefix}…  ${key.role.padEnd(8)}  ${key.revokedAt === null ? 'active ' : 'revoked'}  ${key.name}`,
    )
    .join('\n')}\n`;
}
