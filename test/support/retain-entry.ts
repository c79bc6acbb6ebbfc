// Runs `retain <args>` from the sources in a process of its own, as bin/retain.js runs the build:
// `node --import tsx test/support/retain-entry.ts analyze orders.csv --json`.
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv);
