/**
 * `retain migrate-data --to postgres://…`: copies every table of the current store (`DATABASE_URL`,
 * usually the SQLite file) into another store, migrated first, workspace by workspace in batches,
 * then checks that every table holds the same number of rows on both sides (docs/operations.md).
 *
 * Re-run safe: rows already in the target (same primary key) are left as they are, so a copy that
 * was interrupted is finished by running it again with `--force`.
 */
import type { Command } from 'commander';

export function registerMigrateData(program: Command): void {
  program
    .command('migrate-data')
    .description(
      'Copy every table of the current store (DATABASE_URL) into another, e.g. SQLite → PostgreSQL',
    )
    .requiredOption('--to <url>', 'target store, e.g. postgres://user@host:5432/retain')
    .option('--force', 'copy into a target that already holds data (rows already there are kept)')
    .action(async (flags: { to: string; force?: boolean }) => {
      const { migrateData } = await import('./migrate-data.run.js');
      await migrateData({ to: flags.to, ...(flags.force ? { force: true } : {}) });
    });
}
