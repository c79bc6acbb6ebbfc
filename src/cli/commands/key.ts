/**
 * `retain key create --workspace <id> [--role r] [--name n] [--json]`,
 * `retain key revoke <id> --workspace <id>` and `retain key list --workspace <id> [--json]`.
 * `--workspace` may be left out when the installation has exactly one workspace.
 */
import type { Command } from 'commander';
// Straight from env.ts, not http/index.ts: the index also loads the router (Hono, Zod), which the
// help of every command would then wait for.
import { ROLES, type Role } from '../../auth/roles.js';

/** The role a key gets when `--role` is left out: reading analytics, no administration. */
export const DEFAULT_KEY_ROLE: Role = 'analyst';

export interface CreateFlags {
  workspace?: string;
  role: string;
  name: string;
  json?: boolean;
}

export interface RevokeFlags {
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
      const { runKeyCreate } = await import('./key.run.js');
      process.stdout.write(await runKeyCreate(flags));
    });
  key
    .command('revoke')
    .description('Revoke an API key: its next request is refused')
    .argument('<id>', 'the key id (see `retain key list`)')
    .option('--workspace <id>', 'workspace id or slug (default: the only workspace)')
    .action(async (id: string, flags: RevokeFlags) => {
      const { runKeyRevoke } = await import('./key.run.js');
      process.stdout.write(await runKeyRevoke(id, flags));
    });
  key
    .command('list')
    .description('List a workspace’s API keys (prefixes only; keys are never shown again)')
    .option('--workspace <id>', 'workspace id or slug (default: the only workspace)')
    .option('--json', 'print a JSON array')
    .action(async (flags: RevokeFlags) => {
      const { runKeyList } = await import('./key.run.js');
      process.stdout.write(await runKeyList(flags));
    });
}
