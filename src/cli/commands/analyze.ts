/**
 * `retain analyze <file>`: reads an order (or subscription) export and prints the retention
 * report — retention over the last complete period and the series, cohorts, order metrics, RFM
 * segments and customer value — as tables, or as one JSON object with `--json` (docs/cli.md).
 */
import type { Command } from 'commander';
import type { Granularity } from '../../core/index.js';
import { collect } from '../repeatable.js';

export const PERIODS: readonly Granularity[] = ['day', 'week', 'month', 'quarter', 'year'];

export interface AnalyzeFlags {
  period: string;
  from?: string;
  to?: string;
  mode: string;
  windowDays: string;
  tz: string;
  by?: string;
  map?: string[];
  format: string;
  encoding?: string;
  delimiter?: string;
  decimal?: string;
  dateFormat?: string;
  weekStart: string;
  margin: string;
  json?: boolean;
}

export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description('Retention report for an orders (or subscriptions) CSV: retention, cohorts, RFM, value')
    .argument(
      '<file>',
      'CSV export: generic, Shopify orders, or (with --mode subscription) subscriptions / Stripe',
    )
    .option('--period <period>', `period of the report and cohorts: ${PERIODS.join('|')}`, 'month')
    .option('--from <date>', 'first day of the analysed range (YYYY-MM-DD, local to --tz)')
    .option('--to <date>', 'last day of the analysed range, inclusive (YYYY-MM-DD); default: the last order')
    .option('--mode <mode>', 'transactional (orders) or subscription', 'transactional')
    .option('--window-days <n>', 'activity window W in days: active = an order in the last W days', '365')
    .option('--tz <zone>', 'IANA time zone of periods and of dates without an offset', 'UTC')
    .option('--by <column>', 'break the cohort matrix down by this column (its value at acquisition)')
    .option(
      '--map <pairs>',
      'name the columns of the fields, e.g. customer_id=Email,ordered_at="Created at" (repeatable)',
      collect,
    )
    .option('--format <format>', 'file layout: auto|generic|shopify|stripe', 'auto')
    .option(
      '--encoding <encoding>',
      'text encoding of the file: utf-8|latin1|windows-1252 (a file with bytes that are not UTF-8 is refused, naming the line)',
      'utf-8',
    )
    .option('--delimiter <char>', 'field separator: , ; | or tab (default: detected from the header)')
    .option('--decimal <char>', 'decimal separator of amounts: . or , (default: detected from the rows)')
    .option('--date-format <format>', 'YYYY-MM-DD|DD/MM/YYYY|MM/DD/YYYY|DD.MM.YYYY (default: detected)')
    .option('--week-start <day>', 'first day of a week: monday|sunday', 'monday')
    .option('--margin <fraction>', 'gross margin applied to customer value (0–1)', '1')
    .option('--json', 'print one JSON object instead of tables')
    .action(async (file: string, flags: AnalyzeFlags) => {
      const { runAnalyze } = await import('./analyze.run.js');
      process.stdout.write(await runAnalyze(file, flags));
    });
}
