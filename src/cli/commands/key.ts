/**
 * `retain key create --workspace <id> [--role r] [--name n] [--json]`,
 * `retain key revoke <id> --workspace <id>` and `retain key list --workspace <id> [--json]`.
 * `--workspace` may be left out when the installation has exactly one workspace.
 */
import type { Command } from 'commander';
import { createApiKey, listApiKeys, revokeApiKey } from '../../auth/index.js';
import { ROLES, type Role } from '../../http/index.js';
import { parseChoice } from '../options.js';
import { resolveWorkspace, withStore } from './workspace.js';

/** The role a key gets when `--role` is left out: reading analytics, no administration. */
export const DEFAULT_KEY_ROLE: Role = 'analyst';

interface CreateFlags {
  workspace?: string;
  role: string;
  name: string;
  json?: boolean;
}

interface RevokeFlags {
  workspace?: string;
  json?: boolean;
}

export function registerKey(program: Command): void {
  const key = program.command('key').description('Create, list and revoke API keys');
  key
    .command('create')
    .description('Create an API key (printed once)')
    .option('--workspace <id>', 'workspace id or slug (default: the only workspace)')
    .option('--role <role>', `role of the key: ${ROLES.join('|')}`, DEFAULT_KEY_ROLE)
    .option('--name <name>', 'a label to tell keys apart', 'CLI key')
    .option('--json', 'print { id, key, role, name, workspaceId }')
    .action(async (flags: CreateFlags) => {
      process.stdout.write(await runKeyCreate(flags));
    });
  key
    .command('revoke')
    .description('Revoke an API key: its next request is refused')
    .argument('<id>', 'the key id (see `retain key list`)')
    .option('--workspace <id>', 'workspace id or slug (default: the only workspace)')
    .action(async (id: string, flags: RevokeFlags) => {
      process.stdout.write(await runKeyRevoke(id, flags));
    });
  key
    .command('list')
    .description('List a workspace’s API keys (prefixes only; keys are never shown again)')
    .option('--workspace <id>', 'workspace id or slug (default: the only workspace)')
    .option('--json', 'print a JSON array')
    .action(async (flags: RevokeFlags) => {
      process.stdout.write(await runKeyList(flags));
    });
}

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
    return `${JSON.stringify({ id: apiKey.id, key: issued.key, role: apiKey.role, name: apiKey.name, workspaceId })}\n`;
  }
  return `Created API key ${issued.apiKey.id} (role ${role}):\n  ${issued.key}\nStore it now: it is not shown again.\n`;
}

/** Runs `key revoke` and returns what it prints. */
export async function runKeyRevoke(id: string, flags: RevokeFlags): Promise<string> {
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
  if (flags.json) return `${JSON.stringify(keys)}\n`;
  if (keys.length === 0) return 'No API keys.\n';
  return `${keys
    .map(
      (key) =>
        `${key.id}  ${key.prefix}…  ${key.role.padEnd(8)}  ${key.revokedAt === null ? 'active ' : 'revoked'}  ${key.name}`,
    )
    .join('\n')}\n`;
}
