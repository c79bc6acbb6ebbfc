/**
 * `retain user create --workspace <id> --email <e> --role <r> [--name n] [--password-stdin]`.
 * The password is asked for on the terminal, without echo (twice, to catch typos), or read from
 * standard input with `--password-stdin` (for scripts: `printf %s "$PW" | retain user create …`),
 * never taken from an argument, which would land in shell history and `ps`.
 */
import type { Command } from 'commander';
// Straight from env.ts, not http/index.ts: the index also loads the router (Hono, Zod), which the
// help of every command would then wait for.
import { ROLES } from '../../auth/roles.js';

export interface CreateFlags {
  workspace?: string;
  email: string;
  role: string;
  name?: string;
  passwordStdin?: boolean;
  json?: boolean;
}

export function registerUser(program: Command): void {
  const user = program.command('user').description('Manage the people of a workspace');
  user
    .command('create')
    .description('Add a user who logs in with an e-mail and a password')
    .option('--workspace <id>', 'workspace id or slug (default: the only workspace)')
    .requiredOption('--email <email>', 'the e-mail the user logs in with')
    .requiredOption('--role <role>', `one of ${ROLES.join('|')}`)
    .option('--name <name>', 'display name')
    .option('--password-stdin', 'read the password from standard input instead of asking')
    .option('--json', 'print { id, email, role, workspaceId }')
    .action(async (flags: CreateFlags) => {
      const { runUserCreate, terminalPasswordSource } = await import('./user.run.js');
      process.stdout.write(await runUserCreate(flags, terminalPasswordSource()));
    });
}
