import type { Command } from 'commander';

/** Adds every command to the program. */
export function registerCommands(_program: Command): void {}
