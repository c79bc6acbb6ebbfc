/**
 * `retain user create --workspace <id> --email <e> --role <r> [--name n] [--password-stdin]`.
 * The password is asked for on the terminal, without echo (twice, to catch typos), or read from
 * standard input with `--password-stdin` (for scripts: `printf %s "$PW" | retain user create …`),
 * never taken from an argument, which would land in shell history and `ps`.
 */
import type { Command } from 'commander';
import { createUser } from '../../auth/index.js';
import { ROLES } from '../../http/index.js';
import { CliError } from '../cli-error.js';
import { parseChoice } from '../options.js';
import { resolveWorkspace, withStore } from './workspace.js';

interface CreateFlags {
  workspace?: string;
  email: string;
  role: string;
  name?: string;
  passwordStdin?: boolean;
  json?: boolean;
}

/** Where the password comes from; tests pass their own. */
export interface PasswordSource {
  /** The whole of standard input (for `--password-stdin`). */
  readStdin(): Promise<string>;
  /** Asks on the terminal without echo; `undefined` when there is no terminal. */
  promptHidden?: (question: string) => Promise<string>;
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
      process.stdout.write(await runUserCreate(flags, terminalPasswordSource()));
    });
}

/** Runs `user create` and returns what it prints. */
export async function runUserCreate(flags: CreateFlags, source: PasswordSource): Promise<string> {
  const role = parseChoice(flags.role, '--role', ROLES);
  const password = await readPassword(flags, source);
  const { user, workspaceId } = await withStore(async (db) => {
    const workspace = await resolveWorkspace(db, flags.workspace);
    const created = await createUser(db, {
      workspaceId: workspace.id,
      email: flags.email,
      role,
      name: flags.name ?? null,
      password,
      actor: { type: 'system' },
      now: Date.now(),
    });
    return { user: created, workspaceId: workspace.id };
  });
  if (flags.json)
    return `${JSON.stringify({ id: user.id, email: user.email, role: user.role, workspaceId })}\n`;
  return `Created user ${user.email} (role ${user.role}, id ${user.id}).\n`;
}

async function readPassword(flags: CreateFlags, source: PasswordSource): Promise<string> {
  if (flags.passwordStdin) {
    // One trailing newline is what `echo` adds, not part of the password.
    const password = (await source.readStdin()).replace(/\r?\n$/, '');
    if (password === '') throw new CliError('--password-stdin: standard input was empty');
    return password;
  }
  if (source.promptHidden === undefined) {
    throw new CliError('No terminal to ask for the password on: pipe it in with --password-stdin');
  }
  const password = await source.promptHidden('Password: ');
  const again = await source.promptHidden('Repeat the password: ');
  if (password !== again) throw new CliError('The two passwords differ');
  return password;
}

/** The real standard input and terminal. */
function terminalPasswordSource(): PasswordSource {
  return {
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
      return Buffer.concat(chunks).toString('utf8');
    },
    ...(process.stdin.isTTY ? { promptHidden } : {}),
  };
}

/** Reads a line from the terminal in raw mode, echoing nothing. Ctrl-C cancels (exit 130). */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error === undefined) resolve(value);
      else reject(error);
    };
    const onData = (chunk: string) => {
      for (const character of chunk) {
        if (character === '\r' || character === '\n' || character === '\u0004') return finish();
        if (character === '\u0003') return finish(new CliError('Cancelled', 130));
        if (character === '\u007f' || character === '\b') value = value.slice(0, -1);
        else value += character;
      }
    };
    stdin.on('data', onData);
  });
}
