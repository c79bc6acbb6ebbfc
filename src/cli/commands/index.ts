import type { Command } from 'commander';
import { registerAnalyze } from './analyze.js';

/** Adds every command to the program. */
export function registerCommands(program: Command): void {
  registerAnalyze(program);
}
