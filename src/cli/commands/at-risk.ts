/**
 * `retain at-risk <orders.csv>`: the customers most likely to be leaving, with their reasons in
 * words — the core's `analyzeAtRisk` (docs/models.md, "At-risk score"): expected purchases from the
 * best of BG/NBD, MBG/NBD and Pareto/NBD, the purchase rhythm and the value to date, weighted by
 * what predicted who stopped buying in the file's own past; when the file goes on past `--as-of`,
 * how well the score ranked those who then did not buy again (AUC on that time split).
 */
import type { Command } from 'commander';

export interface AtRiskFlags {
  asOf?: string;
  top: string;
  horizonDays: string;
  tz: string;
  map?: string;
  json?: boolean;
}

export function registerAtRisk(program: Command): void {
  program
    .command('at-risk')
    .description('Customers most at risk of leaving, with their reasons (expected purchases, rhythm, value)')
    .argument('<orders>', 'orders CSV (generic or Shopify layout)')
    .option('--as-of <date>', 'last day of data to use, inclusive (YYYY-MM-DD); default: the last order day')
    .option('--top <n>', 'customers to list', '20')
    .option(
      '--horizon-days <n>',
      'horizon of the expected purchases, and the window the weights are learned on',
      '90',
    )
    .option('--tz <zone>', 'IANA time zone of the purchase days', 'UTC')
    .option('--map <pairs>', 'column mapping, e.g. customer_id=Email,ordered_at=Created at')
    .option('--json', 'print one JSON object instead of tables')
    .action(async (orders: string, flags: AtRiskFlags) => {
      const { runAtRisk } = await import('./at-risk.run.js');
      process.stdout.write(await runAtRisk(orders, flags));
    });
}
