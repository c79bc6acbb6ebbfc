/** What the long-running commands (`start`, `worker`, `migrate-data`) share with the process: output, signals, the port. */
import { CliError } from './cli-error.js';

/** Where progress lines go (stdout by default; tests capture them). */
export type Log = (line: string) => void;

export const defaultLog: Log = (line) => process.stdout.write(`${line}\n`);

/** Resolves on the first SIGINT or SIGTERM. */
export function waitForShutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** The port to listen on from `PORT` (default 3000); a clear error for anything but 0–65535. */
export function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return 3000;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new CliError(`PORT: expected a port number 0–65535, got "${value}"`);
  }
  return port;
}
