/**
 * `retain clv <orders.csv>` / `retain clv --summary <file.csv>`: predictive customer lifetime value
 * (metrics.md §5). Summarises the orders up to the calibration end, fits a transaction model
 * (BG/NBD by default, MBG/NBD, Pareto/NBD, or the best on the holdout with `--model auto`) and the
 * Gamma-Gamma spend model, scores the holdout period when there is one, and prints parameters,
 * holdout accuracy and the customers by CLV — or one JSON object (docs/cli.md, docs/models.md).
 */
import type { Command } from 'commander';

/** The transaction models `--model` accepts; `auto` picks the best on the holdout. */
export const MODELS = ['bgnbd', 'mbgnbd', 'paretonbd', 'auto'] as const;

export interface ClvFlags {
  summary?: string;
  calibrationEnd?: string;
  observationEnd?: string;
  timeUnit: string;
  model: string;
  predictT?: string;
  horizonMonths: string;
  discountMonthly: string;
  margin: string;
  tz: string;
  map?: string;
  penalizer: string;
  json?: boolean;
}

export function registerClv(program: Command): void {
  program
    .command('clv')
    .description('Predictive customer lifetime value: BG/NBD (or MBG/NBD, Pareto/NBD) + Gamma-Gamma')
    .argument('[orders]', 'orders CSV (generic or Shopify layout), or omit and give --summary')
    .option('--summary <file>', 'per-customer summary CSV: frequency, recency, T[, monetary_value]')
    .option('--calibration-end <date>', 'last day of the calibration period, inclusive (YYYY-MM-DD)')
    .option('--observation-end <date>', 'last day of the holdout period, inclusive (YYYY-MM-DD)')
    .option('--time-unit <unit>', 'unit of recency and T: day|week', 'week')
    .option('--model <model>', `transaction model: ${MODELS.join('|')}`, 'bgnbd')
    .option(
      '--predict-t <n>',
      'expected purchases over the next n time units (default: holdout length, else a year)',
    )
    .option('--horizon-months <n>', 'CLV horizon in months', '12')
    .option('--discount-monthly <rate>', 'monthly discount rate of the CLV', '0.01')
    .option('--margin <fraction>', 'gross margin applied to the CLV (0–1)', '1')
    .option('--penalizer <n>', 'L2 penalty of the transaction model (lifetimes penalizer_coef)', '0')
    .option('--tz <zone>', 'IANA time zone of the purchase days', 'UTC')
    .option('--map <pairs>', 'column mapping, e.g. customer_id=Email,ordered_at=Created at')
    .option('--json', 'print one JSON object instead of tables')
    .action(async (orders: string | undefined, flags: ClvFlags) => {
      const { runClv } = await import('./clv.run.js');
      process.stdout.write(await runClv(orders, flags));
    });
}
