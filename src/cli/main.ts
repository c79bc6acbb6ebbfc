/**
 * The `retain` command line. Each command is defined in `commands/<name>.ts` and registers itself
 * on the program; this file only assembles them and turns expected failures into exit codes.
 */
import { Command, CommanderError } from 'commander';
import { CliError } from './cli-error.js';
import { registerCommands } from './commands/index.js';

export function buildProgram(): Command {
  const program = new Command('retain')
    .description('Customer retention analytics: retention, cohorts, churn and lifetime value.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerCommands(program);
  return program;
}

/** Runs the CLI on `argv` (as `process.argv`) and resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit "with an error" in commander's terms; they are successes to a user.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof CliError) {
      process.stderr.write(`retain: ${error.message}\n`);
      return error.exitCode;
    }
    // Anything else is unexpected: one readable line, the stack only when asked for.
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`retain: ${message}\n`);
    if (process.env.RETAIN_DEBUG) process.stderr.write(`${error instanceof Error ? error.stack : ''}\n`);
    else process.stderr.write('(set RETAIN_DEBUG=1 to see where it happened)\n');
    return 1;
  }
}
