/**
 * `retain survival <subscriptions.csv>`: how long subscribers stay. Kaplan–Meier curves with 95 %
 * (log-log Greenwood) intervals and the median lifetime, overall or per `--by` group, plus the
 * shifted-beta-geometric model fitted on each group's monthly survival and projected forward
 * (docs/models.md). Tables, or one JSON object with `--json`.
 */
import type { Command } from 'commander';

export interface SurvivalFlags {
  by?: string;
  unit: string;
  asOf?: string;
  projectMonths: string;
  tz: string;
  json?: boolean;
}

export function registerSurvival(program: Command): void {
  program
    .command('survival')
    .description('Subscriber survival: Kaplan–Meier curves (95 % intervals, median) and the sBG projection')
    .argument('<subscriptions>', 'subscriptions CSV (generic or Stripe layout)')
    .option('--by <column>', 'one curve per value of this column (its value on the first subscription)')
    .option('--unit <unit>', 'time unit of the curves: day|month', 'month')
    .option(
      '--as-of <date>',
      'last day of data, inclusive (YYYY-MM-DD); default: the last start or end in the file',
    )
    .option('--project-months <n>', 'months projected by the sBG model', '24')
    .option('--tz <zone>', 'IANA time zone of dates without an offset', 'UTC')
    .option('--json', 'print one JSON object instead of tables')
    .action(async (file: string, flags: SurvivalFlags) => {
      const { runSurvival } = await import('./survival.run.js');
      process.stdout.write(await runSurvival(file, flags));
    });
}
