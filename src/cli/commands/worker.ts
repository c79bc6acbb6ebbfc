/**
 * `retain worker`: runs only the job worker loop against the store `DATABASE_URL` names, for
 * extra worker processes on PostgreSQL. Stops claiming on SIGINT/SIGTERM, finishes the current
 * job, closes the store and exits 0.
 */
import type { Command } from 'commander';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('Run the background job worker only (more processes against PostgreSQL)')
    .action(async () => {
      const { runWorker } = await import('./worker.run.js');
      await runWorker();
    });
}
