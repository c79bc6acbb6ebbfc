/**
 * Every `retain` command. `<name>.ts` defines a command (arguments, options, help) and imports
 * nothing heavy; its action loads `<name>.run.ts`, the work, only when the command runs. So a
 * command starts without the code of the others: `retain analyze` never loads the server, the
 * database drivers or argon2, and `--help` loads none of them.
 */
import type { Command } from 'commander';
import { registerAnalyze } from './analyze.js';
import { registerAtRisk } from './at-risk.js';
import { registerChurn } from './churn.js';
import { registerClv } from './clv.js';
import { registerCustomer } from './customer.js';
import { registerImport } from './import.js';
import { registerKey } from './key.js';
import { registerMigrateData } from './migrate-data.js';
import { registerStart } from './start.js';
import { registerSurvival } from './survival.js';
import { registerUser } from './user.js';
import { registerWorker } from './worker.js';
import { registerWorkspace } from './workspace.js';

/** Adds every command to the program. */
export function registerCommands(program: Command): void {
  registerAnalyze(program);
  registerClv(program);
  registerSurvival(program);
  registerChurn(program);
  registerAtRisk(program);
  registerWorkspace(program);
  registerUser(program);
  registerKey(program);
  registerImport(program);
  registerStart(program);
  registerWorker(program);
  registerMigrateData(program);
  registerCustomer(program);
}
