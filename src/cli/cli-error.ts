/**
 * An expected failure the CLI reports in one line and an exit code, without a stack trace:
 * 2 for bad input or usage (the file, line and column are in the message), 1 for anything else.
 */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 2) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
