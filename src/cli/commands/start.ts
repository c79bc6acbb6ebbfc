/**
 * `retain start` (what `npm start` runs): migrates the store `DATABASE_URL` names, loads the demo
 * workspace on first run, runs the job worker in-process, serves the API on `PORT` (default 3000)
 * and shuts down gracefully on SIGINT/SIGTERM: stop accepting, finish the requests in flight and
 * the current job, close the store, exit 0.
 */
import type { Command } from 'commander';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('Migrate the store, load the demo on first run, and serve the API (PORT, default 3000)')
    .action(async () => {
      const { runStart } = await import('./start.run.js');
      await runStart();
    });
}
