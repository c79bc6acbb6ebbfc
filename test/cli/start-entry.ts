// Child entry for the start/worker tests: runs `retain start` or `retain worker` from the sources
// (the command chosen by the first argument), as bin/retain.js would, and exits with its code.
import { CliError } from '../../src/cli/cli-error.js';
import { runStart } from '../../src/cli/commands/start.run.js';
import { runWorker } from '../../src/cli/commands/worker.run.js';

try {
  await (process.argv[2] === 'worker' ? runWorker() : runStart());
  process.exitCode = 0;
} catch (error) {
  process.stderr.write(`retain: ${error instanceof CliError ? error.message : String(error)}\n`);
  process.exitCode = error instanceof CliError ? error.exitCode : 1;
}
