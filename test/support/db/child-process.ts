/**
 * Runs a TypeScript file in a separate Node process (through tsx's loader), for tests that need
 * a real process to kill. `node --import tsx` keeps it one process: the `tsx` command would start
 * a second one, and SIGKILL on the first would leave the second running.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface ChildHandle {
  readonly process: ChildProcess;
  /** Everything the child printed so far (stdout and stderr). */
  output(): string;
  /** Resolves once `marker` has been printed; rejects on timeout or if the child exits first. */
  waitForOutput(marker: string, timeoutMs: number): Promise<void>;
  /** Resolves with the exit code (null when killed by a signal) and signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnTypeScript(scriptPath: string, env: Readonly<Record<string, string>>): ChildHandle {
  const child = spawn(process.execPath, ['--import', 'tsx', scriptPath], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve({ code, signal });
      for (const listener of listeners) listener();
    });
  });
  return {
    process: child,
    output: () => text,
    exited,
    waitForOutput: (marker, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (text.includes(marker)) finish(() => resolve());
          else if (child.exitCode !== null || child.signalCode !== null) {
            finish(() => reject(new Error(`Child exited before printing "${marker}". Output:\n${text}`)));
          }
        };
        const timer = setTimeout(
          () => finish(() => reject(new Error(`Timed out waiting for "${marker}". Output:\n${text}`))),
          timeoutMs,
        );
        function finish(settle: () => void): void {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        }
        listeners.add(check);
        check();
      }),
  };
}
