import type { Command } from 'commander';
import { registerAnalyze } from './analyze.js';
import { registerAtRisk } from './at-risk.js';
import { registerChurn } from './churn.js';
import { registerClv } from './clv.js';
import { registerSurvival } from './survival.js';

/** Adds every command to the program. */
export function registerCommands(program: Command): void {
  registerAnalyze(program);
  registerClv(program);
  registerSurvival(program);
  registerChurn(program);
  registerAtRisk(program);
}
