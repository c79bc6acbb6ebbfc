/** The work of `retain analyze` (described in `analyze.ts`), loaded only when the command runs. */
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { SingleBar } from 'cli-progress';
import {
  analyzeSubscriptions,
  type Granularity,
  isInvalidInputError,
  type RetentionReport,
} from '../../core/index.js';
import {
  type DetectedDialect,
  formatCsvIssue,
  readOrdersCsv,
  readSubscriptionsCsv,
} from '../../csv/index.js';
import { analyzeOrdersOnThreads } from '../../runtime/index.js';
import { CliError } from '../cli-error.js';
import { parseDialectFlags } from '../dialect-options.js';
import { parseEncodingOption } from '../encoding-option.js';
import {
  parseChoice,
  parseColumnMap,
  parseInclusiveEndDate,
  parseLocalDate,
  parseNumberInRange,
  parsePositiveInteger,
  parseTimeZone,
} from '../options.js';
import { renderReport } from '../render/report-tables.js';
import { type AnalyzeFlags, PERIODS } from './analyze.js';

/** Files larger than this get a progress bar on stderr. */
const PROGRESS_THRESHOLD_BYTES = 50 * 1024 * 1024;

/**
 * What was read: the layout found, the header each field was read from, the rows analysed, and the
 * rows left out on purpose, by reason.
 */
export interface AnalyzedInput {
  readonly file: string;
  readonly format: string;
  readonly columns: Readonly<Record<string, string>>;
  /** The delimiter, decimal separator and date format the file was read with, and why. */
  readonly dialect: DetectedDialect;
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
  const dialect = parseDialectFlags(flags);

  const progress = progressBar(file);
  const readOptions = {
    timeZone,
    encoding: parseEncodingOption(flags.encoding ?? 'utf-8'),
    ...dialect,
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
        columns: read.value.columns,
        dialect: read.value.dialect,
        rows: read.value.rows,
        skipped: read.value.skipped,
      };
      report = analyzeSubscriptions(read.value.table, options);
    } else {
      const format = parseChoice(flags.format, '--format', ['auto', 'generic', 'shopify', 'stripe'] as const);
      const read = await readOrdersCsv(file, { ...readOptions, format });
      progress?.stop();
      if (!read.ok) throw new CliError(read.error.map(formatCsvIssue).join('\n'));
      input = {
        file: basename(file),
        format: read.value.format,
        columns: read.value.columns,
        dialect: read.value.dialect,
        rows: read.value.rows,
        skipped: read.value.skipped,
      };
      // Large tables: the report's parts are computed on two threads (same result).
      report = await analyzeOrdersOnThreads(read.value.table, options);
    }
  } catch (error) {
    progress?.stop();
    // The core throws its coded input error for input it cannot analyse (e.g. an unknown --by
    // attribute); anything else is a bug and keeps its stack (exit 1).
    if (isInvalidInputError(error)) throw new CliError(`${file}: ${error.message}`);
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
