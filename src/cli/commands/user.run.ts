/** The work of `retain user` (described in `user.ts`), loaded only when the command runs. */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { createUser } from '../../auth/index.js';
import { ROLES } from '../../auth/roles.js';
import { CliError } from '../cli-error.js';
import { parseChoice } from '../options.js';
import { resolveWorkspace, withStore } from '../store.js';
import type { CreateFlags } from './user.js';

/** Where the password comes from; tests pass their own. */
export interface PasswordSource {
  /** The whole of standard input (for `--password-stdin`). */
  readStdin(): Promise<string>;
  /** Asks on the terminal without echo; `undefined` when there is no terminal. */
  promptHidden?: (question: string) => Promise<string>;
  /** Releases the terminal once the password is read. */
  close?: () => void;
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
    return `${JSON.stringify({ id: String(user.id), email: user.email, role: user.role, workspaceId: String(workspaceId) })}\n`;
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
  let password: string;
  let again: string;
  try {
    password = await source.promptHidden('Password: ');
    again = await source.promptHidden('Repeat the password: ');
  } finally {
    source.close?.();
  }
  if (password !== again) throw new CliError('The two passwords differ');
  return password;
}

/** The real standard input and terminal. */
export function terminalPasswordSource(): PasswordSource {
  const readStdin = async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks).toString('utf8');
  };
  if (!process.stdin.isTTY) return { readStdin };
  const prompt = hiddenPrompt();
  return { readStdin, promptHidden: prompt.ask, close: prompt.close };
}

/**
 * Questions on the terminal whose answers are not echoed: one readline in terminal (raw) mode
 * writing to a stream that is muted while an answer is typed. Lines are read through the
 * interface's iterator, which queues them, so input typed ahead of a prompt is not lost.
 * Ctrl-C cancels (exit 130).
 */
function hiddenPrompt(): { ask: (question: string) => Promise<string>; close: () => void } {
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, callback) {
      if (!muted) process.stderr.write(chunk);
      callback();
    },
  });
  const readline = createInterface({ input: process.stdin, output, terminal: true });
  let cancelled = false;
  readline.on('SIGINT', () => {
    cancelled = true;
    readline.close();
  });
  const lines = readline[Symbol.asyncIterator]();
  return {
    ask: async (question) => {
      process.stderr.write(question);
      muted = true;
      const line = await lines.next();
      muted = false;
      process.stderr.write('\n');
      if (cancelled || line.done) throw new CliError('Cancelled', 130);
      return line.value;
    },
    close: () => readline.close(),
  };
}
