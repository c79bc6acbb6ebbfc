/**
 * `retain analyze <file>`: reads an order (or subscription) export and prints the retention
 * report — retention over the last complete period and the series, cohorts, order metrics, RFM
 * segments and customer value — as tables, or as one JSON object with `--json` (docs/cli.md).
 */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { analyzeSubscriptions, type Granularity, type RetentionReport } from '../../core/index.js';
import { formatCsvIssue, readOrdersCsv, readSubscriptionsCsv } from '../../imports/readers.js';
import { analyzeOrdersOnThreads } from '../../runtime/index.js';
import { CliError } from '../cli-error.js';
import {
  PERIODS,
  parseChoice,
  parseColumnMap,
  parseInclusiveEndDate,
  parseLocalDate,
  parseNumberInRange,
  parsePositiveInteger,
  parseTimeZone,
} from '../options.js';
import { renderReport } from '../render/report-tables.js';

/** Files larger than this get a progress bar on stderr. */
const PROGRESS_THRESHOLD_BYTES = 50 * 1024 * 1024;

interface AnalyzeFlags {
  period: string;
  from?: string;
  to?: string;
  mode: string;
  windowDays: string;
  tz: string;
  by?: string;
  map?: string;
  format: string;
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
    .option('--map <pairs>', 'column mapping, e.g. customer_id=Email,ordered_at=Created at')
    .option('--format <format>', 'file layout: auto|generic|shopify|stripe', 'auto')
    .option('--week-start <day>', 'first day of a week: monday|sunday', 'monday')
    .option('--margin <fraction>', 'gross margin applied to customer value (0–1)', '1')
    .option('--json', 'print one JSON object instead of tables')
    .action(async (file: string, flags: AnalyzeFlags) => {
      process.stdout.write(await runAnalyze(file, flags));
    });
}

/** What was read: the layout found, the rows analysed, and the rows left out on purpose, by reason. */
export interface AnalyzedInput {
  readonly file: string;
  readonly format: string;
  readonly rows: number;
  readonly skipped: readonly { readonly reason: string; readonly count: number }[];
}

/** Runs the command and returns what it prints; throws `CliError` on bad input. */
export async function runAnalyze(file: string, flags: AnalyzeFlags): Promise<string> {
  const timeZone = parseTimeZone(flags.tz);
  const period = parseChoice(flags.period, '--period', PERIODS) as Granularity;
  const mode = parseChoice(flags.mode, '--mode', ['transactional', 'subscription'] as const);
  const weekStartsOn = parseChoice(flags.weekStart, '--week-start', ['monday', 'sunday'] as const);
  const windowDays = parsePositiveInteger(flags.windowDays, '--window-days');
  const margin = parseNumberInRange(flags.margin, '--margin', 0, 1);
  const from = flags.from === undefined ? undefined : parseLocalDate(flags.from, '--from', timeZone);
  const to = flags.to === undefined ? undefined : parseInclusiveEndDate(flags.to, '--to', timeZone);
  if (from !== undefined && to !== undefined && !(to > from)) {
    throw new CliError(`--to (${flags.to}) must not be before --from (${flags.from})`);
  }
  const map = flags.map === undefined ? undefined : parseColumnMap(flags.map);
  const attributes = flags.by === undefined ? [] : [flags.by];

  const progress = progressBar(file);
  const readOptions = {
    timeZone,
    ...(map ? { map } : {}),
    attributes,
    ...(progress ? { onProgress: progress.update } : {}),
  };
  const options = {
    period,
    timeZone,
    weekStartsOn,
    windowDays,
    margin,
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(flags.by !== undefined ? { by: flags.by } : {}),
  };

  let report: RetentionReport;
  let input: AnalyzedInput;
  try {
    if (mode === 'subscription') {
      const format = parseChoice(flags.format, '--format', ['auto', 'generic', 'stripe'] as const);
      const read = await readSubscriptionsCsv(file, { ...readOptions, format });
      progress?.stop();
      if (!read.ok) throw new CliError(read.error.map(formatCsvIssue).join('\n'));
      input = {
        file: basename(file),
        format: read.value.format,
        rows: read.value.rows,
        skipped: read.value.skipped,
      };
      report = analyzeSubscriptions(read.value.table, options);
    } else {
      const format = parseChoice(flags.format, '--format', ['auto', 'generic', 'shopify'] as const);
      const read = await readOrdersCsv(file, { ...readOptions, format });
      progress?.stop();
      if (!read.ok) throw new CliError(read.error.map(formatCsvIssue).join('\n'));
      input = {
        file: basename(file),
        format: read.value.format,
        rows: read.value.rows,
        skipped: read.value.skipped,
      };
      // Large tables: the report's parts are computed on two threads (same result).
      report = await analyzeOrdersOnThreads(read.value.table, options);
    }
  } catch (error) {
    progress?.stop();
    // The core throws RangeError for input it cannot analyse (e.g. an unknown --by attribute).
    if (error instanceof RangeError) throw new CliError(`${file}: ${error.message}`);
    throw error;
  }

  if (flags.json) return `${JSON.stringify({ input, ...report }, null, 2)}\n`;
  return renderReport(report, input);
}

function progressBar(
  file: string,
): { update: (read: number, total: number) => void; stop: () => void } | null {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return null; // the reader reports a missing file with its own message
  }
  if (size < PROGRESS_THRESHOLD_BYTES || !process.stderr.isTTY) return null;
  const bar = new SingleBar({
    format: 'reading {bar} {percentage}% | {value}/{total} MB',
    stream: process.stderr,
    hideCursor: true,
  });
  const totalMb = Math.ceil(size / 1_048_576);
  bar.start(totalMb, 0);
  let stopped = false;
  return {
    update: (read) => bar.update(Math.min(totalMb, Math.round(read / 1_048_576))),
    stop: () => {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
